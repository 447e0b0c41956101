import type { Logger } from '../shared/adapters/logger.ts';
import { stepHandler } from '../shared/adapters/step-handler.ts';
import type { CampaignStore } from '../shared/domain/ports.ts';
import { StepEvent } from '../shared/domain/state.ts';
import { checkDeadlines } from '../shared/use-cases/check-deadlines.ts';

export interface CheckDeadlinesDeps {
  store: CampaignStore;
  logger: Logger;
}

export const makeCheckDeadlinesHandler = ({ store, logger }: CheckDeadlinesDeps) =>
  stepHandler(
    logger,
    StepEvent,
    (e) => e.state.campaignId,
    async ({ state }) => checkDeadlines(store, state),
  );
