import type { CampaignDefinition } from '../domain/definition.ts';
import { NotFoundError } from '../domain/errors.ts';
import {
  applyHazardCommand,
  CLOSED_STATES,
  FIXED_STATES,
  type HazardChange,
  type HazardCommandInput,
  type HazardContext,
  type HazardEvent,
  type HazardRecord,
  type HazardState,
  isOpen,
  isOverdue,
  type ReportHazardInput,
  reportHazard as reportHazardRule,
} from '../domain/hazard.ts';
import { nextHazardCheck } from '../domain/hazard-notices.ts';
import type { CampaignStore } from '../domain/ports.ts';
import type { AuditEvent } from '../domain/records.ts';
import { type Instant, instant } from '../domain/schedule.ts';
import { runningCampaign } from './actors.ts';
import { loadCampaign } from './advance.ts';

/**
 * The ledger's commands (report, order, accept, update, submit, verify, decline, reassign, close,
 * reopen) and its reads. Main course of a command: load the running campaign and the item, let the
 * domain state machine decide, then write the item, its trail entry and the audit entry in one
 * transaction. A refusal throws before anything is written.
 */

/** Whether `actor` is the office's head or one of its staff (who may verify, reassign and close). */
export const speaksForOffice = (def: CampaignDefinition, actor: string): boolean => {
  const office = def.organisation.office;
  return office.head.name === actor || office.staff.some((p) => p.name === actor);
};

/**
 * Who acts. `asOffice`, when given, decides whether the actor speaks for the office (the API decides
 * by the signed-in role); without it the actor's name does (the CLI and the local run pass names).
 */
export interface HazardActor {
  actor: string;
  asOffice?: boolean;
}

const contextFor = async (
  store: CampaignStore,
  campaignId: string,
  { actor, asOffice }: HazardActor,
  at: Instant,
): Promise<{ def: CampaignDefinition; ctx: HazardContext }> => {
  const { def } = await runningCampaign(store, campaignId);
  const units = new Set((await store.listUnits(campaignId)).map((u) => u.id));
  return {
    def,
    ctx: {
      at,
      actor,
      actorIsOffice: asOffice ?? speaksForOffice(def, actor),
      unitExists: (id) => units.has(id),
    },
  };
};

const auditOf = (event: HazardEvent): AuditEvent => ({
  at: event.at,
  actor: event.actor,
  action: `hazard.${event.action}`,
  detail: {
    hazardId: event.hazardId,
    from: event.from,
    to: event.to,
    ...(event.reason ? { reason: event.reason } : {}),
    ...event.changes,
  },
});

const save = async (
  store: CampaignStore,
  campaignId: string,
  change: HazardChange,
): Promise<HazardRecord> => {
  // The next check follows from the new state: a rectification notice now, reminders, the ladder.
  const item = { ...change.item, nextCheckAt: nextHazardCheck(change.item) };
  await store.saveHazard(campaignId, item, change.event, auditOf(change.event));
  return item;
};

/** 上报: records a hazard found in a unit; `fixedOnSpot` closes it at once with its evidence. */
export const reportHazard = async (
  store: CampaignStore,
  input: HazardActor & { campaignId: string; report: ReportHazardInput },
  at: Instant,
): Promise<HazardRecord> => {
  const { ctx } = await contextFor(store, input.campaignId, input, at);
  return save(store, input.campaignId, reportHazardRule(input.campaignId, input.report, ctx));
};

export const getHazard = async (
  store: CampaignStore,
  campaignId: string,
  hazardId: string,
): Promise<HazardRecord> => {
  const item = await store.getHazard(campaignId, hazardId);
  if (!item) throw new NotFoundError(`hazard "${hazardId}" is not in the ledger of campaign "${campaignId}"`);
  return item;
};

/** Every command after the report: the domain decides whether the item's state and the actor allow it. */
export const actOnHazard = async (
  store: CampaignStore,
  input: HazardActor & {
    campaignId: string;
    hazardId: string;
    command: HazardCommandInput;
    /** Looks at the item as read, before the rules do; throws to refuse (the API's unit scoping). */
    check?: (item: HazardRecord) => void;
  },
  at: Instant,
): Promise<HazardRecord> => {
  const { ctx } = await contextFor(store, input.campaignId, input, at);
  const item = await getHazard(store, input.campaignId, input.hazardId);
  input.check?.(item);
  return save(store, input.campaignId, applyHazardCommand(item, input.command, ctx));
};

