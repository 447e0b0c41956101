import { addHours } from 'date-fns';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../functions/shared/domain/errors.ts';
import type { CampaignStatus } from '../../functions/shared/domain/records.ts';
import { type Instant, instant, iso } from '../../functions/shared/domain/schedule.ts';
import { CampaignState } from '../../functions/shared/domain/state.ts';
import { campaignStatus } from '../../functions/shared/use-cases/campaign-status.ts';
import {
  advancePhase,
  closeCampaign,
  extendPhase,
  pauseCampaign,
  resumeCampaign,
} from '../../functions/shared/use-cases/controls.ts';
import { actOnHazard, reportHazard } from '../../functions/shared/use-cases/hazards.ts';
import { createCampaign, launchCampaign } from '../../functions/shared/use-cases/launch-campaign.ts';
import { notifyPending } from '../../functions/shared/use-cases/notify.ts';
import { recordFailure } from '../../functions/shared/use-cases/record-failure.ts';
import { submitReport } from '../../functions/shared/use-cases/submit-report.ts';
import { campaignWalk } from '../support/campaign-walk.ts';
import { MemoryCampaignStore, RecordingEngine, RecordingNotifier } from '../support/memory-store.ts';

const {
  CAMPAIGN,
  LAUNCH,
  minimal,
  step,
  walk,
  launched,
  nextIs,
  unitsOf,
  newSince,
  validationErrorOf,
  conflictOf,
  written,
} = campaignWalk();

/** A local wall-clock instant in the campaign's zone (Asia/Shanghai). */
const local = (at: string): Instant => instant(`${at}+08:00`);
const ADMIN = '李明';
const REASON = '区安委会督查组进驻，暂停通报';
const input = (reason = REASON) => ({ campaignId: CAMPAIGN, actor: ADMIN, reason });

/** The minimal campaign launched and walked until its next step is due after `until`. */
const runningUntil = async (until: Instant) => {
  const run = await launched();
  const { state } = await walk(run.store, run.state, (s) => instant(s.next.at) > until);
  return { ...run, state };
};

const stateOf = (engine: RecordingEngine, index: number): CampaignState =>
  CampaignState.parse(engine.starts[index]?.input);

/**
 * The in-memory store with a hook run once at a chosen point: right after a control read the
 * checkpoint, or right before a step saves one (something else got there meanwhile).
 */
class HookedStore extends MemoryCampaignStore {
  afterCheckpointRead?: () => Promise<void>;
  beforeCheckpointSave?: () => Promise<void>;

  override async getCheckpoint(campaignId: string) {
    const checkpoint = await super.getCheckpoint(campaignId);
    const hook = this.afterCheckpointRead;
    this.afterCheckpointRead = undefined;
    await hook?.();
    return checkpoint;
  }

  override async saveCheckpoint(state: CampaignState) {
    const hook = this.beforeCheckpointSave;
    this.beforeCheckpointSave = undefined;
    await hook?.();
    return super.saveCheckpoint(state);
  }
}

const launchedOn = async <S extends MemoryCampaignStore>(store: S) => {
  const engine = new RecordingEngine();
  await launchCampaign(store, engine, minimal(), LAUNCH, { actor: ADMIN });
  return { store, engine, state: stateOf(engine, 0) };
};

