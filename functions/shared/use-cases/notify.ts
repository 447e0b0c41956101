import type { CampaignStore, Notifier } from '../domain/ports.ts';
import type { Notification } from '../domain/records.ts';
import type { CampaignState } from '../domain/state.ts';

/**
 * Pending notifications read per query: 100 stay well under DynamoDB's 1 MB page even with long
 * notices, so a short page really means the outbox is drained.
 */
export const NOTIFY_BATCH = 100;
/** Sends in flight at once (SNS publishes are independent; the channel ids make order irrelevant). */
export const NOTIFY_CONCURRENCY = 10;

export interface NotifyResult {
  sent: number;
  failed: number;
}

/**
 * Drains the campaign's outbox, page after page, while `hasTime` says the invocation may go on, so
 * that a wake that notifies 1,000 units costs one Notify step instead of one per page (each step is
 * two state transitions). It reports more pending only when it stopped early; the state machine
 * then comes back. A failed send is marked failed and stays visible to the office; nothing is
 * dropped silently. Marking after sending means a crash in between re-sends at most those in
 * flight, which the channel-level ids of the notification issue make harmless. The outbox index is
 * eventually consistent: one just marked may still be listed, so each is handled once per
 * invocation, and a page of nothing new ends the invocation.
 */
export const notifyPending = async (
  store: CampaignStore,
  notifier: Notifier,
  state: CampaignState,
  onFailure: (id: string, error: unknown) => void = () => {},
  hasTime: () => boolean = () => true,
): Promise<{ state: CampaignState; result: NotifyResult }> => {
  const result: NotifyResult = { sent: 0, failed: 0 };
  const handled = new Set<string>();
  const deliver = async (notification: Notification): Promise<void> => {
    try {
      await notifier.send(notification);
      await store.markNotification(state.campaignId, notification.id, { status: 'sent', at: state.at });
      result.sent++;
    } catch (error) {
      onFailure(notification.id, error);
      await store.markNotification(state.campaignId, notification.id, { status: 'failed', at: state.at });
      result.failed++;
    }
  };
  let more = 0;
  for (;;) {
    const page = await store.pendingNotifications(state.campaignId, NOTIFY_BATCH);
    const fresh = page.filter((n) => !handled.has(n.id));
    for (let i = 0; i < fresh.length; i += NOTIFY_CONCURRENCY) {
      const slice = fresh.slice(i, i + NOTIFY_CONCURRENCY);
      for (const n of slice) handled.add(n.id);
      await Promise.all(slice.map(deliver));
    }
    if (page.length < NOTIFY_BATCH) break;
    if (fresh.length === 0 || !hasTime()) {
      more = 1;
      break;
    }
  }
  return { state: { ...state, pendingNotifications: more }, result };
};
