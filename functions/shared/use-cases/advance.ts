import { type CampaignDefinition, StoredDefinition } from '../domain/definition.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { CampaignStore } from '../domain/ports.ts';
import type { CampaignRecord } from '../domain/records.ts';
import {
  actualWindow,
  type Instant,
  instant,
  iso,
  MOMENT_PRIORITY,
  type Moment,
  nextMoment,
  type Window,
} from '../domain/schedule.ts';
import type { Action, CampaignState } from '../domain/state.ts';

/**
 * Shared course of every workflow step: load the campaign, do the step, then decide the next
 * moment to wake. The state machine only waits and dispatches; the order of things lives here.
 */

export interface StepContext {
  record: CampaignRecord;
  def: CampaignDefinition;
  at: Instant;
}

export const loadCampaign = async (
  store: CampaignStore,
  campaignId: string,
): Promise<StepContext['record']> => {
  const record = await store.getCampaign(campaignId);
  if (!record) throw new NotFoundError(`campaign "${campaignId}" does not exist`);
  return record;
};

export const loadStep = async (store: CampaignStore, state: CampaignState): Promise<StepContext> => {
  const record = await loadCampaign(store, state.campaignId);
  const def: CampaignDefinition = StoredDefinition.parse(record.definition);
  return { record, def, at: instant(state.next.at) };
};

const ACTION_OF: Record<Moment, Action> = {
  phaseStart: 'startPhase',
  reminder: 'collectReports',
  cutoff: 'collectReports',
  bulletin: 'collectReports',
  deadlines: 'checkDeadlines',
  monthlyCheck: 'checkDeadlines',
  heartbeat: 'checkDeadlines',
  phaseEnd: 'closePhase',
};

export const windowOf = (state: CampaignState): Window => {
  if (!state.window) throw new Error(`phase ${state.phase} has no window: it has not started`);
  return { start: instant(state.window.start), end: state.window.end ? instant(state.window.end) : null };
};

/** The next step of a state whose phase is running, ignoring the generation limits. */
const nextOfRunning = async (
  store: CampaignStore,
  def: CampaignDefinition,
  state: CampaignState,
  at: Instant,
  moment: Moment,
): Promise<CampaignState['next']> => {
  const inclusive = MOMENT_PRIORITY[moment] < MOMENT_PRIORITY.deadlines;
  const due = await store.nextItemDue(state.campaignId, iso(at), inclusive);
  const next = nextMoment({
    def,
    phase: state.phase,
    window: windowOf(state),
    after: { at, moment },
    nextItemDueAt: due ? instant(due) : null,
  });
  return { at: iso(next.at), action: ACTION_OF[next.moment], moment: next.moment, period: next.period };
};

/**
 * Completes a step: records that it happened at `at` and plans the next wake.
 * `changes` are the step's own changes to the state (phase, round, window, pending notifications).
 */
export const advance = async (
  store: CampaignStore,
  ctx: StepContext,
  state: CampaignState,
  moment: Moment,
  changes: Partial<CampaignState> & { next?: CampaignState['next'] } = {},
): Promise<CampaignState> => {
  const { def, record, at } = ctx;
  const base: CampaignState = {
    ...state,
    ...changes,
    at: iso(at),
    lastMoment: moment,
    steps: state.steps + 1,
  };
  if (changes.next) return { ...base, next: changes.next };
  if (record.status !== 'running') {
    return { ...base, next: { at: iso(at), action: 'done', moment } };
  }
  if (base.phaseStatus === 'pending') {
    const start = actualWindow(def, base.phase, base.round, at).start;
    return { ...base, next: { at: iso(start), action: 'startPhase', moment: 'phaseStart' } };
  }
  const age = at.diff(instant(base.generationStartedAt), 'days').days;
  if (age >= base.limits.maxGenerationDays || base.steps >= base.limits.maxGenerationSteps) {
    return { ...base, next: { at: iso(at), action: 'continueAsNew', moment } };
  }
  return { ...base, next: await nextOfRunning(store, def, base, at, moment) };
};

/** The step a continued execution resumes with: what would have come next without the limits. */
export const resumeNext = async (
  store: CampaignStore,
  ctx: StepContext,
  state: CampaignState,
): Promise<CampaignState['next']> => {
  const at = instant(state.at);
  if (state.phaseStatus === 'pending') {
    const start = actualWindow(ctx.def, state.phase, state.round, at).start;
    return { at: iso(start), action: 'startPhase', moment: 'phaseStart' };
  }
  return nextOfRunning(store, ctx.def, state, at, state.lastMoment);
};

export const windowToState = (window: Window): CampaignState['window'] => ({
  start: iso(window.start),
  end: window.end ? iso(window.end) : null,
});

/** A campaign closed by an administrator (or failed) does no more work: the execution ends at its next wake. */
export const finish = (
  store: CampaignStore,
  ctx: StepContext,
  state: CampaignState,
): Promise<CampaignState> =>
  advance(store, ctx, state, state.lastMoment, {
    next: { at: iso(ctx.at), action: 'done', moment: state.lastMoment },
  });
