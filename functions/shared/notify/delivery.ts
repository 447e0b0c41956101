import { createHash } from 'node:crypto';
import { addDays, set } from 'date-fns';
import type { QuietHours, Robot } from '../domain/definition.ts';
import type { Channel, Notification } from '../domain/records.ts';
import { type Instant, inZone } from '../domain/schedule.ts';
import { DIGEST, fill, type Language, textToHtml } from './templates.ts';

/**
 * Pure rules of delivery: which notifications travel together, how long a message may be, quiet
 * hours and retry backoff. The notify use case applies them; nothing here does I/O.
 */

/** One message on one channel, carrying one or more notifications (a roll-up). */
export interface Delivery {
  /** Deterministic from the notifications it carries: a retried send is the same delivery. */
  id: string;
  campaignId: string;
  channel: Exclude<Channel, 'none'>;
  /** Phone, email address or robot id. */
  address: string;
  /** The robot's settings (webhook without token, secret name, keywords) for robot deliveries. */
  robot?: Robot;
  subject: string;
  text: string;
  markdown: string;
  html: string;
  notificationIds: string[];
  /** People to @-mention in a robot group: their phones and user ids. */
  mentions: { phones: string[]; dingtalkUserIds: string[]; wecomUserIds: string[] };
}

/** Attempts before a notification is dead-lettered. */
export const MAX_ATTEMPTS = 5;
/** Minutes to wait after the n-th failed attempt (1-based). */
const BACKOFF_MINUTES = [1, 5, 15, 60];
export const backoffMinutes = (attempt: number): number =>
  BACKOFF_MINUTES[Math.min(attempt, BACKOFF_MINUTES.length) - 1] ?? 60;

/** Group robots take about 20 messages a minute (DingTalk answers errcode 130101 beyond that). */
export const ROBOT_MESSAGES_PER_MINUTE = 20;

/**
 * Largest message per channel, in UTF-8 bytes: WeCom's markdown content is limited to 4,096 bytes
 * and DingTalk's to 20,000; an SMS of more than ~10 segments is not read. Mail has no useful limit.
 */
export const MAX_BYTES: Record<Delivery['channel'], number> = {
  robot: 4000,
  sms: 600,
  email: 200_000,
};

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * The end of quiet hours if `at` falls inside them (local time), else null. A window may wrap
 * midnight (22:00–07:30) or not (12:00–14:00).
 */
export const quietUntil = (at: Instant, quiet: QuietHours | false, zone: string): Instant | null => {
  if (quiet === false || quiet.start === quiet.end) return null;
  const local = inZone(at, zone);
  const minutes = local.getHours() * 60 + local.getMinutes();
  const [sh, sm] = quiet.start.split(':').map(Number) as [number, number];
  const [eh, em] = quiet.end.split(':').map(Number) as [number, number];
  const start = sh * 60 + sm;
  const end = eh * 60 + em;
  const wraps = start > end;
  const inside = wraps ? minutes >= start || minutes < end : minutes >= start && minutes < end;
  if (!inside) return null;
  const endToday = set(local, { hours: eh, minutes: em, seconds: 0, milliseconds: 0 });
  return new Date((wraps && minutes >= start ? addDays(endToday, 1) : endToday).getTime());
};

const deliveryId = (ids: string[]): string =>
  `d-${createHash('sha256')
    .update([...ids].sort().join('\u0000'))
    .digest('base64url')
    .slice(0, 22)}`;

const route = (n: Notification): string => `${n.channel}\u0000${n.address ?? ''}`;

/**
 * One message per recipient address (a robot group counts as one address) per tick: the
 * notifications of a group are rolled up into one message, split only where the channel's size
 * limit forces it. Order within a group is the outbox order.
 */
export const planDeliveries = (
  campaign: { id: string; title: string; language: Language; robots: Robot[] },
  notifications: Notification[],
): Delivery[] => {
  const groups = new Map<string, Notification[]>();
  for (const n of notifications) {
    if (n.channel === 'none' || n.address === undefined) continue;
    const key = route(n);
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  const robots = new Map(campaign.robots.map((r) => [r.id, r]));
  const deliveries: Delivery[] = [];
  for (const group of groups.values()) {
    const first = group[0] as Notification;
    const channel = first.channel as Delivery['channel'];
    const limit = MAX_BYTES[channel];
    let chunk: Notification[] = [];
    const flush = () => {
      if (chunk.length === 0) return;
      deliveries.push(
        compose(campaign, channel, first.address as string, robots.get(first.address ?? ''), chunk),
      );
      chunk = [];
    };
    for (const n of group) {
      const candidate = [...chunk, n];
      const size = bytes(
        compose(campaign, channel, '', undefined, candidate)[channel === 'robot' ? 'markdown' : 'text'],
      );
      if (chunk.length > 0 && size > limit) flush();
      chunk.push(n);
    }
    flush();
  }
  return deliveries;
};

const compose = (
  campaign: { id: string; title: string; language: Language },
  channel: Delivery['channel'],
  address: string,
  robot: Robot | undefined,
  items: Notification[],
): Delivery => {
  const mentions: Delivery['mentions'] = { phones: [], dingtalkUserIds: [], wecomUserIds: [] };
  for (const n of items) {
    const p = n.recipient.person;
    if (p.phone && !mentions.phones.includes(p.phone)) mentions.phones.push(p.phone);
    if (p.dingtalkUserId && !mentions.dingtalkUserIds.includes(p.dingtalkUserId))
      mentions.dingtalkUserIds.push(p.dingtalkUserId);
    if (p.wecomUserId && !mentions.wecomUserIds.includes(p.wecomUserId))
      mentions.wecomUserIds.push(p.wecomUserId);
  }
  const ids = items.map((n) => n.id);
  const base = {
    id: deliveryId(ids),
    campaignId: campaign.id,
    channel,
    address,
    robot,
    notificationIds: ids,
    mentions,
  };
  const only = items.length === 1 ? items[0] : undefined;
  if (only) {
    return {
      ...base,
      subject: only.subject,
      text: only.body,
      // A robot message names its reader: in a group, "to whom" is part of the message.
      markdown:
        channel === 'robot'
          ? `${addressee(only)}${only.markdown ?? only.body}`
          : (only.markdown ?? only.body),
      html: only.html ?? textToHtml(only.subject, only.body),
    };
  }
  const language = items[0]?.language ?? campaign.language;
  const digest = DIGEST[language];
  const subject = fill(digest.subject, { campaign: campaign.title, count: items.length }, language);
  const section = (n: Notification, body: string) =>
    `${fill(digest.heading, { subject: n.subject }, language)}\n\n${channel === 'robot' ? addressee(n) : ''}${body}`;
  return {
    ...base,
    subject,
    text: items.map((n) => `${n.subject}\n${n.body}`).join('\n\n'),
    markdown: items.map((n) => section(n, n.markdown ?? n.body)).join(digest.separator),
    html: items.map((n) => n.html ?? textToHtml(n.subject, n.body)).join('<hr>'),
  };
};

const addressee = (n: Notification): string => {
  const p = n.recipient.person;
  return `@${p.name}${p.title ? `（${p.title}）` : ''}\n\n`;
};

/**
 * A send that did not go through. `retryable: false` (a bad address, a robot refusing the
 * signature or keyword) goes straight to the dead letters, where the office sees why.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The channel asked us to wait at least this long (a throttled robot). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
