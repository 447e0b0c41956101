import type { Logger } from '@aws-lambda-powertools/logger';
import { stepHandler } from '../shared/adapters/step-handler.ts';
import type { CampaignStore, Notifier } from '../shared/domain/ports.ts';
import { StepEvent } from '../shared/domain/state.ts';
import { notifyPending } from '../shared/use-cases/notify.ts';

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
    async ({ state }) => {
      const { state: next, result } = await notifyPending(store, notifier, state, (id, error) =>
        logger.error('notification failed', { notificationId: id, error: error as Error }),
      );
      logger.info('notifications sent', { ...result });
      return next;
    },
  );