describe('pauseCampaign', () => {
  it('stops the execution and keeps the checkpoint at its generation, audited with who and why', async () => {
    // Prepare: rectification runs, the workflow waits for the reminder before the 2027-03-08 cutoff
    const { store, engine, state } = await runningUntil(local('2027-03-06T12:00'));
    const before = await store.getCheckpoint(CAMPAIGN);
    const at = local('2027-03-06T12:00');

    // Act
    const result = await pauseCampaign(store, engine, input(), at);

    // Assess
    expect(result).toMatchObject({
      status: 'paused',
      generation: 1,
      executionName: null,
      phase: 'rectify',
      next: state.next,
    });
    expect(await store.getCampaign(CAMPAIGN)).toMatchObject({
      status: 'paused',
      generation: 1,
      pausedAt: iso(at),
      executionName: 'minimal-2027-g1',
    });
    const checkpoint = await store.getCheckpoint(CAMPAIGN);
    expect(checkpoint).toMatchObject({ generation: 1, status: 'paused' });
    expect(checkpoint?.state).toEqual(state);
    expect(checkpoint?.rev).not.toBe(before?.rev);
    expect(engine.stops).toEqual([{ name: 'minimal-2027-g1', cause: `paused by ${ADMIN}: ${REASON}` }]);
    expect(engine.starts).toHaveLength(1);
    expect((await store.listAudit(CAMPAIGN)).at(-1)).toEqual({
      at: iso(at),
      actor: ADMIN,
      action: 'campaign.paused',
      detail: { reason: REASON, execution: 'minimal-2027-g1', resumesWith: state.next },
    });
  });

  it('leaves the paused execution nothing to do: its step returns done and writes nothing', async () => {
    // Prepare
    const { store, engine, state } = await runningUntil(local('2027-03-06T12:00'));
    await pauseCampaign(store, engine, input(), local('2027-03-06T12:00'));
    const writes = store.writes;
    const notifications = await store.listNotifications(CAMPAIGN);

    // Act: the stopped execution's wake comes anyway (the stop raced it)
    const next = await step(store, state);

    // Assess
    expect(next.next).toEqual({ at: state.next.at, action: 'done', moment: state.lastMoment });
    expect(store.writes).toBe(writes);
    expect(await store.listNotifications(CAMPAIGN)).toEqual(notifications);
  });

  it('wins over a step running at that moment: the step checkpoint is refused, and the resume redoes it once', async () => {
    // Prepare: the 2027-03-08 cutoff step runs; the pause lands between its work and its checkpoint
    const { store, engine, state: launchState } = await launchedOn(new HookedStore());
    const { state: atCutoff } = await walk(
      store,
      launchState,
      nextIs('collectReports', 'cutoff', '2027-03-08'),
    );
    store.beforeCheckpointSave = async () => {
      await pauseCampaign(store, engine, input(), local('2027-03-08T13:00:30'));
    };

    // Act
    const raced = await step(store, atCutoff);
    const notifier = new RecordingNotifier();
    await notifyPending(store, notifier, raced, { now: iso(local('2027-03-08T13:01')) });
    const afterRace = await store.listNotifications(CAMPAIGN);
    await resumeCampaign(store, engine, input('督查结束'), local('2027-03-08T15:00'));
    const redone = await step(store, stateOf(engine, 1));

    // Assess
    expect(raced.next.action).toBe('done');
    expect(notifier.sent).toEqual([]);
    const checkpoint = await store.getCheckpoint(CAMPAIGN);
    expect(checkpoint).toMatchObject({ generation: 2, status: 'running' });
    expect(stateOf(engine, 1).next).toEqual(atCutoff.next);
    expect(await store.listNotifications(CAMPAIGN)).toEqual(afterRace);
    expect((await store.listPeriodOutcomes(CAMPAIGN)).filter((o) => o.period === '2027-03-08')).toHaveLength(
      1,
    );
    expect(redone.next.at > atCutoff.next.at).toBe(true);
    expect(checkpoint?.state).toEqual(redone);
  });

  it('sends nothing from Notify while paused: what waits stays pending', async () => {
    // Prepare: the phase notices and the first week's reminders and overdue notices wait in the outbox
    const { store, engine, state } = await runningUntil(local('2027-03-06T12:00'));
    const pending = await store.listNotifications(CAMPAIGN, 'pending');
    await pauseCampaign(store, engine, input(), local('2027-03-06T12:00'));
    const notifier = new RecordingNotifier();
    const writes = store.writes;

    // Act
    const { state: after, result } = await notifyPending(store, notifier, state, {
      now: iso(local('2027-03-06T12:05')),
    });

    // Assess
    expect(pending.length).toBeGreaterThan(0);
    expect(notifier.sent).toEqual([]);
    expect(result).toEqual({ sent: 0, messages: 0, deferred: 0, retrying: 0, dead: 0 });
    expect(await store.listNotifications(CAMPAIGN, 'pending')).toEqual(pending);
    expect(store.writes).toBe(writes);
    expect(after.pendingNotifications).toBe(0);
    expect(after.notifyAt).toBeUndefined();
  });

  it('still takes reports and hazard ledger commands: a pause silences the workflow, not the people', async () => {
    // Prepare
    const { store, engine } = await runningUntil(local('2027-03-06T12:00'));
    await pauseCampaign(store, engine, input(), local('2027-03-06T12:00'));

    // Act
    const report = await submitReport(
      store,
      {
        campaignId: CAMPAIGN,
        unitId: 'police-station',
        period: '2027-03-08',
        content: { progress: '开展防诈骗宣传2场' },
      },
      local('2027-03-06T18:00'),
    );
    const hazard = await reportHazard(
      store,
      {
        campaignId: CAMPAIGN,
        actor: '陈刚',
        report: {
          unitId: 'dongfeng-grid-1',
          location: '幸福路12号便利店',
          category: '消防通道',
          description: '安全出口堆放杂物',
          urgency: 'yellow',
          reportedBy: '陈刚',
        },
      },
      local('2027-03-06T19:00'),
    );
    const ordered = await actOnHazard(
      store,
      {
        campaignId: CAMPAIGN,
        hazardId: hazard.id,
        actor: ADMIN,
        command: { action: 'order', measures: '清理杂物', deadline: '2027-03-09T18:00:00+08:00' },
      },
      local('2027-03-06T20:00'),
    );

    // Assess
    expect(report).toMatchObject({ onTime: true, version: 1 });
    expect(ordered.version).toBe(2);
    expect((await store.listHazardEvents(CAMPAIGN, hazard.id)).map((e) => e.action)).toEqual([
      'report',
      'order',
    ]);
    expect((await store.getCampaign(CAMPAIGN))?.status).toBe('paused');
  });
});

