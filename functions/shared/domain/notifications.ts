import { createHash } from 'node:crypto';
import type { CampaignDefinition, Person, Unit } from './definition.ts';
import type { Notification, NotificationKind, Recipient } from './records.ts';

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
}

export const toNotification = (campaignId: string, createdAt: string, draft: Draft): Notification => ({
  id: notificationId({
    campaignId,
    kind: draft.kind,
    recipientKey: draft.recipient.key,
    subjectKey: draft.subjectKey,
  }),
  campaignId,
  kind: draft.kind,
  recipient: draft.recipient,
  subject: draft.subject,
  body: draft.body,
  createdAt,
  status: 'pending',
  attempts: 0,
});

export const personLabel = (p: Person): string => (p.title ? `${p.name}（${p.title}）` : p.name);
