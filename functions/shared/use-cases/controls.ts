import * as z from 'zod/mini';
import {
  type CampaignDefinition,
  PHASES,
  type Phase,
  phaseAfter,
  StoredDefinition,
} from '../domain/definition.ts';
import { ConflictError, ValidationError } from '../domain/errors.ts';
import type { CampaignStore, WorkflowEngine } from '../domain/ports.ts';
import type {
  AuditEvent,
  CampaignRecord,
  CampaignStatus,
  Checkpoint,
  PhaseRecord,
} from '../domain/records.ts';
import { daysAfter, type Instant, instant, iso, localDate } from '../domain/schedule.ts';
import type { CampaignState, NextStep } from '../domain/state.ts';
import { addCalendarDays } from '../domain/working-days.ts';
import '../domain/zod-locale.ts';
import { loadCampaign, resumeNext } from './advance.ts';
import { executionName } from './continue-campaign.ts';
import { startGeneration, startIfStranded } from './launch-campaign.ts';

/**
 * The administrator's controls over a running campaign: pause, resume, advance, extend, close.
 * Each is one conditional write of the campaign (with its audit entry: who, when, why), then the
 * workflow is moved to a new generation that starts from the campaign's checkpoint, so the change
 * reaches the execution now rather than at its next planned wake.
 */

const Reason = z.string().check(z.trim(), z.minLength(1, 'a reason is required'), z.maxLength(500));

/** The body of pause, resume, advance and close. */
export const ControlRequest = z.strictObject({ reason: Reason });
export type ControlRequest = z.infer<typeof ControlRequest>;

const Days = z.int().check(z.minimum(1), z.maximum(365));

/** Extend the current phase by whole days; the later phases move by as many days. */
export const ExtendRequest = z.strictObject({ reason: Reason, days: Days });
export type ExtendRequest = z.infer<typeof ExtendRequest>;

export interface ControlInput extends ControlRequest {
  campaignId: string;
  /** Who: the signed-in person's name, recorded in the audit trail. */
  actor: string;
}

export interface ControlResult {
  campaignId: string;
  status: CampaignStatus;
  generation: number;
  /** The execution now driving the campaign; null while paused or once closed. */
  executionName: string | null;
  phase?: Phase;
  round: number;
  /** What the workflow does next, and when. */
  next?: NextStep;
  audit: AuditEvent;
}

interface Loaded {
  record: CampaignRecord;
  checkpoint: Checkpoint;
  def: CampaignDefinition;
}

const load = async (store: CampaignStore, campaignId: string, reason: string): Promise<Loaded> => {
  // Checked here as well as at the API: every control is audited with its why, whoever calls it.
  const parsed = Reason.safeParse(reason);
  if (!parsed.success) {
    throw new ValidationError('a control needs a reason (1–500 characters): it goes into the audit trail', [
      { path: 'reason', message: 'required, at most 500 characters' },
    ]);
  }
  const record = await loadCampaign(store, campaignId);
  const checkpoint = await store.getCheckpoint(campaignId);
  if (!checkpoint) throw new Error(`campaign "${campaignId}" has no checkpoint`);
  return { record, checkpoint, def: StoredDefinition.parse(record.definition) };
};

const refuseUnless = (record: CampaignRecord, allowed: readonly CampaignStatus[], what: string): void => {
  if (allowed.includes(record.status)) return;
  const why: Record<CampaignStatus, string> = {
    draft: 'has not been launched yet',
    running: 'is running',
    paused: `is paused (since ${record.pausedAt ?? 'earlier'})`,
    closed: `is closed (since ${record.closedAt ?? 'earlier'})`,
    failed: 'has failed; close it and launch a corrected campaign',
  };
  throw new ConflictError(`cannot ${what}: campaign "${record.id}" ${why[record.status]}`);
};

const stateOf = (loaded: Loaded): CampaignState => {
  if (!loaded.checkpoint.state)
    throw new ConflictError(`campaign "${loaded.record.id}" has not been launched yet`);
  return loaded.checkpoint.state;
};

/** Between the inspection's close and the acceptance gate (the same instant) the phase is over already. */
const refuseDuringGate = (state: CampaignState): void => {
  if (state.next.action === 'gate') {
    throw new ConflictError(
      'the inspection has closed and the acceptance gate is deciding now; try again in a moment',
    );
  }
};

