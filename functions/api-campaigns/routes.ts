import { type CampaignDefinition, phaseGaps } from '../shared/domain/definition.ts';
import { ConflictError, DefinitionError } from '../shared/domain/errors.ts';
import { parseDefinition } from '../shared/domain/parse-definition.ts';
import type { CampaignStore, WorkflowEngine } from '../shared/domain/ports.ts';
import type { Instant } from '../shared/domain/schedule.ts';
import type { RouteImpls } from '../shared/http/api-handler.ts';
import { canSee, mustSee, type Principal } from '../shared/http/principal.ts';
import type { campaignSchemas, DefinitionBody } from '../shared/http/schemas/campaigns.ts';
import { campaignStatus } from '../shared/use-cases/campaign-status.ts';
import {
  advancePhase,
  type ControlInput,
  type ControlRequest,
  type ControlResult,
  closeCampaign,
  type ExtendRequest,
  extendPhase,
  pauseCampaign,
  resumeCampaign,
} from '../shared/use-cases/controls.ts';
import { createCampaign, launchCreated } from '../shared/use-cases/launch-campaign.ts';
import { getUnit, listAudit, listCampaigns, listUnits } from '../shared/use-cases/reads.ts';
import { updateUnitMembers } from '../shared/use-cases/units.ts';

export interface CampaignRoutesDeps {
  store: CampaignStore;
  engine: WorkflowEngine;
  /**
   * Called after a control that moves the workflow (launch, resume, advance, extend): the local
   * server plays its executions up to its clock there. Nothing to do on AWS.
   */
  afterWorkflowChange?: (at: Instant) => Promise<void>;
}

/** The definition of a validate or create body: JSON, validated here (a YAML file is the client's to parse). */
const definitionOf = (body: DefinitionBody): CampaignDefinition =>
  parseDefinition(body.definition, 'definition');

export const campaignRoutes = (deps: CampaignRoutesDeps): RouteImpls<typeof campaignSchemas> => {
  const { store, engine } = deps;
  const moved = async (at: Instant) => deps.afterWorkflowChange?.(at);
  /** A control of the campaign's workflow by the signed-in person; then (locally) the workflow plays on. */
  const steer =
    <B extends ControlRequest>(
      control: (
        store: CampaignStore,
        engine: WorkflowEngine,
        input: ControlInput & B,
        at: Instant,
      ) => Promise<ControlResult>,
    ) =>
    async (request: { params: { campaignId: string }; body: B; principal: Principal; at: Instant }) => {
      const { params, body, principal, at } = request;
      const result = await control(
        store,
        engine,
        { ...body, campaignId: params.campaignId, actor: principal.name },
        at,
      );
      await moved(at);
      return result;
    };
  return {
    validateDefinition: async ({ body }) => {
      try {
        const def = definitionOf(body);
        return {
          valid: true,
          id: def.id,
          title: def.title,
          units: def.organisation.units.length,
          tasks: def.tasks.length,
          warnings: phaseGaps(def),
          issues: [],
        };
      } catch (error) {
        if (!(error instanceof DefinitionError)) throw error;
        return { valid: false, warnings: [], issues: error.issues };
      }
    },

    listCampaigns: async () => ({ campaigns: await listCampaigns(store) }),

    createCampaign: async ({ body, principal, at }) => {
      const def = definitionOf(body);
      const result = await createCampaign(store, def, at, { actor: principal.name });
      if (!result.created) {
        throw new ConflictError(
          `campaign "${def.id}" exists already; choose another id or work with that one`,
        );
      }
      return result;
    },

    getCampaign: async ({ params }) => campaignStatus(store, params.campaignId),

    launchCampaign: async ({ params, principal, at }) => {
      const result = await launchCreated(store, engine, params.campaignId, at, { actor: principal.name });
      await moved(at);
      return result;
    },

    pauseCampaign: steer(pauseCampaign),
    resumeCampaign: steer(resumeCampaign),
    advancePhase: steer(advancePhase),
    extendPhase: steer<ExtendRequest>(extendPhase),
    // A close may start a last execution that sends what waits in the outbox.
    closeCampaign: steer(closeCampaign),

    listAudit: async ({ params }) => ({ events: await listAudit(store, params.campaignId) }),

    listUnits: async ({ params, principal }) => ({
      units: (await listUnits(store, params.campaignId)).filter((u) => canSee(principal, u.id)),
    }),

    getUnit: async ({ params, principal }) => {
      mustSee(
        principal,
        [params.unitId],
        `unit "${params.unitId}" is not a unit of campaign "${params.campaignId}"`,
      );
      return getUnit(store, params.campaignId, params.unitId);
    },

    updateUnitMembers: async ({ params, body, principal, at }) =>
      updateUnitMembers(store, { ...params, ...body, actor: principal.name }, at),
  };
};
