import { addMinutes, addSeconds, lightFormat, max, startOfMinute } from 'date-fns';
import * as z from 'zod/mini';
import { NotificationSettings, TimeZone } from '../domain/definition.ts';
import type { CampaignStore, Notifier } from '../domain/ports.ts';
import type { Notification } from '../domain/records.ts';
import { type Instant, instant, inZone, iso } from '../domain/schedule.ts';
import type { CampaignState } from '../domain/state.ts';
import {
  backoffMinutes,
  type Delivery,
  DeliveryError,
  MAX_ATTEMPTS,
  planDeliveries,
  quietUntil,
  ROBOT_MESSAGES_PER_MINUTE,
} from '../notify/delivery.ts';

/**
 * Pending notifications read per query: 100 stay well under DynamoDB's 1 MB page even with long
 * notices, so a short page really means nothing more is due.
 */
export const NOTIFY_BATCH = 100;
/** Messages in flight at once (channels are independent; the deterministic ids make order irrelevant). */
export const NOTIFY_CONCURRENCY = 10;
/**
 * How long a taken notification stays reserved for the run that took it. A run that dies after
 * taking but before recording leaves it to be taken again after this, never sooner, so a retried
 * or concurrent Notify cannot send it a second time meanwhile.
 */
export const CLAIM_MINUTES = 5;

export interface NotifyResult {
  sent: number;
  /** Messages: a roll-up carries several notifications in one. */
  messages: number;
  deferred: number;
  retrying: number;
  dead: number;
}

/** Only what delivery needs from the campaign: a definition that no longer parses whole still gets its failure notice out. */
const DeliverySettings = z.object({
  title: z.catch(z.string(), 'zhili'),
  timeZone: z.catch(TimeZone, 'Asia/Shanghai'),
  language: z.catch(z.enum(['zh-CN', 'en']), 'zh-CN'),
  notifications: z.catch(NotificationSettings, {
    quietHours: { start: '22:00', end: '07:30' },
    robots: [],
  }),
});

const minuteOf = (at: Instant): string => lightFormat(inZone(at, 'UTC'), "yyyy-MM-dd'T'HH:mm");

/**
 * Drains what is due in the campaign's outbox at `now`:
 * 1. takes each due notification (conditional: a retried or concurrent run skips it), deferring
 *    non-urgent ones that fall in quiet hours to their end;
 * 2. rolls what it took up into one message per address (a Markdown roll-up per robot group);
 * 3. takes a robot's per-minute slot before posting (over the limit waits for the next minute);
 * 4. records each notification sent, or failed: retried with backoff, dead-lettered after
 *    MAX_ATTEMPTS or at once when the channel refuses it for good. Nothing is dropped.
 * The state says whether more are due now (`pendingNotifications`) and when the earliest deferred
 * one may go (`notifyAt`), so that the machine comes back for it.
 */