/** A new generation's state: a fresh execution, counted from now. */
const nextGeneration = (state: CampaignState, generation: number, at: Instant): CampaignState => ({
  ...state,
  generation,
  generationStartedAt: iso(at),
  steps: 0,
});

/**
 * A new execution starts by waiting for its next step (the machine's first state), so what already
 * waits in the outbox (held for quiet hours or a retry, or left unsent by the execution the control
 * stopped) would wait with it, for days perhaps. When something there is due before that step, the
 * execution wakes for it first: a heartbeat, after which Notify sends it.
 */
const wakeForOutbox = async (
  store: CampaignStore,
  state: CampaignState,
  at: Instant,
): Promise<CampaignState> => {
  const earliest = await store.earliestPending(state.campaignId);
  if (earliest === null) return state;
  const now = iso(at);
  const wake = earliest.localeCompare(now) > 0 ? earliest : now;
  if (wake >= state.next.at) return state;
  return { ...state, next: { at: wake, action: 'checkDeadlines', moment: 'heartbeat' } };
};

const resultOf = (
  campaignId: string,
  status: CampaignStatus,
  generation: number,
  executionName: string | null,
  state: CampaignState | undefined,
  audit: AuditEvent,
): ControlResult => ({
  campaignId,
  status,
  generation,
  executionName,
  phase: state?.phase,
  round: state?.round ?? 0,
  next: state?.next,
  audit,
});

/** Stops the execution a control supersedes. Best effort: a superseded execution ends itself at its next wake anyway. */
const stopQuietly = async (engine: WorkflowEngine, name: string, cause: string): Promise<void> => {
  try {
    await engine.stop(name, cause);
  } catch {
    // Not fatal: its steps see the newer generation (or the pause) and end the execution without doing anything.
  }
};

/**
 * Replaces the running execution by the next generation's, which starts from `state` (already at
 * that generation): one conditional write of the campaign, its checkpoint and the audit entry,
 * then the old execution is stopped and the new one started.
 */
const replaceExecution = async (
  store: CampaignStore,
  engine: WorkflowEngine,
  { record, checkpoint }: Pick<Loaded, 'record' | 'checkpoint'>,
  next: {
    state: CampaignState;
    audit: AuditEvent;
    cause: string;
    set?: Partial<CampaignRecord>;
    phase?: PhaseRecord;
  },
  at: Instant,
): Promise<ControlResult> => {
  const { generation } = next.state;
  const name = executionName(record.id, generation);
  await store.applyControl(record.id, {
    expect: { generation: record.generation, status: ['running'], rev: checkpoint.rev },
    set: { ...next.set, generation, executionName: name },
    remove: ['executionStartedAt'],
    checkpoint: { generation, status: 'running', state: next.state },
    audit: next.audit,
    ...(next.phase ? { phase: next.phase } : {}),
  });
  await stopQuietly(engine, record.executionName, next.cause);
  await startGeneration(store, engine, record.id, name, next.state, at);
  return resultOf(record.id, 'running', generation, name, next.state, next.audit);
};

/** Pause: the execution stops now; reminders, escalations and notifications wait until resume. People can still report. */
export const pauseCampaign = async (
  store: CampaignStore,
  engine: WorkflowEngine,
  input: ControlInput,
  at: Instant,
): Promise<ControlResult> => {
  const loaded = await load(store, input.campaignId, input.reason);
  const { record, checkpoint } = loaded;
  refuseUnless(record, ['running'], 'pause');
  const state = stateOf(loaded);
  const audit: AuditEvent = {
    at: iso(at),
    actor: input.actor,
    action: 'campaign.paused',
    detail: { reason: input.reason, execution: record.executionName, resumesWith: state.next },
  };
  await store.applyControl(record.id, {
    expect: { generation: record.generation, status: ['running'], rev: checkpoint.rev },
    set: { status: 'paused', pausedAt: iso(at) },
    checkpoint: { generation: record.generation, status: 'paused', state },
    audit,
  });
  await stopQuietly(engine, record.executionName, `paused by ${input.actor}: ${input.reason}`);
  return resultOf(record.id, 'paused', record.generation, null, state, audit);
};

/**
 * Resume: a new execution starts from the checkpoint. What fell due during the pause runs at
 * once and in order (cutoffs collected, bulletins compiled, overdue items escalated); reminders
 * for cutoffs already past are skipped.
 */