describe('resumeCampaign', () => {
  const PAUSE = local('2027-03-06T12:00');
  /** Two days after the 2027-03-08 cutoff: its two reminders and the cutoff itself fell in the pause. */
  const RESUME = local('2027-03-10T10:00');

  const pausedOverACutoff = async () => {
    const run = await runningUntil(PAUSE);
    await pauseCampaign(run.store, run.engine, input(), PAUSE);
    return run;
  };

  it('starts generation 2 from the checkpoint, marked as resumed, and audits it', async () => {
    // Prepare
    const { store, engine, state } = await pausedOverACutoff();

    // Act
    const result = await resumeCampaign(store, engine, input('督查结束'), RESUME);

    // Assess
    expect(result).toMatchObject({ status: 'running', generation: 2, executionName: 'minimal-2027-g2' });
    expect(engine.starts.map((s) => s.name)).toEqual(['minimal-2027-g1', 'minimal-2027-g2']);
    const resumed = stateOf(engine, 1);
    expect(resumed).toEqual({
      ...state,
      generation: 2,
      generationStartedAt: iso(RESUME),
      steps: 0,
      resumedAt: iso(RESUME),
    });
    expect(await store.getCampaign(CAMPAIGN)).toMatchObject({
      status: 'running',
      generation: 2,
      executionName: 'minimal-2027-g2',
      executionStartedAt: iso(RESUME),
    });
    expect((await store.getCampaign(CAMPAIGN))?.pausedAt).toBeUndefined();
    expect(await store.getCheckpoint(CAMPAIGN)).toMatchObject({
      generation: 2,
      status: 'running',
      state: resumed,
    });
    expect((await store.listAudit(CAMPAIGN)).at(-1)).toEqual({
      at: iso(RESUME),
      actor: ADMIN,
      action: 'campaign.resumed',
      detail: {
        reason: '督查结束',
        pausedAt: iso(PAUSE),
        execution: 'minimal-2027-g2',
        catchUpFrom: state.next.at,
      },
    });
  });

  it('catches up at once and in order: reminders of the passed cutoff skipped, its outcome and overdue notices recorded once', async () => {
    // Prepare: the police station reports during the pause, the two others stay silent
    const { store, engine } = await pausedOverACutoff();
    await submitReport(
      store,
      {
        campaignId: CAMPAIGN,
        unitId: 'police-station',
        period: '2027-03-08',
        content: { progress: '开展防诈骗宣传2场' },
      },
      local('2027-03-07T18:00'),
    );
    await resumeCampaign(store, engine, input('督查结束'), RESUME);
    const before = await store.listNotifications(CAMPAIGN);

    // Act: the resumed execution runs everything due up to now, without waiting
    const { state: caughtUp, taken } = await walk(
      store,
      stateOf(engine, 1),
      (s) => instant(s.next.at) > RESUME,
    );

    // Assess
    expect(taken.map((t) => `${t.moment} ${t.at}`)).toEqual([
      'reminder 2027-03-07T05:00:00.000Z',
      'reminder 2027-03-08T03:00:00.000Z',
      'cutoff 2027-03-08T05:00:00.000Z',
    ]);
    const queued = newSince(before, await store.listNotifications(CAMPAIGN));
    expect(queued.filter((n) => n.kind === 'reportReminder')).toEqual([]);
    expect(unitsOf(queued.filter((n) => n.kind === 'reportOverdue'))).toEqual([
      'dongfeng-community',
      'dongfeng-grid-1',
    ]);
    expect(queued.filter((n) => n.kind === 'weeklyBulletin')).toHaveLength(2);
    expect(await store.listPeriodOutcomes(CAMPAIGN)).toContainEqual(
      expect.objectContaining({
        period: '2027-03-08',
        onTime: ['police-station'],
        missingAtCutoff: ['dongfeng-community', 'dongfeng-grid-1'],
      }),
    );
    expect((await store.getBulletin(CAMPAIGN, '2027-03-08'))?.compiledAt).toBe('2027-03-08T05:00:00.000Z');
    // After the catch-up the schedule goes on as planned: the first task's due-soon check.
    expect(caughtUp.next).toEqual({
      at: '2027-03-11T16:00:00.000Z',
      action: 'checkDeadlines',
      moment: 'deadlines',
    });
    expect(caughtUp.generation).toBe(2);
  });

  it('catches up across a phase end: rectification closes and the inspection starts at their moments, in order', async () => {
    // Prepare: paused in the last week of rectification, resumed two days into the inspection
    const { store, engine } = await runningUntil(local('2027-03-18T12:00'));
    await pauseCampaign(store, engine, input(), local('2027-03-18T12:00'));
    const resumeAt = local('2027-03-24T10:00');
    await resumeCampaign(store, engine, input('督查结束'), resumeAt);
    const before = await store.listNotifications(CAMPAIGN);

    // Act
    const { state, taken } = await walk(store, stateOf(engine, 1), (s) => instant(s.next.at) > resumeAt);

    // Assess
    const lifecycle = taken
      .filter((t) => t.action !== 'checkDeadlines')
      .map((t) => `${t.action}/${t.moment} ${t.phase} ${t.at}`);
    expect(lifecycle).toEqual([
      'closePhase/phaseEnd rectify 2027-03-21T16:00:00.000Z',
      'startPhase/phaseStart inspect 2027-03-21T16:00:00.000Z',
      'collectReports/reminder inspect 2027-03-22T03:00:00.000Z',
      'collectReports/cutoff inspect 2027-03-22T05:00:00.000Z',
    ]);
    expect(taken.map((t) => t.at)).toEqual([...taken.map((t) => t.at)].sort());
    expect(state).toMatchObject({ phase: 'inspect', phaseStatus: 'running' });
    const queued = newSince(before, await store.listNotifications(CAMPAIGN));
    expect(queued.filter((n) => n.kind === 'reportReminder')).toEqual([]);
    expect(queued.filter((n) => n.kind === 'phaseStart')).not.toEqual([]);
    expect((await store.listPhases(CAMPAIGN)).map((p) => [p.phase, p.startedAt])).toContainEqual([
      'inspect',
      '2027-03-21T16:00:00.000Z',
    ]);
  });

  it('sends the reminders of cutoffs still ahead after the catch-up', async () => {
    // Prepare
    const { store, engine } = await pausedOverACutoff();
    await resumeCampaign(store, engine, input('督查结束'), RESUME);
    const { state: caughtUp } = await walk(store, stateOf(engine, 1), (s) => instant(s.next.at) > RESUME);
    const { state: atReminder } = await walk(
      store,
      caughtUp,
      nextIs('collectReports', 'reminder', '2027-03-15'),
    );
    const before = await store.listNotifications(CAMPAIGN);

    // Act
    await step(store, atReminder);

    // Assess
    const reminders = newSince(before, await store.listNotifications(CAMPAIGN));
    expect(reminders.map((n) => n.kind)).toEqual(['reportReminder', 'reportReminder', 'reportReminder']);
  });

  it('sends what waited in the outbox at the first step of the resumed execution', async () => {
    // Prepare
    const { store, engine } = await pausedOverACutoff();
    const waiting = await store.listNotifications(CAMPAIGN, 'pending');
    await resumeCampaign(store, engine, input('督查结束'), RESUME);
    const notifier = new RecordingNotifier();

    // Act
    const first = await step(store, stateOf(engine, 1));
    await notifyPending(store, notifier, first, { now: iso(RESUME) });

    // Assess
    expect(waiting.length).toBeGreaterThan(0);
    expect(first.pendingNotifications).toBeGreaterThan(0);
    expect(notifier.sentIds).toEqual(expect.arrayContaining(waiting.map((n) => n.id)));
    expect(await store.listNotifications(CAMPAIGN, 'pending')).toEqual([]);
  });

  it('ends the old generation: a step of generation 1 after the resume returns done and writes nothing', async () => {
    // Prepare
    const { store, engine, state } = await pausedOverACutoff();
    await resumeCampaign(store, engine, input('督查结束'), RESUME);
    const writes = store.writes;

    // Act
    const stale = await step(store, state);
    const { result } = await notifyPending(store, new RecordingNotifier(), state, { now: iso(RESUME) });

    // Assess
    expect(stale.next.action).toBe('done');
    expect(result.sent).toBe(0);
    expect(store.writes).toBe(writes);
    expect((await store.getCheckpoint(CAMPAIGN))?.generation).toBe(2);
  });
});

