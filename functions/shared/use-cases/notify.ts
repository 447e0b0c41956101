import type { CampaignStore, Notifier } from '../domain/ports.ts';
import type { CampaignState } from '../domain/state.ts';

/** How many notifications one invocation sends; the state machine loops while more are pending. */
export const NOTIFY_BATCH = 50;

export interface NotifyResult {
  sent: number;
  failed: number;
}

/**
 * Drains the campaign's outbox. A failed send is marked failed and stays visible to the office;
 * nothing is dropped silently. Marking after sending means a crash in between re-sends at most
 * that one message, which the channel-level ids of the notification issue make harmless.
 */
export const notifyPending = async (
  store: CampaignStore,
  notifier: Notifier,
  state: CampaignState,
  onFailure: (id: string, error: unknown) => void = () => {},
): Promise<{ state: CampaignState; result: NotifyResult }> => {
  const batch = await store.pendingNotifications(state.campaignId, NOTIFY_BATCH);
  const result: NotifyResult = { sent: 0, failed: 0 };
  for (const notification of batch) {
    try {
      await notifier.send(notification);
      await store.markNotification(state.campaignId, notification.id, { status: 'sent', at: state.at });
      result.sent++;
    } catch (error) {
      onFailure(notification.id, error);
      await store.markNotification(state.campaignId, notification.id, { status: 'failed', at: state.at });
      result.failed++;
    }
  }
  const more = batch.length === NOTIFY_BATCH ? 1 : 0;
  return { state: { ...state, pendingNotifications: more }, result };
};