export const resumeCampaign = async (
  store: CampaignStore,
  engine: WorkflowEngine,
  input: ControlInput,
  at: Instant,
): Promise<ControlResult> => {
  const loaded = await load(store, input.campaignId, input.reason);
  const { record, checkpoint, def } = loaded;
  // A resume whose execution never started (the start failed after the write): start it now.
  if (await startIfStranded(store, engine, record, checkpoint, at)) {
    const audit: AuditEvent = {
      at: iso(at),
      actor: input.actor,
      action: 'campaign.resumed',
      detail: { reason: input.reason, execution: record.executionName, startedAgain: true },
    };
    await store.appendAudit(record.id, audit);
    return resultOf(record.id, 'running', record.generation, record.executionName, checkpoint.state, audit);
  }
  refuseUnless(record, ['paused'], 'resume');
  const generation = record.generation + 1;
  const name = executionName(record.id, generation);
  let state: CampaignState = { ...nextGeneration(stateOf(loaded), generation, at), resumedAt: iso(at) };
  if (state.next.action === 'continueAsNew') {
    state = { ...state, next: await resumeNext(store, { record, def, at, live: true }, state) };
  }
  state = await wakeForOutbox(store, state, at);
  const audit: AuditEvent = {
    at: iso(at),
    actor: input.actor,
    action: 'campaign.resumed',
    detail: {
      reason: input.reason,
      pausedAt: record.pausedAt ?? null,
      execution: name,
      catchUpFrom: state.next.at < iso(at) ? state.next.at : null,
    },
  };
  await store.applyControl(record.id, {
    expect: { generation: record.generation, status: ['paused'], rev: checkpoint.rev },
    set: { status: 'running', generation, executionName: name },
    remove: ['pausedAt', 'executionStartedAt'],
    checkpoint: { generation, status: 'running', state },
    audit,
  });
  await startGeneration(store, engine, record.id, name, state, at);
  return resultOf(record.id, 'running', generation, name, state, audit);
};

/** Moves a phase's start to `today` when it was later, and every earlier phase's end with it. */
const startOn = (
  phases: StoredDefinition['phases'],
  phase: Phase,
  today: string,
): StoredDefinition['phases'] => {
  const moved = structuredClone(phases);
  if (moved[phase].start <= today) return moved;
  moved[phase].start = today;
  for (const earlier of PHASES.slice(0, PHASES.indexOf(phase))) {
    const window = moved[earlier] as { start: string; end?: string };
    if (window.end !== undefined && window.end > today) window.end = today;
  }
  return moved;
};

/**
 * Advance: the running phase ends now and the next one starts at once (an inspection that ends
 * goes to the acceptance gate); a campaign waiting for its next phase starts it now. The later
 * phases keep their dates.
 */
export const advancePhase = async (
  store: CampaignStore,
  engine: WorkflowEngine,
  input: ControlInput,
  at: Instant,
): Promise<ControlResult> => {
  const loaded = await load(store, input.campaignId, input.reason);
  const { record, def } = loaded;
  refuseUnless(record, ['running'], 'advance the phase');
  const current = stateOf(loaded);
  refuseDuringGate(current);
  const today = localDate(at, def.timeZone);
  const generation = record.generation + 1;
  const name = executionName(record.id, generation);
  let state = nextGeneration(current, generation, at);
  let phases = def.phases;
  let detail: Record<string, unknown>;
  if (current.phaseStatus === 'running') {
    const following = phaseAfter(current.phase);
    if (!following) {
      throw new ConflictError(
        `cannot advance: long-term upkeep (长效管理) is the last phase; close the campaign instead`,
      );
    }
    state = {
      ...state,
      window: { start: current.window?.start ?? iso(at), end: iso(at) },
      next: { at: iso(at), action: 'closePhase', moment: 'phaseEnd' },
    };
    phases = startOn(def.phases, following, today);
    detail = {
      phase: current.phase,
      round: current.round,
      plannedEnd: current.window?.end ?? null,
      next: following,
    };
  } else {
    state = { ...state, next: { at: iso(at), action: 'startPhase', moment: 'phaseStart' } };
    if (current.round === 0 || current.phase === 'longTerm')
      phases = startOn(def.phases, current.phase, today);
    detail = { phase: current.phase, round: current.round, plannedStart: current.next.at, startsNow: true };
  }
  const audit: AuditEvent = {
    at: iso(at),
    actor: input.actor,
    action: 'phase.advanced',
    detail: { reason: input.reason, ...detail, execution: name },
  };
  return replaceExecution(
    store,
    engine,
    loaded,
    {
      state,
      audit,
      cause: `phase advanced by ${input.actor}: ${input.reason}`,
      set: { definition: { ...record.definition, phases } },
    },
    at,
  );
};