describe('advancePhase', () => {
  it('ends mobilisation now and starts rectification at once, moving its start date to today', async () => {
    // Prepare: mobilisation runs (2027-02-22 to 02-28)
    const { store, engine, state } = await runningUntil(local('2027-02-24T10:00'));
    const at = local('2027-02-24T10:00');

    // Act
    const result = await advancePhase(store, engine, input('动员部署提前完成'), at);

    // Assess
    expect(result).toMatchObject({ status: 'running', generation: 2, executionName: 'minimal-2027-g2' });
    expect(engine.stops.map((s) => s.name)).toEqual(['minimal-2027-g1']);
    const advanced = stateOf(engine, 1);
    expect(advanced).toMatchObject({
      generation: 2,
      phase: 'mobilize',
      phaseStatus: 'running',
      window: { start: state.window?.start, end: iso(at) },
      next: { at: iso(at), action: 'closePhase', moment: 'phaseEnd' },
    });
    const stored = await store.getCampaign(CAMPAIGN);
    expect(stored).toMatchObject({ generation: 2, executionName: 'minimal-2027-g2', status: 'running' });
    expect(stored?.definition.phases).toMatchObject({
      mobilize: { start: '2027-02-22', end: '2027-02-24' },
      rectify: { start: '2027-02-24', end: '2027-03-21' },
      inspect: { start: '2027-03-22', end: '2027-03-28' },
      longTerm: { start: '2027-03-29' },
    });
    expect((await store.listAudit(CAMPAIGN)).at(-1)).toEqual({
      at: iso(at),
      actor: ADMIN,
      action: 'phase.advanced',
      detail: {
        reason: '动员部署提前完成',
        phase: 'mobilize',
        round: 0,
        plannedEnd: '2027-02-28T16:00:00.000Z',
        next: 'rectify',
        execution: 'minimal-2027-g2',
      },
    });

    // Act: the new execution closes mobilisation and opens rectification at the same instant
    const { state: rectifying, taken } = await walk(
      store,
      advanced,
      (s) => s.phase === 'rectify' && s.phaseStatus === 'running',
    );

    // Assess
    expect(taken.map((t) => `${t.action} ${t.phase} ${t.at}`)).toEqual([
      `closePhase mobilize ${iso(at)}`,
      `startPhase rectify ${iso(at)}`,
    ]);
    expect(rectifying.window).toEqual({ start: iso(at), end: '2027-03-21T16:00:00.000Z' });
    expect((await store.listPhases(CAMPAIGN)).map((p) => [p.phase, p.startedAt, p.closedAt ?? null])).toEqual(
      [
        ['mobilize', '2027-02-21T16:00:00.000Z', iso(at)],
        ['rectify', iso(at), null],
      ],
    );
  });

  it('ends the inspection now: the acceptance gate runs and long-term upkeep starts at once', async () => {
    // Prepare: the inspection runs (2027-03-22 to 03-28)
    const { store, engine } = await runningUntil(local('2027-03-24T10:00'));
    const at = local('2027-03-24T10:00');

    // Act
    await advancePhase(store, engine, input('验收提前完成'), at);
    const { taken } = await walk(
      store,
      stateOf(engine, 1),
      (s) => s.phase === 'longTerm' && s.phaseStatus === 'running',
    );

    // Assess
    expect(taken.map((t) => `${t.action} ${t.phase} ${t.at}`)).toEqual([
      `closePhase inspect ${iso(at)}`,
      `gate inspect ${iso(at)}`,
      `startPhase longTerm ${iso(at)}`,
    ]);
    expect((await store.getCampaign(CAMPAIGN))?.definition.phases).toMatchObject({
      inspect: { start: '2027-03-22', end: '2027-03-24' },
      longTerm: { start: '2027-03-24' },
    });
  });

  it('starts a phase the campaign waits for at once', async () => {
    // Prepare: launched two days before mobilisation starts
    const { store, engine } = await launched();
    const at = addHours(LAUNCH, 1);

    // Act
    await advancePhase(store, engine, input('提前动员'), at);

    // Assess
    const advanced = stateOf(engine, 1);
    expect(advanced).toMatchObject({ phase: 'mobilize', phaseStatus: 'pending' });
    expect(advanced.next).toEqual({ at: iso(at), action: 'startPhase', moment: 'phaseStart' });
    expect((await store.getCampaign(CAMPAIGN))?.definition.phases).toMatchObject({
      mobilize: { start: '2027-02-20', end: '2027-02-28' },
    });
    const started = await step(store, advanced);
    expect(started.window).toEqual({ start: iso(at), end: '2027-02-28T16:00:00.000Z' });
  });

  it('ends the superseded generation: its step returns done and writes nothing', async () => {
    // Prepare
    const { store, engine, state } = await runningUntil(local('2027-02-24T10:00'));
    await advancePhase(store, engine, input('动员部署提前完成'), local('2027-02-24T10:00'));
    const writes = store.writes;
    const notifications = await store.listNotifications(CAMPAIGN);

    // Act: walk the old state on as if its execution had not been stopped
    const stale = await step(store, state);

    // Assess
    expect(stale.next).toEqual({ at: state.next.at, action: 'done', moment: state.lastMoment });
    expect(store.writes).toBe(writes);
    expect(await store.listNotifications(CAMPAIGN)).toEqual(notifications);
    expect((await store.getCheckpoint(CAMPAIGN))?.state?.generation).toBe(2);
  });

  it('refuses long-term upkeep, the last phase, naming it; nothing written', async () => {
    // Prepare
    const { store, engine } = await runningUntil(local('2027-04-02T10:00'));
    const before = await written(store);
    const writes = store.writes;

    // Act
    const error = await conflictOf(() =>
      advancePhase(store, engine, input('提前结束'), local('2027-04-02T10:00')),
    );

    // Assess
    expect(before.checkpoint?.state?.phase).toBe('longTerm');
    expect(error.message).toMatch(
      /long-term upkeep \(长效管理\) is the last phase; close the campaign instead/,
    );
    expect(store.writes).toBe(writes);
    expect(await written(store)).toEqual(before);
    expect(engine.starts).toHaveLength(1);
    expect(engine.stops).toEqual([]);
  });
});