export const notifyPending = async (
  store: CampaignStore,
  notifier: Notifier,
  state: CampaignState,
  options: {
    now?: string;
    onFailure?: (delivery: Delivery, error: unknown) => void;
    /** Told of every notification dead-lettered (operations' alert); its failure does not undo the dead letter. */
    onDeadLetter?: (n: Notification, error: string) => Promise<void>;
    /** Whether the invocation may take another page (the Lambda's remaining time). */
    hasTime?: () => boolean;
  } = {},
): Promise<{ state: CampaignState; result: NotifyResult }> => {
  const now = options.now && options.now > state.at ? instant(options.now) : instant(state.at);
  const nowIso = iso(now);
  const result: NotifyResult = { sent: 0, messages: 0, deferred: 0, retrying: 0, dead: 0 };
  const record = await store.getCampaign(state.campaignId);
  // Paused, or moved to a newer generation by a control: nothing goes out from this execution;
  // what waits in the outbox is sent by the execution that resumes the campaign.
  if (record && (record.status === 'paused' || record.generation > state.generation)) {
    return { state: { ...state, pendingNotifications: 0, notifyAt: undefined }, result };
  }
  const settings = DeliverySettings.parse(record?.definition ?? {});
  const { quietHours, robots } = settings.notifications;
  const { language } = settings;

  const claimUntil = iso(addMinutes(now, CLAIM_MINUTES));
  const handled = new Set<string>();
  let more = false;
  // Page after page while the invocation has time: a wake that notifies 1,000 units is one step.
  // Taking a notification moves it on the index, so the next page holds the ones not seen yet;
  // the index is eventually consistent, so ids already handled in this run are skipped.
  for (;;) {
    const page = await store.pendingNotifications(state.campaignId, NOTIFY_BATCH, nowIso);
    const batch = page.filter((n) => !handled.has(n.id));
    for (const n of batch) handled.add(n.id);
    const taken: Notification[] = [];
    for (const n of batch) {
      const quietEnd = n.urgent ? null : quietUntil(now, quietHours, settings.timeZone);
      if (quietEnd) {
        if (await store.claimNotification(state.campaignId, n.id, nowIso, iso(quietEnd), 'quietHours'))
          result.deferred++;
        continue;
      }
      if (n.channel === 'none' || n.address === undefined) {
        const why = `no channel: ${n.recipient.person.name} has no phone, email or robot in the definition`;
        await deadLetter(store, state.campaignId, [n], nowIso, why, result, options.onDeadLetter);
        continue;
      }
      if (await store.claimNotification(state.campaignId, n.id, nowIso, claimUntil, 'inFlight'))
        taken.push(n);
    }

    const byId = new Map(taken.map((n) => [n.id, n]));
    const deliveries = planDeliveries(
      { id: state.campaignId, title: settings.title, language, robots },
      taken,
    );
    const deliver = async (delivery: Delivery): Promise<void> => {
      const items = delivery.notificationIds.map((id) => byId.get(id) as Notification);
      if (delivery.channel === 'robot') {
        if (!delivery.robot) {
          await deadLetter(
            store,
            state.campaignId,
            items,
            nowIso,
            `unknown robot "${delivery.address}"`,
            result,
            options.onDeadLetter,
          );
          return;
        }
        const slot = await store.takeRobotSlot(
          delivery.robot.secret,
          minuteOf(now),
          ROBOT_MESSAGES_PER_MINUTE,
        );
        if (!slot) {
          const nextMinute = iso(addMinutes(startOfMinute(now), 1));
          for (const n of items) {
            await store.markNotification(state.campaignId, n.id, {
              status: 'pending',
              notBefore: nextMinute,
              by: 'rateLimit',
              attempted: false,
            });
          }
          result.deferred += items.length;
          return;
        }
      }
      try {
        await notifier.send(delivery);
        for (const n of items) {
          await store.markNotification(state.campaignId, n.id, {
            status: 'sent',
            at: nowIso,
            deliveryId: delivery.id,
          });
        }
        result.sent += items.length;
        result.messages++;
      } catch (error) {
        options.onFailure?.(delivery, error);
        const message = describe(error);
        const retryable = !(error instanceof DeliveryError) || error.retryable;
        for (const n of items) {
          const attempts = n.attempts + 1;
          if (!retryable || attempts >= MAX_ATTEMPTS) {
            await deadLetter(store, state.campaignId, [n], nowIso, message, result, options.onDeadLetter);
            continue;
          }
          const wait = addMinutes(now, backoffMinutes(attempts));
          const asked =
            error instanceof DeliveryError && error.retryAfterSeconds
              ? addSeconds(now, error.retryAfterSeconds)
              : wait;
          await store.markNotification(state.campaignId, n.id, {
            status: 'pending',
            notBefore: iso(max([wait, asked])),
            by: 'retry',
            attempted: true,
            error: message,
          });
          result.retrying++;
        }
      }
    };
    for (let i = 0; i < deliveries.length; i += NOTIFY_CONCURRENCY)
      await Promise.all(deliveries.slice(i, i + NOTIFY_CONCURRENCY).map(deliver));
    if (page.length < NOTIFY_BATCH) break;
    if (batch.length === 0 || !(options.hasTime?.() ?? true)) {
      more = true;
      break;
    }
  }
  const earliest = more ? null : await store.earliestPending(state.campaignId);
  const dueNow = earliest !== null && earliest <= nowIso;
  const { notifyAt: _previous, ...rest } = state;
  return {
    state: {
      ...rest,
      pendingNotifications: more || dueNow ? 1 : 0,
      ...(earliest !== null && !dueNow ? { notifyAt: earliest } : {}),
    },
    result,
  };
};

const deadLetter = async (
  store: CampaignStore,
  campaignId: string,
  items: Notification[],
  at: string,
  error: string,
  result: NotifyResult,
  alert?: (n: Notification, error: string) => Promise<void>,
): Promise<void> => {
  for (const n of items) {
    await store.markNotification(campaignId, n.id, { status: 'dead', at, error });
    await alert?.(n, error).catch(() => {});
  }
  result.dead += items.length;
};

/** What the office reads in the dead letters: the error, never a secret (adapters keep tokens out of messages). */
const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 500) : String(error).slice(0, 500);
