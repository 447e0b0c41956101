import { type CampaignDefinition, PHASES, type Phase, StoredDefinition } from '../domain/definition.ts';
import type { CampaignStore } from '../domain/ports.ts';
import type { AuditEvent, CampaignRecord, PhaseRecord } from '../domain/records.ts';
import { definedWindow, instant, iso, type Moment, nextMoment } from '../domain/schedule.ts';
import type { CampaignState, NextStep } from '../domain/state.ts';
import { loadCampaign } from './advance.ts';
import { phaseName } from './phase-steps.ts';

/** What an administrator sees of a campaign: its status, the timeline of phases, and the workflow's ticks. */

export interface TimelinePhase {
  phase: Phase;
  round: number;
  name: string;
  /** From the definition (as extended or advanced). */
  plannedStart: string;
  plannedEnd: string | null;
  startedAt?: string;
  closedAt?: string;
  status: 'done' | 'running' | 'planned';
}

export interface Tick {
  at: string;
  moment: Moment;
  period?: string;
}

export interface CampaignStatusView {
  campaign: Pick<
    CampaignRecord,
    | 'id'
    | 'title'
    | 'status'
    | 'generation'
    | 'executionName'
    | 'launchedAt'
    | 'closedAt'
    | 'pausedAt'
    | 'phase'
    | 'round'
    | 'unitCount'
  > & {
    /** The campaign's IANA time zone: its dates and times are local there. */
    timeZone: string;
  };
  timeline: TimelinePhase[];
  workflow: {
    /** The step the workflow waits for; absent before launch and after the end. */
    next?: NextStep;
    /** The last step done and when. */
    lastStepAt?: string;
    /** The coming ticks of the running phase (up to 10): reminders, cutoffs, bulletins, checks. */
    upcoming: Tick[];
  };
  /** The latest audit entries, newest first (up to 20). */
  recent: AuditEvent[];
}

const UPCOMING = 10;
const RECENT = 20;

const statusOf = (record: PhaseRecord | undefined): TimelinePhase['status'] =>
  record?.closedAt ? 'done' : record ? 'running' : 'planned';

/** Phases as planned (the definition, as extended or advanced) and as they ran, re-rectification rounds included. */
export const timeline = (def: CampaignDefinition, records: PhaseRecord[]): TimelinePhase[] => {
  const entries: TimelinePhase[] = [];
  for (const phase of PHASES) {
    const planned = definedWindow(def, phase);
    for (const round of new Set([0, ...records.filter((r) => r.phase === phase).map((r) => r.round)])) {
      const record = records.find((r) => r.phase === phase && r.round === round);
      entries.push({
        phase,
        round,
        name: phaseName(def, phase, round),
        plannedStart: round === 0 ? iso(planned.start) : (record?.startedAt ?? iso(planned.start)),
        plannedEnd: round === 0 ? (planned.end ? iso(planned.end) : null) : (record?.plannedEnd ?? null),
        ...(record ? { startedAt: record.startedAt } : {}),
        ...(record?.closedAt ? { closedAt: record.closedAt } : {}),
        status: statusOf(record),
      });
    }
  }
  return entries.sort((a, b) => (a.startedAt ?? a.plannedStart).localeCompare(b.startedAt ?? b.plannedStart));
};

/** The workflow's coming wakes within the running phase, as the schedule plans them now. */
export const upcomingTicks = (
  def: CampaignDefinition,
  state: CampaignState,
  nextItemDueAt: string | null,
): Tick[] => {
  if (state.next.action === 'done') return [];
  const first: Tick = {
    at: state.next.at,
    moment: state.next.moment,
    ...(state.next.period ? { period: state.next.period } : {}),
  };
  const ticks: Tick[] = [first];
  if (state.phaseStatus !== 'running' || !state.window) return ticks;
  const window = {
    start: instant(state.window.start),
    end: state.window.end ? instant(state.window.end) : null,
  };
  let after = { at: instant(first.at), moment: first.moment };
  while (ticks.length < UPCOMING && after.moment !== 'phaseEnd') {
    const due = nextItemDueAt && nextItemDueAt > iso(after.at) ? instant(nextItemDueAt) : null;
    const next = nextMoment({ def, phase: state.phase, window, after, nextItemDueAt: due });
    ticks.push({ at: iso(next.at), moment: next.moment, ...(next.period ? { period: next.period } : {}) });
    after = next;
  }
  return ticks;
};

export const campaignStatus = async (
  store: CampaignStore,
  campaignId: string,
): Promise<CampaignStatusView> => {
  const record = await loadCampaign(store, campaignId);
  const def: CampaignDefinition = StoredDefinition.parse(record.definition);
  const [checkpoint, phases, audit, nextItemDueAt] = await Promise.all([
    store.getCheckpoint(campaignId),
    store.listPhases(campaignId),
    store.recentAudit(campaignId, RECENT),
    store.earliestItemDue(campaignId),
  ]);
  const state = checkpoint?.state;
  const live = record.status === 'running' || record.status === 'paused';
  return {
    campaign: {
      id: record.id,
      title: record.title,
      status: record.status,
      generation: record.generation,
      executionName: record.executionName,
      ...(record.launchedAt ? { launchedAt: record.launchedAt } : {}),
      ...(record.closedAt ? { closedAt: record.closedAt } : {}),
      ...(record.pausedAt ? { pausedAt: record.pausedAt } : {}),
      ...(record.phase ? { phase: record.phase } : {}),
      round: record.round,
      unitCount: record.unitCount,
      timeZone: def.timeZone,
    },
    timeline: timeline(def, phases),
    workflow: {
      ...(state && live ? { next: state.next, lastStepAt: state.at } : {}),
      upcoming: state && live ? upcomingTicks(def, state, nextItemDueAt) : [],
    },
    recent: audit,
  };
};