describe('extendPhase', () => {
  it('moves the end of rectification and every later phase by the days given', async () => {
    // Prepare
    const { store, engine, state } = await runningUntil(local('2027-03-05T10:00'));
    const at = local('2027-03-05T10:00');
    // Everything queued so far has gone out (the walk runs the steps only, Notify runs here).
    await notifyPending(store, new RecordingNotifier(), state, { now: iso(at) });

    // Act
    const result = await extendPhase(store, engine, { ...input('整改任务量大'), days: 7 }, at);

    // Assess
    expect(result).toMatchObject({ status: 'running', generation: 2, executionName: 'minimal-2027-g2' });
    expect(engine.stops.map((s) => s.name)).toEqual(['minimal-2027-g1']);
    const extended = stateOf(engine, 1);
    expect(extended.window).toEqual({ start: state.window?.start, end: '2027-03-28T16:00:00.000Z' });
    expect(extended.next).toEqual(state.next);
    expect((await store.getCampaign(CAMPAIGN))?.definition.phases).toMatchObject({
      mobilize: { start: '2027-02-22', end: '2027-02-28' },
      rectify: { start: '2027-03-01', end: '2027-03-28' },
      inspect: { start: '2027-03-29', end: '2027-04-04' },
      longTerm: { start: '2027-04-05' },
    });
    expect((await store.listPhases(CAMPAIGN)).find((p) => p.phase === 'rectify')?.plannedEnd).toBe(
      '2027-03-28T16:00:00.000Z',
    );
    expect((await store.listAudit(CAMPAIGN)).at(-1)).toEqual({
      at: iso(at),
      actor: ADMIN,
      action: 'phase.extended',
      detail: {
        reason: '整改任务量大',
        phase: 'rectify',
        round: 0,
        days: 7,
        from: '2027-03-21T16:00:00.000Z',
        to: '2027-03-28T16:00:00.000Z',
        execution: 'minimal-2027-g2',
      },
    });

    // Act: the new generation runs rectification to its new end
    const { taken } = await walk(
      store,
      extended,
      (s) => s.phase === 'inspect' && s.phaseStatus === 'running',
    );

    // Assess: one more week of reports in rectification, and the inspection starts a week later
    expect(taken.filter((t) => t.moment === 'cutoff').map((t) => `${t.period} ${t.phase}`)).toEqual([
      '2027-03-08 rectify',
      '2027-03-15 rectify',
      '2027-03-22 rectify',
    ]);
    expect(taken.at(-1)).toMatchObject({
      action: 'startPhase',
      phase: 'inspect',
      at: '2027-03-28T16:00:00.000Z',
    });
  });

  it('extends a paused campaign in place: same generation, nothing started; the resume follows the new end', async () => {
    // Prepare
    const { store, engine } = await runningUntil(local('2027-03-05T10:00'));
    await pauseCampaign(store, engine, input(), local('2027-03-05T10:00'));

    // Act
    const result = await extendPhase(
      store,
      engine,
      { ...input('整改任务量大'), days: 3 },
      local('2027-03-05T11:00'),
    );
    await resumeCampaign(store, engine, input('督查结束'), local('2027-03-05T12:00'));

    // Assess
    expect(result).toMatchObject({ status: 'paused', generation: 1, executionName: null });
    expect(
      (await store.listAudit(CAMPAIGN)).find((a) => a.action === 'phase.extended')?.detail,
    ).not.toHaveProperty('execution');
    expect(engine.starts.map((s) => s.name)).toEqual(['minimal-2027-g1', 'minimal-2027-g2']);
    expect(stateOf(engine, 1).window?.end).toBe('2027-03-24T16:00:00.000Z');
  });

  it('refuses a phase that has not started yet, and long-term upkeep; nothing written', async () => {
    // Prepare: one campaign waiting for mobilisation, one in long-term upkeep
    const pending = await launched();
    const longTerm = await runningUntil(local('2027-04-02T10:00'));
    const before = [await written(pending.store), await written(longTerm.store)];

    // Act
    const notStarted = await conflictOf(() =>
      extendPhase(pending.store, pending.engine, { ...input('x'), days: 7 }, addHours(LAUNCH, 1)),
    );
    const endless = await conflictOf(() =>
      extendPhase(longTerm.store, longTerm.engine, { ...input('x'), days: 7 }, local('2027-04-02T10:00')),
    );

    // Assess
    expect(notStarted.message).toMatch(/cannot extend: phase mobilize has not started yet/);
    expect(endless.message).toMatch(/cannot extend: long-term upkeep \(长效管理\) has no end date/);
    expect([await written(pending.store), await written(longTerm.store)]).toEqual(before);
    expect([pending.engine.starts.length, longTerm.engine.starts.length]).toEqual([1, 1]);
  });
});

describe('extendPhase by other than 1 to 365 whole days', () => {
  it.each([0, -10, 1.5, 366, Number.NaN])(
    'refuses %s days with a ValidationError naming `days`; nothing written, nothing started',
    async (days) => {
      // Prepare
      const { store, engine } = await runningUntil(local('2027-03-05T10:00'));
      const before = await written(store);
      const writes = store.writes;

      // Act
      const error = await validationErrorOf(() =>
        extendPhase(store, engine, { ...input('整改任务量大'), days }, local('2027-03-05T10:00')),
      );

      // Assess
      expect(error.message).toMatch(/whole days, 1 to 365/);
      expect(error.issues.map((i) => i.path)).toEqual(['days']);
      expect(store.writes).toBe(writes);
      expect(await written(store)).toEqual(before);
      expect(engine.starts).toHaveLength(1);
      expect(engine.stops).toEqual([]);
    },
  );
});