/**
 * Extend: the running phase ends `days` later; the later phases of the plan move by as many days,
 * so none is squeezed. Allowed while paused too (the resume then follows the new dates).
 */
export const extendPhase = async (
  store: CampaignStore,
  engine: WorkflowEngine,
  input: ControlInput & { days: number },
  at: Instant,
): Promise<ControlResult> => {
  // Checked here as well as at the API: fewer days would shorten the phase, even to before now,
  // and a fraction would end it mid-day while the plan's dates move by whole days.
  if (!Days.safeParse(input.days).success) {
    throw new ValidationError(`cannot extend by ${input.days} days: extend by whole days, 1 to 365`, [
      { path: 'days', message: 'a whole number of days, 1–365' },
    ]);
  }
  const loaded = await load(store, input.campaignId, input.reason);
  const { record, checkpoint, def } = loaded;
  refuseUnless(record, ['running', 'paused'], 'extend the phase');
  const current = stateOf(loaded);
  refuseDuringGate(current);
  if (current.phaseStatus !== 'running' || !current.window) {
    throw new ConflictError(
      `cannot extend: phase ${current.phase} has not started yet; extend the running phase, or advance to start this one`,
    );
  }
  if (current.window.end === null) {
    throw new ConflictError('cannot extend: long-term upkeep (长效管理) has no end date');
  }
  const end = daysAfter(instant(current.window.end), input.days, def.timeZone);
  const phases = structuredClone(def.phases);
  if (current.round === 0) {
    const index = PHASES.indexOf(current.phase);
    const own = phases[current.phase] as { start: string; end?: string };
    if (own.end) own.end = addCalendarDays(own.end, input.days);
    for (const later of PHASES.slice(index + 1)) {
      const window = phases[later] as { start: string; end?: string };
      window.start = addCalendarDays(window.start, input.days);
      if (window.end) window.end = addCalendarDays(window.end, input.days);
    }
  }
  const running = record.status === 'running';
  const generation = running ? record.generation + 1 : record.generation;
  const name = executionName(record.id, generation);
  const extended: CampaignState = {
    ...(running ? nextGeneration(current, generation, at) : current),
    window: { start: current.window.start, end: iso(end) },
  };
  const newDef: CampaignDefinition = { ...def, phases };
  const planned: CampaignState = {
    ...extended,
    next: await resumeNext(store, { record, def: newDef, at, live: true }, extended),
  };
  // Paused: the resume wakes for the outbox when it starts the execution.
  const state = running ? await wakeForOutbox(store, planned, at) : planned;
  const phaseRecord = (await store.listPhases(record.id)).find(
    (p) => p.phase === current.phase && p.round === current.round && !p.closedAt,
  );
  const audit: AuditEvent = {
    at: iso(at),
    actor: input.actor,
    action: 'phase.extended',
    detail: {
      reason: input.reason,
      phase: current.phase,
      round: current.round,
      days: input.days,
      from: current.window.end,
      to: iso(end),
      ...(running ? { execution: name } : {}),
    },
  };
  const set = { definition: { ...record.definition, phases } };
  const phase = phaseRecord ? { ...phaseRecord, plannedEnd: iso(end) } : undefined;
  if (running) {
    const cause = `phase extended by ${input.actor}: ${input.reason}`;
    return replaceExecution(store, engine, loaded, { state, audit, cause, set, phase }, at);
  }
  await store.applyControl(record.id, {
    expect: { generation: record.generation, status: ['paused'], rev: checkpoint.rev },
    set,
    checkpoint: { generation, status: 'paused', state },
    audit,
    ...(phase ? { phase } : {}),
  });
  return resultOf(record.id, 'paused', generation, null, state, audit);
};

