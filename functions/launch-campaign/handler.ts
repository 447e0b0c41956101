import * as z from 'zod/mini';
import type { Logger } from '../shared/adapters/logger.ts';
import { stepHandler } from '../shared/adapters/step-handler.ts';
import { parseDefinition } from '../shared/domain/parse-definition.ts';
import type { CampaignStore, WorkflowEngine } from '../shared/domain/ports.ts';
import { instant } from '../shared/domain/schedule.ts';
import { IsoInstant, Limits } from '../shared/domain/state.ts';
import { launchCampaign } from '../shared/use-cases/launch-campaign.ts';

export const LaunchEvent = z.strictObject({
  definition: z.record(z.string(), z.unknown()),
  actor: z.string().check(z.minLength(1), z.maxLength(100)),
  /** The launch instant; the wall clock only at the edge (API, CLI), never in domain code. */
  at: IsoInstant,
  limits: z.optional(z.partial(Limits)),
});

export interface LaunchDeps {
  store: CampaignStore;
  engine: WorkflowEngine;
  logger: Logger;
}

export const makeLaunchHandler = ({ store, engine, logger }: LaunchDeps) =>
  stepHandler(
    logger,
    LaunchEvent,
    (e) => String(e.definition.id ?? 'unknown'),
    async (event) => {
      const def = parseDefinition(event.definition, 'launch request');
      const result = await launchCampaign(store, engine, def, instant(event.at), {
        actor: event.actor,
        limits: event.limits,
      });
      logger.info(result.started ? 'campaign launched' : 'campaign already launched', { ...result });
      return result;
    },
  );
