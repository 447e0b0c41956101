import * as z from 'zod/mini';
import type { Logger } from '../shared/adapters/logger.ts';
import { stepHandler } from '../shared/adapters/step-handler.ts';
import type { CampaignStore } from '../shared/domain/ports.ts';
import { CampaignState, FailureEvent } from '../shared/domain/state.ts';
import { acceptanceGate, closePhase, startPhase } from '../shared/use-cases/phase-steps.ts';
import { recordFailure } from '../shared/use-cases/record-failure.ts';

export const PhaseEvent = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('start'), state: CampaignState }),
  z.strictObject({ action: z.literal('close'), state: CampaignState }),
  z.strictObject({ action: z.literal('gate'), state: CampaignState }),
  z.extend(FailureEvent, { action: z.literal('recordFailure') }),
]);

export interface PhaseDeps {
  store: CampaignStore;
  logger: Logger;
}

/** Phase lifecycle: start, close, the acceptance gate, and recording a failed step. */
export const makePhaseHandler = ({ store, logger }: PhaseDeps) =>
  stepHandler(
    logger,
    PhaseEvent,
    (e) => e.state.campaignId,
    async (event) => {
      switch (event.action) {
        case 'start':
          return startPhase(store, event.state);
        case 'close':
          return closePhase(store, event.state);
        case 'gate':
          return acceptanceGate(store, event.state);
        case 'recordFailure':
          logger.error('workflow step failed', { step: event.state.next.action, error: event.error });
          await recordFailure(store, event);
          return event.state;
      }
    },
  );
