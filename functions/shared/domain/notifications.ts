import { createHash } from 'node:crypto';
import { type Language, render, type TemplatedKind, type TemplateParams } from '../notify/templates.ts';
import type { CampaignDefinition, Person, Unit } from './definition.ts';
import type { Channel, Notification, NotificationKind, Recipient } from './records.ts';

/**
 * Notifications get a deterministic id from what they are about, so a retried task or a replayed
 * tick enqueues the same id again and the outbox keeps one.
 */
export const notificationId = (parts: {
  campaignId: string;
  kind: NotificationKind;
  recipientKey: string;
  subjectKey: string;
  level?: number;
}): string =>
  createHash('sha256')
    .update(
      [parts.campaignId, parts.kind, parts.recipientKey, parts.subjectKey, parts.level ?? 0].join('\u0000'),
    )
    .digest('base64url')
    .slice(0, 22);

export const liaisonOf = (unit: Unit): Recipient => ({
  key: `unit:${unit.id}:liaison`,
  role: 'liaison',
  unitId: unit.id,
  person: unit.liaison,
});

export const unitLeaderOf = (unit: Unit): Recipient => ({
  key: `unit:${unit.id}:leader`,
  role: 'unitLeader',
  unitId: unit.id,
  person: unit.leader,
});

export const officeHead = (def: { organisation: { office: { head: Person } } }): Recipient => ({
  key: 'office:head',
  role: 'office',
  person: def.organisation.office.head,
});

export const leadingGroupLeader = (def: CampaignDefinition): Recipient => ({
  key: 'leadingGroup:leader',
  role: 'leadingGroup',
  person: def.organisation.leadingGroup.leader,
});

export interface Draft {
  kind: NotificationKind;
  recipient: Recipient;
  subjectKey: string;
  subject: string;
  body: string;
  markdown?: string;
  html?: string;
  language?: Language;
  /** Urgent escalations (red items) may pass quiet hours. */
  urgent?: boolean;
  /** Escalation level: the same item escalated again is a new notification. */
  level?: number;
}

/** The recipient's language: their own, else the campaign's. */
export const languageOf = (def: { language?: Language }, recipient: Recipient): Language =>
  recipient.person.language ?? def.language ?? 'zh-CN';

/** A draft rendered from the kind's template in the recipient's language. */
export const compose = <K extends TemplatedKind>(
  def: { language?: Language },
  kind: K,
  recipient: Recipient,
  subjectKey: string,
  params: TemplateParams[K],
  options: { urgent?: boolean; level?: number } = {},
): Draft => {
  const language = languageOf(def, recipient);
  const rendered = render(kind, params, language);
  return {
    kind,
    recipient,
    subjectKey,
    subject: rendered.subject,
    body: rendered.text,
    markdown: rendered.markdown,
    // Only a message with HTML of its own keeps it; the rest is made from the text when mailed.
    ...(params && 'detailsHtml' in params && params.detailsHtml ? { html: rendered.html } : {}),
    language,
    ...options,
  };
};

/** The first of the person's preferred channels they can be reached on; `none` is dead-lettered, not dropped. */
export const routeOf = (person: Person): { channel: Channel; address?: string } => {
  const reach = { robot: person.robot, sms: person.phone, email: person.email };
  const order = person.channels ?? (['robot', 'sms', 'email'] as const);
  for (const channel of order) {
    const address = reach[channel];
    if (address !== undefined) return { channel, address };
  }
  return { channel: 'none' };
};

export const toNotification = (campaignId: string, createdAt: string, draft: Draft): Notification => ({
  id: notificationId({
    campaignId,
    kind: draft.kind,
    recipientKey: draft.recipient.key,
    subjectKey: draft.subjectKey,
    level: draft.level,
  }),
  campaignId,
  kind: draft.kind,
  recipient: draft.recipient,
  ...routeOf(draft.recipient.person),
  language: draft.language ?? 'zh-CN',
  subject: draft.subject,
  body: draft.body,
  ...(draft.markdown !== undefined && draft.markdown !== draft.body ? { markdown: draft.markdown } : {}),
  ...(draft.html !== undefined ? { html: draft.html } : {}),
  urgent: draft.urgent ?? false,
  createdAt,
  status: 'pending',
  notBefore: createdAt,
  attempts: 0,
});

export const personLabel = (p: Person): string => (p.title ? `${p.name}（${p.title}）` : p.name);