describe('closeCampaign', () => {
  it('closes a running campaign and drains its outbox with a last short execution', async () => {
    // Prepare: the phase notices and the first reminders wait in the outbox
    const { store, engine } = await runningUntil(local('2027-03-03T10:00'));
    const at = local('2027-03-03T10:00');
    const waiting = await store.listNotifications(CAMPAIGN, 'pending');

    // Act
    const result = await closeCampaign(store, engine, input('上级通知提前结束'), at);

    // Assess
    expect(waiting.length).toBeGreaterThan(0);
    expect(result).toMatchObject({ status: 'closed', generation: 2, executionName: 'minimal-2027-g2' });
    expect(await store.getCampaign(CAMPAIGN)).toMatchObject({
      status: 'closed',
      closedAt: iso(at),
      generation: 2,
    });
    expect(await store.getCheckpoint(CAMPAIGN)).toMatchObject({ generation: 2, status: 'closed' });
    expect(engine.stops.map((s) => s.name)).toEqual(['minimal-2027-g1']);
    expect(engine.starts.map((s) => s.name)).toEqual(['minimal-2027-g1', 'minimal-2027-g2']);
    const drain = stateOf(engine, 1);
    expect(drain.next).toEqual({ at: iso(at), action: 'checkDeadlines', moment: 'heartbeat' });
    expect((await store.listAudit(CAMPAIGN)).at(-1)).toEqual({
      at: iso(at),
      actor: ADMIN,
      action: 'campaign.closed',
      detail: { reason: '上级通知提前结束', from: 'running', drainOutbox: 'minimal-2027-g2' },
    });

    // Act: the drain execution: one step that does no work, then Notify
    const writes = store.writes;
    const ended = await step(store, drain);
    const stepWrites = store.writes - writes;
    const notifier = new RecordingNotifier();
    const { state: notified } = await notifyPending(store, notifier, ended);

    // Assess: nothing left pending, no step work done, the execution ends
    expect(stepWrites).toBe(0);
    expect(ended.next.action).toBe('done');
    expect(ended.pendingNotifications).toBeGreaterThan(0);
    expect(notifier.sentIds.sort()).toEqual(waiting.map((n) => n.id).sort());
    expect(await store.listNotifications(CAMPAIGN, 'pending')).toEqual([]);
    expect(notified.pendingNotifications).toBe(0);
    expect(notified.notifyAt).toBeUndefined();
  });

  it('starts no drain execution when nothing waits in the outbox', async () => {
    // Prepare: launched, nothing has run yet
    const { store, engine } = await launched();

    // Act
    const result = await closeCampaign(store, engine, input('方案调整'), addHours(LAUNCH, 1));

    // Assess
    expect(await store.listNotifications(CAMPAIGN)).toEqual([]);
    expect(result).toMatchObject({ status: 'closed', executionName: null });
    expect(engine.starts.map((s) => s.name)).toEqual(['minimal-2027-g1']);
    expect(engine.stops.map((s) => s.name)).toEqual(['minimal-2027-g1']);
  });

  it('closes a paused campaign without stopping anything more, and a draft without starting anything', async () => {
    // Prepare
    const paused = await runningUntil(local('2027-03-03T10:00'));
    await pauseCampaign(paused.store, paused.engine, input(), local('2027-03-03T10:00'));
    const draft = { store: new MemoryCampaignStore(), engine: new RecordingEngine() };
    await createCampaign(draft.store, minimal(), LAUNCH, { actor: ADMIN });

    // Act
    await closeCampaign(paused.store, paused.engine, input('上级通知提前结束'), local('2027-03-04T10:00'));
    await closeCampaign(draft.store, draft.engine, input('方案作废'), addHours(LAUNCH, 1));

    // Assess
    expect(paused.engine.stops.map((s) => s.name)).toEqual(['minimal-2027-g1']);
    expect(paused.engine.starts.map((s) => s.name)).toEqual(['minimal-2027-g1', 'minimal-2027-g2']);
    expect((await paused.store.getCampaign(CAMPAIGN))?.pausedAt).toBeUndefined();
    expect(draft.engine.starts).toEqual([]);
    expect(draft.engine.stops).toEqual([]);
    expect(await draft.store.getCampaign(CAMPAIGN)).toMatchObject({ status: 'closed' });
  });

  it('closes a failed campaign and sends its failure notice, if it still waits, in the drain execution', async () => {
    // Prepare: a step failed; its notice to the office waits in the outbox
    const { store, engine, state } = await launched();
    await recordFailure(store, { state, error: { Error: 'Lambda.Unknown', Cause: 'boom' } });

    // Act
    const result = await closeCampaign(store, engine, input('修正方案后重新发起'), addHours(LAUNCH, 2));

    // Assess
    expect(result).toMatchObject({ status: 'closed', executionName: 'minimal-2027-g2' });
    expect(engine.stops).toEqual([]);
    const drained = await step(store, stateOf(engine, 1));
    const notifier = new RecordingNotifier();
    await notifyPending(store, notifier, drained, { now: iso(addHours(LAUNCH, 2)) });
    expect((await store.listNotifications(CAMPAIGN)).map((n) => [n.kind, n.status])).toEqual([
      ['workflowFailure', 'sent'],
    ]);
  });

  it('refuses reports and hazard commands once closed', async () => {
    // Prepare
    const { store, engine } = await runningUntil(local('2027-03-03T10:00'));
    await closeCampaign(store, engine, input('上级通知提前结束'), local('2027-03-03T10:00'));
    const writes = store.writes;

    // Act
    const report = await conflictOf(() =>
      submitReport(
        store,
        { campaignId: CAMPAIGN, unitId: 'police-station', period: '2027-03-08', content: { progress: 'x' } },
        local('2027-03-04T10:00'),
      ),
    );
    const hazard = await conflictOf(() =>
      reportHazard(
        store,
        {
          campaignId: CAMPAIGN,
          actor: '陈刚',
          report: {
            unitId: 'dongfeng-grid-1',
            location: '幸福路12号',
            category: '消防通道',
            description: '堆放杂物',
            urgency: 'yellow',
            reportedBy: '陈刚',
          },
        },
        local('2027-03-04T10:00'),
      ),
    );

    // Assess
    expect(report.message).toBe('campaign "minimal-2027" is closed');
    expect(hazard.message).toBe('campaign "minimal-2027" is closed');
    expect(store.writes).toBe(writes);
  });
});

