import type { Logger } from '../shared/adapters/logger.ts';
import { stepHandler } from '../shared/adapters/step-handler.ts';
import type { CampaignStore, Notifier } from '../shared/domain/ports.ts';
import { StepEvent } from '../shared/domain/state.ts';
import { notifyPending } from '../shared/use-cases/notify.ts';

const NOTIFY_TIME_RESERVE_MS = 20_000;

export interface NotifyDeps {
  store: CampaignStore;
  notifier: Notifier;
  logger: Logger;
}

export const makeNotifyHandler = ({ store, notifier, logger }: NotifyDeps) =>
  stepHandler(
    logger,
    StepEvent,
    (e) => e.state.campaignId,
    async ({ state }, context) => {
      const { state: next, result } = await notifyPending(
        store,
        notifier,
        state,
        (id, error) => logger.error('notification failed', { notificationId: id, error: error as Error }),
        // Leave a page's worth of sending before the function's timeout; the state machine comes back for the rest.
        () => context.getRemainingTimeInMillis() > NOTIFY_TIME_RESERVE_MS,
      );
      logger.info('notifications sent', { ...result });
      return next;
    },
  );
