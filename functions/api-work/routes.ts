import type { Logger } from '../shared/adapters/logger.ts';
import type { HazardCommandInput, HazardRecord } from '../shared/domain/hazard.ts';
import type { BulletinArchive, CampaignStore, WorkflowEngine } from '../shared/domain/ports.ts';
import type { Instant } from '../shared/domain/schedule.ts';
import { DocumentBody, type RouteImpls } from '../shared/http/api-handler.ts';
import { canSee, mustActFor, mustSee, type Principal, speaksForOffice } from '../shared/http/principal.ts';
import type { workSchemas } from '../shared/http/schemas/work.ts';
import { completeTask, recordInspection } from '../shared/use-cases/actors.ts';
import { wakeForDeadline } from '../shared/use-cases/controls.ts';
import { actOnHazard, getHazard, ledgerView, reportHazard } from '../shared/use-cases/hazards.ts';
import { bulletinDocument, getBulletin, listBulletins, listReports } from '../shared/use-cases/reads.ts';
import { submitReport } from '../shared/use-cases/submit-report.ts';

export interface WorkRoutesDeps {
  store: CampaignStore;
  archive: BulletinArchive;
  /** Wakes the workflow when a ledger command makes an item fall due before its next planned wake. */
  engine?: WorkflowEngine;
  /** After the workflow was moved (the local server plays it on). */
  afterWorkflowChange?: (at: Instant) => Promise<void>;
  /** Where a failed wake is reported: the caller's command stands, so the answer cannot say it. */
  logger?: Pick<Logger, 'error'>;
}

/** An item is a unit's when it was found there or is assigned to it. */
const unitsOf = (item: HazardRecord): string[] => [item.unitId, item.responsibleUnit];

const hiddenHazard = (campaignId: string, hazardId: string) =>
  `hazard "${hazardId}" is not in the ledger of campaign "${campaignId}"`;

/** A unit role's item: found in or assigned to its unit; any other is "not in the ledger" for it (404). */
const mustSeeHazard = (principal: Principal, campaignId: string, item: HazardRecord): void =>
  mustSee(principal, unitsOf(item), hiddenHazard(campaignId, item.id));

export const workRoutes = ({
  store,
  archive,
  engine,
  afterWorkflowChange,
  logger,
}: WorkRoutesDeps): RouteImpls<typeof workSchemas> => {
  /**
   * A red item's 2-hour deadline must not wait for a wake planned days later: the command is
   * written already, so a failure to wake is not the caller's: it is logged, and the workflow's
   * own planning still finds the item at its next wake.
   */
  const wakeFor = async (campaignId: string, item: HazardRecord, at: Instant): Promise<HazardRecord> => {
    if (!engine || !item.nextCheckAt) return item;
    try {
      if (await wakeForDeadline(store, engine, campaignId, item.nextCheckAt, at))
        await afterWorkflowChange?.(at);
    } catch (error) {
      logger?.error('waking the workflow for a deadline failed', {
        campaignId,
        hazardId: item.id,
        dueAt: item.nextCheckAt,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
    return item;
  };
  return {
    submitReport: async ({ params, body, principal, at }) => {
      mustActFor(principal, body.unitId, 'unitId');
      return submitReport(
        store,
        {
          campaignId: params.campaignId,
          unitId: body.unitId,
          period: body.period,
          content: body.content,
          actor: principal.name,
        },
        at,
      );
    },

    listReports: async ({ params, query, principal }) => {
      mustActFor(principal, query.unitId, 'unitId');
      const reports = await listReports(store, params.campaignId, query);
      return { reports: reports.filter((r) => canSee(principal, r.unitId)) };
    },

    listBulletins: async ({ params }) => ({ bulletins: await listBulletins(store, params.campaignId) }),

    getBulletin: async ({ params, query }) => {
      const format = query.format ?? 'json';
      if (format === 'json') return getBulletin(store, params.campaignId, params.period);
      const document = await bulletinDocument(store, archive, params.campaignId, params.period, format);
      return new DocumentBody(`${document.contentType}; charset=utf-8`, document.body);
    },

    recordInspection: async ({ params, body, principal, at }) =>
      recordInspection(store, { campaignId: params.campaignId, ...body, inspector: principal.name }, at),

    completeTask: async ({ params, principal, at }) =>
      completeTask(
        store,
        {
          ...params,
          actor: principal.name,
          // A unit role finishes the tasks its unit leads; the office any.
          check: (task) => mustActFor(principal, task.lead, `the lead of task "${task.id}"`),
        },
        at,
      ),

    reportHazard: async ({ params, body, principal, at }) => {
      mustActFor(principal, body.unitId, 'unitId');
      const item = await reportHazard(
        store,
        {
          campaignId: params.campaignId,
          actor: principal.name,
          asOffice: speaksForOffice(principal),
          report: { ...body, reportedBy: principal.name },
        },
        at,
      );
      return wakeFor(params.campaignId, item, at);
    },

    listHazards: async ({ params, query, principal, at }) => {
      mustActFor(principal, query.unit, 'unit');
      const filter = { unitId: query.unit, state: query.state, overdue: query.overdue, open: query.open };
      const { items, counts } = await ledgerView(store, params.campaignId, filter, at);
      return {
        items: items.filter((item) => canSee(principal, ...unitsOf(item))),
        counts: counts.filter((line) => canSee(principal, line.unitId)),
      };
    },

    getHazard: async ({ params, principal }) => {
      const item = await getHazard(store, params.campaignId, params.hazardId);
      mustSeeHazard(principal, params.campaignId, item);
      return { item, trail: await store.listHazardEvents(params.campaignId, params.hazardId) };
    },

    actOnHazard: async ({ params, body, principal, at }) => {
      const command = { ...(body as object), action: params.action } as HazardCommandInput;
      // A unit role gives the work to no other unit than its own.
      if ('responsibleUnit' in command) mustActFor(principal, command.responsibleUnit, 'responsibleUnit');
      const item = await actOnHazard(
        store,
        {
          campaignId: params.campaignId,
          hazardId: params.hazardId,
          actor: principal.name,
          asOffice: speaksForOffice(principal),
          command,
          check: (item) => mustSeeHazard(principal, params.campaignId, item),
        },
        at,
      );
      return wakeFor(params.campaignId, item, at);
    },
  };
};
