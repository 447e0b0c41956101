import type { Logger } from '../shared/adapters/logger.ts';
import { stepHandler } from '../shared/adapters/step-handler.ts';
import type { CampaignStore, WorkflowEngine } from '../shared/domain/ports.ts';
import { StepEvent } from '../shared/domain/state.ts';
import { continueAsNew } from '../shared/use-cases/continue-campaign.ts';

export interface ContinueDeps {
  store: CampaignStore;
  engine: WorkflowEngine;
  logger: Logger;
}

export const makeContinueHandler = ({ store, engine, logger }: ContinueDeps) =>
  stepHandler(
    logger,
    StepEvent,
    (e) => e.state.campaignId,
    async ({ state }) => {
      const next = await continueAsNew(store, engine, state);
      logger.info('campaign continues as a new execution', { generation: state.generation + 1 });
      return next;
    },
  );
