import { type CampaignDefinition, StoredDefinition } from '../domain/definition.ts';
import { NotFoundError } from '../domain/errors.ts';
import { type Draft, toNotification } from '../domain/notifications.ts';
import type { CampaignStore } from '../domain/ports.ts';
import type { CampaignRecord } from '../domain/records.ts';
import {
  actualWindow,
  daysAfter,
  type Instant,
  instant,
  iso,
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
  /**
   * Whether the step may do its work: the campaign runs and no control has moved it to a newer
   * generation. A step that is not live finishes its execution without doing anything.
   */
  live: boolean;
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
  const live = record.status === 'running' && record.generation <= state.generation;
  return { record, def, at: instant(state.next.at), live };
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

/** When an execution has run its days (limits.maxGenerationDays) and continues as a new one. */
const generationEnd = (state: CampaignState): Instant =>
  daysAfter(instant(state.generationStartedAt), state.limits.maxGenerationDays, 'UTC');

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
  const due = await store.earliestItemDue(state.campaignId);
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
  const { def, at } = ctx;
  const base: CampaignState = {
    ...state,
    ...changes,
    ...(await outboxWake(store, state, changes.pendingNotifications ?? state.pendingNotifications, at)),
    at: iso(at),
    lastMoment: moment,
    steps: state.steps + 1,
  };
  const done: CampaignState = { ...base, next: { at: iso(at), action: 'done', moment } };
  if (!ctx.live) return done;
  const planned = await plan(store, def, base, at, moment, changes.next);
  // The checkpoint is what a resume, an advance or an extension starts from; a control that got
  // there first (a newer generation, a pause, a close) ends this execution instead.
  return (await store.saveCheckpoint(planned)) ? planned : done;
};

const plan = async (
  store: CampaignStore,
  def: CampaignDefinition,
  base: CampaignState,
  at: Instant,
  moment: Moment,
  next: CampaignState['next'] | undefined,
): Promise<CampaignState> => {
  if (next) return { ...base, next };
  if (at >= generationEnd(base) || base.steps >= base.limits.maxGenerationSteps) {
    return { ...base, next: { at: iso(at), action: 'continueAsNew', moment } };
  }
  if (base.phaseStatus === 'pending') {
    const start = actualWindow(def, base.phase, base.round, at).start;
    return {
      ...base,
      next: withinGeneration(base, { at: iso(start), action: 'startPhase', moment: 'phaseStart' }),
    };
  }
  return { ...base, next: withinGeneration(base, await nextOfRunning(store, def, base, at, moment)) };
};

/**
 * Whatever waits in the outbox is sent at this wake or woken for: notifications the office
 * retried from the dead letters, or left by a Notify run that died, are not stranded until some
 * later step happens to queue something. One Limit-1 query on the sparse outbox index.
 */
const outboxWake = async (
  store: CampaignStore,
  state: CampaignState,
  pending: number,
  at: Instant,
): Promise<Pick<CampaignState, 'pendingNotifications' | 'notifyAt'>> => {
  const earliest = await store.earliestPending(state.campaignId);
  if (earliest === null) return { pendingNotifications: pending, notifyAt: undefined };
  if (earliest <= iso(at)) return { pendingNotifications: Math.max(1, pending), notifyAt: undefined };
  return { pendingNotifications: pending, notifyAt: earliest };
};

/**
 * A wake past the generation's end (a long wait before a phase starts) becomes a wake at that end
 * that continues the campaign as a new execution, so no execution outlives its time limit.
 */
const withinGeneration = (state: CampaignState, next: CampaignState['next']): CampaignState['next'] => {
  const end = generationEnd(state);
  return instant(next.at) > end ? { at: iso(end), action: 'continueAsNew', moment: next.moment } : next;
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
    return withinGeneration(state, { at: iso(start), action: 'startPhase', moment: 'phaseStart' });
  }
  return withinGeneration(state, await nextOfRunning(store, ctx.def, state, at, state.lastMoment));
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

/**
 * Queues a step's notifications and says whether Notify must run. A retried step finds its ids
 * already queued (nothing new) but may not know whether they were sent, so any draft means "run
 * Notify": an extra transition at worst, never a message left waiting for some later step.
 */
export const queueNotifications = async (
  store: CampaignStore,
  ctx: StepContext,
  drafts: Draft[],
): Promise<number> => {
  const added = await store.enqueueNotifications(
    drafts.map((d) => toNotification(ctx.def.id, iso(ctx.at), d)),
  );
  return drafts.length > 0 ? Math.max(1, added) : 0;
};
