import type { CampaignStore } from '../domain/ports.ts';
import type { Notification, NotificationStatus } from '../domain/records.ts';
import { type Instant, iso } from '../domain/schedule.ts';
import { loadCampaign } from './advance.ts';

/** The outbox as the office sees it: what was sent, what waits, what was given up. */
export const listOutbox = async (
  store: CampaignStore,
  campaignId: string,
  status?: NotificationStatus,
): Promise<Notification[]> => {
  await loadCampaign(store, campaignId);
  const all = await store.listNotifications(campaignId, status);
  return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
};

/**
 * Dead letters (all, or the ids given) back in the outbox with fresh attempts; they go out at the
 * campaign's next step. Recorded in the audit trail when any was put back. Returns their ids.
 */
export const retryDeadLetters = async (
  store: CampaignStore,
  input: { campaignId: string; ids?: string[]; actor: string },
  at: Instant,
): Promise<string[]> => {
  await loadCampaign(store, input.campaignId);
  const retried = await store.retryDeadNotifications(input.campaignId, iso(at), input.ids);
  if (retried.length > 0) {
    await store.appendAudit(input.campaignId, {
      at: iso(at),
      actor: input.actor,
      action: 'notifications.retried',
      detail: { ids: retried },
    });
  }
  return retried;
};