/**
 * Close: the campaign ends now, and its execution with it. When notifications still wait in the
 * outbox, a last short execution sends them (its first step finds the campaign closed and only
 * drains the outbox), so that closing loses nothing already promised.
 */
export const closeCampaign = async (
  store: CampaignStore,
  engine: WorkflowEngine,
  input: ControlInput,
  at: Instant,
): Promise<ControlResult> => {
  const loaded = await load(store, input.campaignId, input.reason);
  const { record, checkpoint } = loaded;
  refuseUnless(record, ['draft', 'running', 'paused', 'failed'], 'close');
  const generation = record.generation + 1;
  const name = executionName(record.id, generation);
  const drain =
    checkpoint.state && record.status !== 'draft' && (await store.earliestPending(record.id)) !== null
      ? {
          ...nextGeneration(checkpoint.state, generation, at),
          next: { at: iso(at), action: 'checkDeadlines', moment: 'heartbeat' } as const,
        }
      : undefined;
  const audit: AuditEvent = {
    at: iso(at),
    actor: input.actor,
    action: 'campaign.closed',
    detail: { reason: input.reason, from: record.status, ...(drain ? { drainOutbox: name } : {}) },
  };
  await store.applyControl(record.id, {
    expect: { generation: record.generation, status: [record.status], rev: checkpoint.rev },
    set: {
      status: 'closed',
      closedAt: iso(at),
      generation,
      // The drain's execution when there is one; otherwise the name of the last execution stays.
      executionName: drain ? name : record.executionName,
    },
    remove: ['pausedAt', 'executionStartedAt'],
    checkpoint: { generation, status: 'closed', ...(checkpoint.state ? { state: checkpoint.state } : {}) },
    audit,
  });
  if (record.status === 'running') {
    await stopQuietly(engine, record.executionName, `closed by ${input.actor}: ${input.reason}`);
  }
  if (drain) await startGeneration(store, engine, record.id, name, drain, at);
  return resultOf(record.id, 'closed', generation, drain ? name : null, checkpoint.state, audit);
};

/**
 * Wakes the workflow earlier when a command between two wakes makes something fall due before the
 * next planned wake (an item ordered with a 2-hour deadline, a moved deadline): the execution is
 * moved to a new generation whose first step is the deadline check at `dueAt`. `false` when the
 * planned wake comes first anyway, or the campaign is not running a phase.
 */
export const wakeForDeadline = async (
  store: CampaignStore,
  engine: WorkflowEngine,
  campaignId: string,
  dueAt: string,
  at: Instant,
): Promise<boolean> => {
  // A step that saved its checkpoint meanwhile makes the write fail: read again and decide again.
  // Any other failure (the engine refusing a start) is the caller's to report.
  for (let attempt = 1; ; attempt++) {
    try {
      return await wakeOnce(store, engine, campaignId, dueAt, at);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      if (attempt === 3) return false;
    }
  }
};

const wakeOnce = async (
  store: CampaignStore,
  engine: WorkflowEngine,
  campaignId: string,
  dueAt: string,
  at: Instant,
): Promise<boolean> => {
  // The checkpoint alone decides most commands (no earlier wake needed): the campaign item is read
  // only to move the execution.
  const checkpoint = await store.getCheckpoint(campaignId);
  const state = checkpoint?.state;
  if (checkpoint?.status !== 'running' || !state || state.phaseStatus !== 'running') return false;
  const wakeAt = dueAt < iso(at) ? iso(at) : dueAt;
  if (state.next.at <= wakeAt || state.next.action === 'done') return false;
  const record = await loadCampaign(store, campaignId);
  if (record.status !== 'running') return false;
  const generation = record.generation + 1;
  const name = executionName(record.id, generation);
  const next: CampaignState = {
    ...nextGeneration(state, generation, at),
    next: { at: wakeAt, action: 'checkDeadlines', moment: 'deadlines' },
  };
  const audit: AuditEvent = {
    at: iso(at),
    actor: 'workflow',
    action: 'workflow.rescheduled',
    detail: {
      reason: 'an item falls due before the next planned wake',
      dueAt,
      plannedWake: state.next.at,
      execution: name,
    },
  };
  const cause = 'rescheduled: an item falls due before the next planned wake';
  await replaceExecution(store, engine, { record, checkpoint }, { state: next, audit, cause }, at);
  return true;
};