export interface LedgerFilter {
  /** The responsible unit. */
  unitId?: string;
  state?: HazardState;
  /** Only items overdue at the moment given to listLedger. */
  overdue?: boolean;
  open?: boolean;
}

/**
 * 台账 as the API shows it: the campaign's items, filtered, oldest report first, and the counts per
 * unit at `at` (countLedger). One read of the campaign, its units and its ledger for both.
 */
export const ledgerView = async (
  store: CampaignStore,
  campaignId: string,
  filter: LedgerFilter,
  at: Instant,
): Promise<{ items: HazardRecord[]; counts: UnitLedgerCounts[] }> => {
  await loadCampaign(store, campaignId);
  const [units, hazards] = await Promise.all([store.listUnits(campaignId), store.listHazards(campaignId)]);
  const unitIds = units.map((u) => u.id);
  if (filter.unitId && !unitIds.includes(filter.unitId)) {
    throw new NotFoundError(`unit "${filter.unitId}" is not a unit of campaign "${campaignId}"`);
  }
  const items = hazards
    .filter(
      (h) =>
        (!filter.unitId || h.responsibleUnit === filter.unitId) &&
        (!filter.state || h.state === filter.state) &&
        (!filter.overdue || isOverdue(h, at)) &&
        (!filter.open || isOpen(h)),
    )
    .sort((a, b) => a.reportedAt.localeCompare(b.reportedAt) || a.id.localeCompare(b.id));
  return { items, counts: countLedger(hazards, unitIds, at) };
};

/** The ledger's items alone (ledgerView). */
export const listLedger = async (
  store: CampaignStore,
  campaignId: string,
  filter: LedgerFilter,
  at: Instant,
): Promise<HazardRecord[]> => (await ledgerView(store, campaignId, filter, at)).items;

export const hazardTrail = async (
  store: CampaignStore,
  campaignId: string,
  hazardId: string,
): Promise<HazardEvent[]> => {
  await getHazard(store, campaignId, hazardId);
  return store.listHazardEvents(campaignId, hazardId);
};

/** One unit's line of the ledger counts; "closed, not fixed" is never counted as fixed. */
export interface UnitLedgerCounts {
  unitId: string;
  total: number;
  open: number;
  overdue: number;
  /** Waiting for the office to reassign (退单). */
  declined: number;
  fixed: number;
  fixedOnSpot: number;
  verified: number;
  closedUnfixed: number;
  /** Supervised after three failed verifications (督办): counted against the unit for good. */
  supervised: number;
  failedVerifications: number;
}

const emptyCounts = (unitId: string): UnitLedgerCounts => ({
  unitId,
  total: 0,
  open: 0,
  overdue: 0,
  declined: 0,
  fixed: 0,
  fixedOnSpot: 0,
  verified: 0,
  closedUnfixed: 0,
  supervised: 0,
  failedVerifications: 0,
});

/** Pure counting, shared by ledgerCounts and the local summary. Every unit of the campaign gets a line. */
export const countLedger = (hazards: HazardRecord[], unitIds: string[], at: Instant): UnitLedgerCounts[] => {
  const lines = new Map(unitIds.map((id) => [id, emptyCounts(id)]));
  for (const h of hazards) {
    let line = lines.get(h.responsibleUnit);
    if (!line) {
      line = emptyCounts(h.responsibleUnit);
      lines.set(h.responsibleUnit, line);
    }
    line.total++;
    if (!CLOSED_STATES.has(h.state)) line.open++;
    if (isOverdue(h, at)) line.overdue++;
    if (h.state === 'declined') line.declined++;
    if (FIXED_STATES.has(h.state)) line.fixed++;
    if (h.state === 'fixedOnSpot') line.fixedOnSpot++;
    if (h.state === 'verified') line.verified++;
    if (h.state === 'closedUnfixed') line.closedUnfixed++;
    if (h.supervisedAt) line.supervised++;
    line.failedVerifications += h.failedVerifications;
  }
  return [...lines.values()];
};

/**
 * Open and overdue items (and the rest of the counts) per responsible unit at `at`, in the order of
 * the campaign's units: what the weekly bulletin reports. One Query of the campaign's ledger.
 */
export const ledgerCounts = async (
  store: CampaignStore,
  campaignId: string,
  at: Instant | string,
): Promise<UnitLedgerCounts[]> =>
  (await ledgerView(store, campaignId, {}, typeof at === 'string' ? instant(at) : at)).counts;