describe('refusals', () => {
  /** The minimal campaign in each status a control can meet. */
  const inStatus = async (status: CampaignStatus) => {
    if (status === 'draft') {
      const store = new MemoryCampaignStore();
      await createCampaign(store, minimal(), LAUNCH, { actor: ADMIN });
      return { store, engine: new RecordingEngine() };
    }
    const run = await runningUntil(local('2027-03-03T10:00'));
    const at = local('2027-03-03T10:00');
    if (status === 'paused') await pauseCampaign(run.store, run.engine, input(), at);
    if (status === 'closed') await closeCampaign(run.store, run.engine, input(), at);
    if (status === 'failed')
      await recordFailure(run.store, { state: run.state, error: { Error: 'Lambda.Unknown', Cause: 'boom' } });
    return { store: run.store, engine: run.engine };
  };

  const AT = local('2027-03-04T10:00');
  const CONTROLS = {
    pause: (s: MemoryCampaignStore, e: RecordingEngine, reason?: string) =>
      pauseCampaign(s, e, input(reason), AT),
    resume: (s: MemoryCampaignStore, e: RecordingEngine, reason?: string) =>
      resumeCampaign(s, e, input(reason), AT),
    advance: (s: MemoryCampaignStore, e: RecordingEngine, reason?: string) =>
      advancePhase(s, e, input(reason), AT),
    extend: (s: MemoryCampaignStore, e: RecordingEngine, reason?: string) =>
      extendPhase(s, e, { ...input(reason), days: 7 }, AT),
    close: (s: MemoryCampaignStore, e: RecordingEngine, reason?: string) =>
      closeCampaign(s, e, input(reason), AT),
  };

  it.each([
    ['pause', 'draft', 'cannot pause: campaign "minimal-2027" has not been launched yet'],
    ['pause', 'paused', 'cannot pause: campaign "minimal-2027" is paused (since 2027-03-03T02:00:00.000Z)'],
    ['pause', 'closed', 'cannot pause: campaign "minimal-2027" is closed (since 2027-03-03T02:00:00.000Z)'],
    [
      'pause',
      'failed',
      'cannot pause: campaign "minimal-2027" has failed; close it and launch a corrected campaign',
    ],
    ['resume', 'draft', 'cannot resume: campaign "minimal-2027" has not been launched yet'],
    ['resume', 'running', 'cannot resume: campaign "minimal-2027" is running'],
    ['resume', 'closed', 'cannot resume: campaign "minimal-2027" is closed (since 2027-03-03T02:00:00.000Z)'],
    [
      'resume',
      'failed',
      'cannot resume: campaign "minimal-2027" has failed; close it and launch a corrected campaign',
    ],
    ['advance', 'draft', 'cannot advance the phase: campaign "minimal-2027" has not been launched yet'],
    [
      'advance',
      'paused',
      'cannot advance the phase: campaign "minimal-2027" is paused (since 2027-03-03T02:00:00.000Z)',
    ],
    [
      'advance',
      'closed',
      'cannot advance the phase: campaign "minimal-2027" is closed (since 2027-03-03T02:00:00.000Z)',
    ],
    [
      'advance',
      'failed',
      'cannot advance the phase: campaign "minimal-2027" has failed; close it and launch a corrected campaign',
    ],
    ['extend', 'draft', 'cannot extend the phase: campaign "minimal-2027" has not been launched yet'],
    [
      'extend',
      'closed',
      'cannot extend the phase: campaign "minimal-2027" is closed (since 2027-03-03T02:00:00.000Z)',
    ],
    [
      'extend',
      'failed',
      'cannot extend the phase: campaign "minimal-2027" has failed; close it and launch a corrected campaign',
    ],
    ['close', 'closed', 'cannot close: campaign "minimal-2027" is closed (since 2027-03-03T02:00:00.000Z)'],
  ] as const)(
    '%s of a %s campaign: ConflictError, nothing written, nothing started or stopped',
    async (control, status, message) => {
      // Prepare
      const { store, engine } = await inStatus(status);
      const before = await written(store);
      const writes = store.writes;
      const [starts, stops] = [engine.starts.length, engine.stops.length];

      // Act
      const error = await conflictOf(() => CONTROLS[control](store, engine));

      // Assess
      expect(before.campaign?.status).toBe(status);
      expect(error.message).toBe(message);
      expect(store.writes).toBe(writes);
      expect(await written(store)).toEqual(before);
      expect([engine.starts.length, engine.stops.length]).toEqual([starts, stops]);
    },
  );

  it.each(Object.keys(CONTROLS) as (keyof typeof CONTROLS)[])(
    '%s without a reason: ValidationError naming `reason`, nothing written',
    async (control) => {
      for (const reason of ['', '   ', 'x'.repeat(501)]) {
        // Prepare: a campaign in a status the control accepts
        const { store, engine } = await inStatus(control === 'resume' ? 'paused' : 'running');
        const before = await written(store);
        const writes = store.writes;

        // Act
        const error = await validationErrorOf(() => CONTROLS[control](store, engine, reason));

        // Assess
        expect(error).toBeInstanceOf(ValidationError);
        expect(error.message).toMatch(/needs a reason/);
        expect(error.issues.map((i) => i.path)).toEqual(['reason']);
        expect(store.writes).toBe(writes);
        expect(await written(store)).toEqual(before);
      }
    },
  );
});

describe('applyControl against a workflow that moved on', () => {
  it('refuses a pause when a step saved its checkpoint between the read and the write: ConflictError, nothing written', async () => {
    // Prepare
    const store = new HookedStore();
    const engine = new RecordingEngine();
    await launchCampaign(store, engine, minimal(), LAUNCH, { actor: ADMIN });
    const { state } = await walk(
      store,
      stateOf(engine, 0),
      (s) => instant(s.next.at) > local('2027-03-06T12:00'),
    );
    let before: Awaited<ReturnType<typeof written>> | undefined;
    store.afterCheckpointRead = async () => {
      await step(store, state);
      before = await written(store);
    };

    // Act
    const error = await conflictOf(() => pauseCampaign(store, engine, input(), local('2027-03-06T12:00')));

    // Assess
    expect(error.message).toBe(
      'campaign "minimal-2027" changed meanwhile (its workflow moved on); try again',
    );
    expect(before?.checkpoint?.state?.steps).toBe(state.steps + 1);
    expect(await written(store)).toEqual(before);
    expect(engine.stops).toEqual([]);
  });

  it('refuses a change expecting a stale revision, generation or status, all or nothing', async () => {
    // Prepare
    const { store, state } = await runningUntil(local('2027-03-06T12:00'));
    const checkpoint = await store.getCheckpoint(CAMPAIGN);
    const at = iso(local('2027-03-06T12:00'));
    const change = {
      expect: { generation: 1, status: ['running'] as const, rev: checkpoint?.rev ?? '' },
      set: { status: 'paused' as const, pausedAt: at },
      checkpoint: { generation: 1, status: 'paused' as const, state },
      audit: { at, actor: ADMIN, action: 'campaign.paused', detail: {} },
      phase: { phase: 'rectify' as const, round: 0, startedAt: at, plannedEnd: null },
    };
    const before = await written(store);

    // Act
    const refusals = await Promise.all(
      [
        { ...change, expect: { ...change.expect, rev: 'stale' } },
        { ...change, expect: { ...change.expect, generation: 2 } },
        { ...change, expect: { ...change.expect, status: ['paused'] as const } },
      ].map((c) => conflictOf(() => store.applyControl(CAMPAIGN, c))),
    );

    // Assess
    expect(refusals.map((e) => e.name)).toEqual(['ConflictError', 'ConflictError', 'ConflictError']);
    expect(await written(store)).toEqual(before);
  });
});

