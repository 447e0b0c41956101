import type { Logger } from '../shared/adapters/logger.ts';
import { stepHandler } from '../shared/adapters/step-handler.ts';
import type { CampaignStore, Notifier } from '../shared/domain/ports.ts';
import type { Notification } from '../shared/domain/records.ts';
import { StepEvent } from '../shared/domain/state.ts';
import { notifyPending } from '../shared/use-cases/notify.ts';

const NOTIFY_TIME_RESERVE_MS = 20_000;

export interface NotifyDeps {
  store: CampaignStore;
  notifier: Notifier;
  logger: Logger;
  onDeadLetter?: (n: Notification, error: string) => Promise<void>;
}

export const makeNotifyHandler = ({ store, notifier, logger, onDeadLetter }: NotifyDeps) =>
  stepHandler(
    logger,
    StepEvent,
    (e) => e.state.campaignId,
    async ({ state, now }, context) => {
      const { state: next, result } = await notifyPending(store, notifier, state, {
        now,
        onDeadLetter,
        // The delivery id and channel only: message texts carry names and phone numbers.
        onFailure: (delivery, error) =>
          logger.warn('delivery failed', {
            deliveryId: delivery.id,
            channel: delivery.channel,
            notifications: delivery.notificationIds.length,
            error: error as Error,
          }),
        // Leave a page's worth of sending before the function's timeout; the state machine comes back for the rest.
        hasTime: () => context.getRemainingTimeInMillis() > NOTIFY_TIME_RESERVE_MS,
      });
      logger.info('notify run', { ...result, notifyAt: next.notifyAt });
      return next;
    },
  );