describe('campaignStatus', () => {
  it('shows the timeline and the coming ticks in order, the first being the checkpoint’s next step', async () => {
    // Prepare: rectification runs
    const { store, state } = await runningUntil(local('2027-03-03T10:00'));

    // Act
    const view = await campaignStatus(store, CAMPAIGN);

    // Assess
    expect(view.campaign).toMatchObject({
      id: CAMPAIGN,
      status: 'running',
      generation: 1,
      phase: 'rectify',
      timeZone: 'Asia/Shanghai',
    });
    expect(view.timeline.map((t) => `${t.phase} ${t.status}`)).toEqual([
      'mobilize done',
      'rectify running',
      'inspect planned',
      'longTerm planned',
    ]);
    expect(view.workflow.next).toEqual(state.next);
    const ticks = view.workflow.upcoming;
    expect(ticks[0]).toEqual({ at: state.next.at, moment: state.next.moment, period: state.next.period });
    expect(ticks.map((t) => t.at)).toEqual([...ticks.map((t) => t.at)].sort());
    expect(ticks.at(-1)).toEqual({ at: '2027-03-21T16:00:00.000Z', moment: 'phaseEnd' });
    expect(ticks.filter((t) => t.moment === 'cutoff').map((t) => t.period)).toEqual([
      '2027-03-08',
      '2027-03-15',
    ]);
    expect(view.recent[0]?.action).toBe('phase.started');
  });

  it('shows a paused campaign with the step its resume continues with', async () => {
    // Prepare
    const { store, engine, state } = await runningUntil(local('2027-03-03T10:00'));
    await pauseCampaign(store, engine, input(), local('2027-03-03T10:00'));

    // Act
    const view = await campaignStatus(store, CAMPAIGN);

    // Assess
    expect(view.campaign).toMatchObject({ status: 'paused', pausedAt: iso(local('2027-03-03T10:00')) });
    expect(view.workflow.next).toEqual(state.next);
    expect(view.workflow.upcoming[0]?.at).toBe(state.next.at);
    expect(view.recent[0]).toMatchObject({
      action: 'campaign.paused',
      actor: ADMIN,
      detail: { reason: REASON },
    });
  });

  it('shows no next step and no ticks once closed, and the close first among the recent entries', async () => {
    // Prepare
    const { store, engine } = await runningUntil(local('2027-03-03T10:00'));
    await closeCampaign(store, engine, input('上级通知提前结束'), local('2027-03-03T10:00'));

    // Act
    const view = await campaignStatus(store, CAMPAIGN);

    // Assess
    expect(view.campaign).toMatchObject({ status: 'closed', closedAt: iso(local('2027-03-03T10:00')) });
    expect(view.workflow).toEqual({ upcoming: [] });
    expect(view.recent[0]).toMatchObject({ action: 'campaign.closed', actor: ADMIN });
  });
});

describe('what waits in the outbox when a control starts a new generation', () => {
  /**
   * Mobilisation starts at local midnight, inside quiet hours: Notify holds the phase notices until
   * 07:30 and the execution waits for them (notifyAt). Its next step is days away (the phase end).
   */
  const heldUntilMorning = async () => {
    const run = await launched();
    const started = await step(run.store, run.state);
    const { state } = await notifyPending(run.store, new RecordingNotifier(), started);
    return { ...run, state };
  };

  it('is sent when due after a resume, not held until the next planned step', async () => {
    // Prepare
    const { store, engine, state } = await heldUntilMorning();
    await pauseCampaign(store, engine, input(), local('2027-02-22T07:00'));
    const resumeAt = local('2027-02-22T08:00');

    // Act
    await resumeCampaign(store, engine, input('督查结束'), resumeAt);

    // Assess: the new execution wakes now for the held notices, then goes on to the phase end
    expect(state.notifyAt).toBe(iso(local('2027-02-22T07:30')));
    const resumed = stateOf(engine, 1);
    expect(resumed.next).toEqual({ at: iso(resumeAt), action: 'checkDeadlines', moment: 'heartbeat' });
    const woken = await step(store, resumed);
    const notifier = new RecordingNotifier();
    await notifyPending(store, notifier, woken);
    expect(notifier.sent.length).toBeGreaterThan(0);
    expect(await store.listNotifications(CAMPAIGN, 'pending')).toEqual([]);
    expect(woken.next).toEqual({ at: '2027-02-28T16:00:00.000Z', action: 'closePhase', moment: 'phaseEnd' });
  });

  it('is sent when due after an extension, not held until the next planned step', async () => {
    // Prepare
    const { store, engine, state } = await heldUntilMorning();

    // Act
    await extendPhase(store, engine, { ...input('动员范围扩大'), days: 2 }, local('2027-02-22T07:00'));

    // Assess: it wakes at the end of quiet hours, then goes on to the moved phase end
    const extended = stateOf(engine, 1);
    expect(extended.next).toEqual({ at: state.notifyAt, action: 'checkDeadlines', moment: 'heartbeat' });
    const woken = await step(store, extended);
    expect(woken.pendingNotifications).toBeGreaterThan(0);
    expect(woken.next).toEqual({ at: '2027-03-02T16:00:00.000Z', action: 'closePhase', moment: 'phaseEnd' });
  });
});
