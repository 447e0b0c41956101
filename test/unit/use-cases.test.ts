import { addHours } from 'date-fns';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CampaignDefinition } from '../../functions/shared/domain/definition.ts';
import { NotFoundError } from '../../functions/shared/domain/errors.ts';
import { toNotification } from '../../functions/shared/domain/notifications.ts';
import type { Notification, TaskRecord } from '../../functions/shared/domain/records.ts';
import { daysAfter, instant, iso } from '../../functions/shared/domain/schedule.ts';
import { CampaignState } from '../../functions/shared/domain/state.ts';
import { completeTask, recordInspection } from '../../functions/shared/use-cases/actors.ts';
import { checkDeadlines } from '../../functions/shared/use-cases/check-deadlines.ts';
import { collectReports as collectReportsWith } from '../../functions/shared/use-cases/collect-reports.ts';
import { continueAsNew } from '../../functions/shared/use-cases/continue-campaign.ts';
import { closeCampaign } from '../../functions/shared/use-cases/controls.ts';
import { launchCampaign } from '../../functions/shared/use-cases/launch-campaign.ts';
import { NOTIFY_BATCH, notifyPending } from '../../functions/shared/use-cases/notify.ts';
import { acceptanceGate, startPhase } from '../../functions/shared/use-cases/phase-steps.ts';
import { submitReport } from '../../functions/shared/use-cases/submit-report.ts';
import { campaignWalk, type StepAction } from '../support/campaign-walk.ts';
import {
  MemoryBulletinArchive,
  MemoryCampaignStore,
  RecordingEngine,
  RecordingNotifier,
} from '../support/memory-store.ts';

const collectReports = (store: MemoryCampaignStore, state: CampaignState) =>
  collectReportsWith(store, new MemoryBulletinArchive(), state);

const {
  CAMPAIGN,
  LAUNCH,
  minimal,
  STEPS,
  step,
  walk,
  launched,
  nextIs,
  unitsOf,
  newSince,
  validationErrorOf,
} = campaignWalk();

describe('MemoryCampaignStore (the test double follows the DynamoDB adapter)', () => {
  const task = (
    id: string,
    nextCheckAt: string | undefined,
    status: 'open' | 'done' = 'open',
  ): TaskRecord => ({
    id,
    title: id,
    lead: 'police-station',
    participants: [],
    dueAt: '2027-03-12T16:00:00.000Z',
    status,
    nextCheckAt,
    notified: [],
  });

  it('reads the sparse deadline index: open tasks with a next check, inclusive of upTo', async () => {
    // Prepare
    const store = new MemoryCampaignStore();
    await store.putTask(CAMPAIGN, task('b', '2027-03-11T16:00:00.000Z'));
    await store.putTask(CAMPAIGN, task('a', '2027-03-11T16:00:00.000Z'));
    await store.putTask(CAMPAIGN, task('later', '2027-03-20T00:00:00.000Z'));
    await store.putTask(CAMPAIGN, task('done', '2027-03-01T00:00:00.000Z', 'done'));
    await store.putTask(CAMPAIGN, task('unscheduled', undefined));

    // Act
    const due = await store.itemsDue(CAMPAIGN, '2027-03-11T16:00:00.000Z');
    const earliest = await store.earliestItemDue(CAMPAIGN);
    const none = await new MemoryCampaignStore().earliestItemDue(CAMPAIGN);

    // Assess
    expect(due.map((t) => t.id)).toEqual(['a', 'b']);
    expect(earliest).toBe('2027-03-11T16:00:00.000Z');
    expect(none).toBeNull();
  });

  it('keeps one notification per id and hands out pending ones by createdAt, then id', async () => {
    // Prepare
    const store = new MemoryCampaignStore();
    const n = (id: string, createdAt: string): Notification => ({
      id,
      campaignId: CAMPAIGN,
      kind: 'phaseStart',
      recipient: { key: 'office:head', role: 'office', person: { name: '李明' } },
      subject: id,
      body: id,
      channel: 'none',
      language: 'zh-CN',
      urgent: false,
      createdAt,
      status: 'pending',
      attempts: 0,
    });

    // Act
    const first = await store.enqueueNotifications([
      n('z', '2027-03-01T00:00:00.000Z'),
      n('y', '2027-03-02T00:00:00.000Z'),
      n('x', '2027-03-02T00:00:00.000Z'),
    ]);
    const again = await store.enqueueNotifications([
      n('x', '2027-03-09T00:00:00.000Z'),
      n('w', '2027-03-03T00:00:00.000Z'),
    ]);
    await store.markNotification(CAMPAIGN, 'z', {
      status: 'sent',
      at: '2027-03-04T00:00:00.000Z',
      deliveryId: 'd-z',
    });
    const pending = await store.pendingNotifications(CAMPAIGN, 2);

    // Assess
    expect([first, again]).toEqual([3, 1]);
    expect(pending.map((p) => p.id)).toEqual(['x', 'y']);
    expect((await store.listNotifications(CAMPAIGN)).find((p) => p.id === 'z')).toMatchObject({
      status: 'sent',
      sentAt: '2027-03-04T00:00:00.000Z',
      attempts: 1,
    });
  });
});

describe('launchCampaign', () => {
  it('writes the campaign, units and tasks, and starts <id>-g1 waiting for mobilisation to start', async () => {
    // Prepare
    const store = new MemoryCampaignStore();
    const engine = new RecordingEngine();

    // Act
    const result = await launchCampaign(store, engine, minimal(), LAUNCH, { actor: 'office-admin' });

    // Assess
    expect(result).toEqual({ campaignId: CAMPAIGN, executionName: 'minimal-2027-g1', started: true });
    expect(engine.starts.map((s) => s.name)).toEqual(['minimal-2027-g1']);
    const state = CampaignState.parse(engine.starts[0]?.input);
    expect(state).toMatchObject({
      campaignId: CAMPAIGN,
      generation: 1,
      generationStartedAt: '2027-02-20T01:00:00.000Z',
      phase: 'mobilize',
      round: 0,
      phaseStatus: 'pending',
      steps: 0,
      next: { at: '2027-02-21T16:00:00.000Z', action: 'startPhase', moment: 'phaseStart' },
    });
    expect(await store.getCampaign(CAMPAIGN)).toMatchObject({
      status: 'running',
      generation: 1,
      executionName: 'minimal-2027-g1',
      unitCount: 3,
    });
    expect((await store.listUnits(CAMPAIGN)).map((u) => u.id)).toEqual([
      'dongfeng-community',
      'dongfeng-grid-1',
      'police-station',
    ]);
    // The first check of a task is its due-soon reminder, 24 h before its end-of-day deadline.
    expect(await store.getTask(CAMPAIGN, 'shop-fire-check')).toMatchObject({
      dueAt: '2027-03-12T16:00:00.000Z',
      nextCheckAt: '2027-03-11T16:00:00.000Z',
      status: 'open',
    });
    expect((await store.listAudit(CAMPAIGN)).map((a) => a.action)).toEqual([
      'campaign.created',
      'campaign.launched',
    ]);
  });

  it('is idempotent: a second launch writes nothing and starts no second execution', async () => {
    // Prepare
    const store = new MemoryCampaignStore();
    const engine = new RecordingEngine();
    await launchCampaign(store, engine, minimal(), LAUNCH, { actor: 'office-admin' });
    const writes = store.writes;

    // Act
    const again = await launchCampaign(store, engine, minimal(), addHours(LAUNCH, 1), {
      actor: 'someone-else',
    });

    // Assess
    expect(again).toEqual({ campaignId: CAMPAIGN, executionName: 'minimal-2027-g1', started: false });
    expect(store.writes).toBe(writes);
    expect(engine.starts).toHaveLength(1);
    expect(engine.refused).toEqual([]);
    expect(await store.listAudit(CAMPAIGN)).toHaveLength(2);
  });

  it('starts at once when launched after the defined mobilisation start', async () => {
    // Prepare
    const store = new MemoryCampaignStore();
    const engine = new RecordingEngine();
    const late = instant('2027-02-23T10:00:00+08:00');

    // Act
    await launchCampaign(store, engine, minimal(), late, { actor: 'office-admin' });

    // Assess
    expect(engine.starts[0]?.input.next).toEqual({
      at: '2027-02-23T02:00:00.000Z',
      action: 'startPhase',
      moment: 'phaseStart',
    });
  });
});

describe('the workflow, step by step from launch to long-term management', () => {
  it('runs mobilize → rectify → inspect → gate → longTerm, closing each bounded phase', async () => {
    // Prepare
    const { store, state } = await launched();

    // Act
    const { state: end, taken } = await walk(
      store,
      state,
      (s) => s.phase === 'longTerm' && s.phaseStatus === 'running',
    );

    // Assess
    const lifecycle = taken
      .filter((t) => t.action === 'startPhase' || t.action === 'closePhase' || t.action === 'gate')
      .map((t) => `${t.action}:${t.phase}`);
    expect(lifecycle).toEqual([
      'startPhase:mobilize',
      'closePhase:mobilize',
      'startPhase:rectify',
      'closePhase:rectify',
      'startPhase:inspect',
      'closePhase:inspect',
      'gate:inspect',
      'startPhase:longTerm',
    ]);
    // Time never runs backwards, and report moments happen only in the reporting phases.
    const instants = taken.map((t) => t.at);
    expect(instants).toEqual([...instants].sort());
    const reports = taken.filter((t) => t.action === 'collectReports');
    expect(new Set(reports.map((t) => t.phase))).toEqual(new Set(['rectify', 'inspect']));
    expect(reports.filter((t) => t.moment === 'cutoff').map((t) => t.period)).toEqual([
      '2027-03-01',
      '2027-03-08',
      '2027-03-15',
      '2027-03-22',
    ]);
    // Each of the 3 tasks, none of them done: a due-soon check, then a check a day for each rung of
    // the escalation ladder (liaison, leader, office, leading group); the walk ends before the last
    // task's fourth rung (2027-03-29), which is the next wake.
    expect(taken.filter((t) => t.action === 'checkDeadlines')).toHaveLength(14);
    expect(end).toMatchObject({
      phase: 'longTerm',
      round: 0,
      window: { start: '2027-03-28T16:00:00.000Z', end: null },
    });
    expect(end.next).toEqual({
      at: '2027-03-29T16:00:00.000Z',
      action: 'checkDeadlines',
      moment: 'deadlines',
    });
    const phases = await store.listPhases(CAMPAIGN);
    expect(phases.map((p) => [p.phase, p.closedAt ?? null])).toEqual([
      ['mobilize', '2027-02-28T16:00:00.000Z'],
      ['rectify', '2027-03-21T16:00:00.000Z'],
      ['inspect', '2027-03-28T16:00:00.000Z'],
      ['longTerm', null],
    ]);
  });

  it('sends a unit scored under the pass score back to rectification, alone, in round 1', async () => {
    // Prepare
    const { store, state } = await launched();
    const { state: atGate } = await walk(store, state, nextIs('gate'));
    const gateAt = instant(atGate.next.at);
    await recordInspection(
      store,
      { campaignId: CAMPAIGN, unitId: 'police-station', round: 0, score: 60, inspector: '李明' },
      gateAt,
    );
    await recordInspection(
      store,
      { campaignId: CAMPAIGN, unitId: 'dongfeng-community', round: 0, score: 92, inspector: '李明' },
      gateAt,
    );

    // Act
    const afterGate = await acceptanceGate(store, atGate);
    const before = await store.listNotifications(CAMPAIGN);
    const started = await startPhase(store, afterGate);
    const phaseNotices = newSince(before, await store.listNotifications(CAMPAIGN));
    const { state: atCutoff } = await walk(store, started, nextIs('collectReports', 'cutoff'));
    const afterCutoff = await collectReports(store, atCutoff);

    // Assess
    expect(afterGate).toMatchObject({ phase: 'rectify', round: 1, phaseStatus: 'pending' });
    expect(afterGate.next).toEqual({ at: iso(gateAt), action: 'startPhase', moment: 'phaseStart' });
    expect((await store.getCampaign(CAMPAIGN))?.reRectifyUnits).toEqual(['police-station']);
    // 14 days of re-rectification, counted from the gate.
    expect(started.window).toEqual({ start: '2027-03-28T16:00:00.000Z', end: '2027-04-11T16:00:00.000Z' });
    expect(phaseNotices.filter((n) => n.recipient.role === 'liaison').map((n) => n.recipient.unitId)).toEqual(
      ['police-station'],
    );
    expect(afterCutoff.round).toBe(1);
    const outcome = (await store.listPeriodOutcomes(CAMPAIGN)).find((o) => o.period === atCutoff.next.period);
    expect(outcome).toMatchObject({ phase: 'rectify', round: 1, expected: ['police-station'] });
  });

  it('moves to long-term management after maxReRectifyRounds failed gates', async () => {
    // Prepare
    const { store, state } = await launched();
    const failEveryGate = async (s: CampaignState): Promise<void> => {
      if (s.next.action !== 'gate') return;
      await recordInspection(
        store,
        { campaignId: CAMPAIGN, unitId: 'police-station', round: s.round, score: 50, inspector: '李明' },
        instant(s.next.at),
      );
    };

    // Act
    const { state: end, taken } = await walk(
      store,
      state,
      (s) => s.phase === 'longTerm' && s.phaseStatus === 'running',
      failEveryGate,
    );

    // Assess
    expect(taken.filter((t) => t.action === 'gate').map((t) => t.round)).toEqual([0, 1, 2]);
    const gates = (await store.listAudit(CAMPAIGN)).filter((a) => a.action === 'acceptance.gate');
    expect(gates.map((g) => g.detail.reRectify)).toEqual([true, true, false]);
    expect(end).toMatchObject({ phase: 'longTerm', round: 0 });
    expect((await store.getCampaign(CAMPAIGN))?.reRectifyUnits).toEqual([]);
  });

  describe('after an administrator closes the campaign', () => {
    let store: MemoryCampaignStore;
    let waiting: CampaignState;

    beforeEach(async () => {
      const run = await launched();
      store = run.store;
      waiting = (await walk(store, run.state, nextIs('collectReports', 'reminder'))).state;
      await closeCampaign(
        store,
        new RecordingEngine(),
        { campaignId: CAMPAIGN, actor: '王建国', reason: '提前完成' },
        instant('2027-02-28T20:00:00+08:00'),
      );
    });

    it.each(Object.keys(STEPS) as StepAction[])('%s returns action done and does no work', async (action) => {
      // Prepare
      const writes = store.writes;
      const notifications = await store.listNotifications(CAMPAIGN);

      // Act
      const next = await STEPS[action](store, waiting);

      // Assess
      expect(next.next).toEqual({ at: waiting.next.at, action: 'done', moment: waiting.lastMoment });
      expect(store.writes).toBe(writes);
      expect(await store.listNotifications(CAMPAIGN)).toEqual(notifications);
      expect(await store.listPeriodOutcomes(CAMPAIGN)).toEqual([]);
    });
  });
});

describe('advance and continueAsNew', () => {
  it('continues as new once the step limit is reached, resuming with the step that would have come next', async () => {
    // Prepare
    const limited = await launched({ limits: { maxGenerationSteps: 3 } });
    const unlimited = await launched();
    const stepsTaken = (n: number) => (s: CampaignState) => s.steps === n;
    const { state: atLimit } = await walk(limited.store, limited.state, stepsTaken(3));
    const { state: reference } = await walk(unlimited.store, unlimited.state, stepsTaken(3));

    // Act
    const ended = await continueAsNew(limited.store, limited.engine, atLimit);

    // Assess
    expect(atLimit.next).toEqual({ at: atLimit.at, action: 'continueAsNew', moment: 'phaseStart' });
    expect(reference.next.action).not.toBe('continueAsNew');
    expect(limited.engine.starts.map((s) => s.name)).toEqual(['minimal-2027-g1', 'minimal-2027-g2']);
    const resumed = CampaignState.parse(limited.engine.starts[1]?.input);
    expect(resumed).toMatchObject({
      generation: 2,
      generationStartedAt: atLimit.next.at,
      steps: 0,
      phase: reference.phase,
      phaseStatus: 'running',
      window: reference.window,
    });
    expect(resumed.next).toEqual(reference.next);
    expect(ended.next.action).toBe('done');
    expect(await limited.store.getCampaign(CAMPAIGN)).toMatchObject({
      generation: 2,
      executionName: 'minimal-2027-g2',
    });
  });

  it('continues as new at the end of a generation older than maxGenerationDays, waking no later', async () => {
    // Prepare
    const { store, engine, state } = await launched({ limits: { maxGenerationDays: 10 } });
    const generationEnd = daysAfter(LAUNCH, 10, 'UTC');

    // Act
    const { state: end, taken } = await walk(store, state, nextIs('continueAsNew'));
    await continueAsNew(store, engine, end);

    // Assess
    // The 2027-03-01 cutoff is the last step inside the 10 days; the next reminder (03-07) would be past them.
    expect(taken.at(-1)).toMatchObject({ at: '2027-03-01T05:00:00.000Z', moment: 'cutoff' });
    for (const t of taken) expect(instant(t.at) <= generationEnd).toBe(true);
    expect(end.next).toMatchObject({ at: iso(generationEnd), action: 'continueAsNew' });
    const resumed = CampaignState.parse(engine.starts[1]?.input);
    expect(resumed).toMatchObject({ generation: 2, generationStartedAt: iso(generationEnd), steps: 0 });
    expect(resumed.next).toEqual({
      at: '2027-03-07T05:00:00.000Z',
      action: 'collectReports',
      moment: 'reminder',
      period: '2027-03-08',
    });
  });

  it('is idempotent when the continue step is retried: <id>-g2 is started once', async () => {
    // Prepare
    const { store, engine, state } = await launched({ limits: { maxGenerationSteps: 3 } });
    const { state: atLimit } = await walk(store, state, (s) => s.steps === 3);
    await continueAsNew(store, engine, atLimit);

    // Act
    await continueAsNew(store, engine, atLimit);

    // Assess
    expect(engine.starts.map((s) => s.name)).toEqual(['minimal-2027-g1', 'minimal-2027-g2']);
    expect(engine.refused).toEqual([]);
    expect((await store.listAudit(CAMPAIGN)).filter((a) => a.action === 'execution.continued')).toHaveLength(
      1,
    );
  });
});

describe('submitReport (weekly cutoff Monday 13:00, Asia/Shanghai)', () => {
  const content = {
    progress: '本周排查沿街商铺12家，发现隐患3处，已整改2处。',
    counts: { sitesChecked: 12 },
  };
  let store: MemoryCampaignStore;

  beforeEach(async () => {
    store = (await launched()).store;
  });

  const submit = (at: string, overrides: { unitId?: string; period?: string; content?: unknown } = {}) =>
    submitReport(
      store,
      {
        campaignId: CAMPAIGN,
        unitId: overrides.unitId ?? 'police-station',
        period: overrides.period ?? '2027-03-08',
        content: overrides.content ?? content,
      },
      instant(at),
    );

  it('takes a report at 12:59:59 as on time', async () => {
    // Act
    const record = await submit('2027-03-08T12:59:59+08:00');

    // Assess
    expect(record).toMatchObject({
      cutoff: '2027-03-08T05:00:00.000Z',
      submittedAt: '2027-03-08T04:59:59.000Z',
      onTime: true,
      lateBySeconds: 0,
    });
    expect(await store.listReports(CAMPAIGN, '2027-03-08')).toEqual([record]);
  });

  it('takes a report at 13:00:01 as late by 1 second', async () => {
    // Act
    const record = await submit('2027-03-08T13:00:01+08:00');

    // Assess
    expect(record).toMatchObject({ onTime: false, lateBySeconds: 1 });
  });

  it('takes a report at exactly 13:00:00 as late', async () => {
    // Act
    const record = await submit('2027-03-08T13:00:00+08:00');

    // Assess
    expect(record.onTime).toBe(false);
  });

  it('opens the next period at the previous cutoff, and refuses a period not open yet', async () => {
    // Prepare
    const justBefore = '2027-03-08T12:59:59+08:00';

    // Act
    const error = await validationErrorOf(() => submit(justBefore, { period: '2027-03-15' }));
    const atOpening = await submit('2027-03-08T13:00:00+08:00', { period: '2027-03-15' });

    // Assess
    expect(error.issues.map((i) => i.path)).toEqual(['period']);
    expect(error.message).toContain('2027-03-15');
    expect(atOpening.onTime).toBe(true);
    expect(await store.listReports(CAMPAIGN, '2027-03-15')).toEqual([atOpening]);
  });

  it('refuses a period that is not a cutoff date, naming `period`', async () => {
    // Act
    const error = await validationErrorOf(() =>
      submit('2027-03-09T10:00:00+08:00', { period: '2027-03-09' }),
    );

    // Assess
    expect(error.name).toBe('ValidationError');
    expect(error.issues.map((i) => i.path)).toEqual(['period']);
    expect(await store.listReports(CAMPAIGN)).toEqual([]);
  });

  it('refuses a malformed period (not a date) with a ValidationError naming `period`', async () => {
    for (const period of ['not-a-date', '2027-02-30']) {
      const error = await validationErrorOf(() => submit('2027-03-08T10:00:00+08:00', { period }));
      expect(error.issues.map((i) => i.path)).toEqual(['period']);
    }
    expect(await store.listReports(CAMPAIGN)).toEqual([]);
  });

  it('refuses a unit that is not part of the campaign with NotFoundError', async () => {
    // Act
    const act = submit('2027-03-08T10:00:00+08:00', { unitId: 'fire-brigade' });

    // Assess
    await expect(act).rejects.toBeInstanceOf(NotFoundError);
    await expect(act).rejects.toThrow(/fire-brigade/);
    expect(await store.listReports(CAMPAIGN)).toEqual([]);
  });

  it.each([
    {
      name: 'a negative count',
      content: { progress: '已排查', counts: { hazardsFound: -1 } },
      path: 'content.counts.hazardsFound',
      message: /.+/,
    },
    {
      name: 'progress over 10,000 characters',
      content: { progress: '查'.repeat(10_001) },
      path: 'content.progress',
      message: /.+/,
    },
    {
      name: 'an unknown field',
      content: { progress: '已排查', attachments: ['a.jpg'] },
      path: 'content',
      message: /attachments/,
    },
  ])('refuses $name, naming the field, and stores nothing', async ({ content: bad, path, message }) => {
    // Act
    const error = await validationErrorOf(() => submit('2027-03-08T10:00:00+08:00', { content: bad }));

    // Assess
    expect(error.issues).toEqual([{ path, message: expect.stringMatching(message) }]);
    expect(await store.listReports(CAMPAIGN)).toEqual([]);
  });
});

describe('collectReports', () => {
  let store: MemoryCampaignStore;
  let atReminder: CampaignState;

  beforeEach(async () => {
    const run = await launched();
    store = run.store;
    atReminder = (await walk(store, run.state, nextIs('collectReports', 'reminder', '2027-03-08'))).state;
    await submitReport(
      store,
      {
        campaignId: CAMPAIGN,
        unitId: 'police-station',
        period: '2027-03-08',
        content: { progress: '开展防诈骗宣传2场' },
      },
      instant('2027-03-06T18:00:00+08:00'),
    );
  });

  it('reminds only the units that have not reported', async () => {
    // Prepare
    const before = await store.listNotifications(CAMPAIGN);

    // Act
    const next = await collectReports(store, atReminder);

    // Assess
    const sent = newSince(before, await store.listNotifications(CAMPAIGN));
    expect(atReminder.next.at).toBe('2027-03-07T05:00:00.000Z');
    expect(sent.map((n) => n.kind)).toEqual(['reportReminder', 'reportReminder']);
    expect(unitsOf(sent)).toEqual(['dongfeng-community', 'dongfeng-grid-1']);
    expect(next.pendingNotifications).toBe(atReminder.pendingNotifications + 2);
  });

  it('records the period outcome at the cutoff and sends overdue notices only to the missing units', async () => {
    // Prepare
    const { state: atCutoff } = await walk(store, atReminder, nextIs('collectReports', 'cutoff'));
    const before = await store.listNotifications(CAMPAIGN);

    // Act
    await collectReports(store, atCutoff);

    // Assess
    expect(atCutoff.next).toMatchObject({ at: '2027-03-08T05:00:00.000Z', period: '2027-03-08' });
    expect(await store.listPeriodOutcomes(CAMPAIGN)).toContainEqual({
      period: '2027-03-08',
      cutoff: '2027-03-08T05:00:00.000Z',
      phase: 'rectify',
      round: 0,
      expected: ['dongfeng-community', 'dongfeng-grid-1', 'police-station'],
      onTime: ['police-station'],
      missingAtCutoff: ['dongfeng-community', 'dongfeng-grid-1'],
      // Neither reported the week before either (2027-03-01).
      escalated: ['dongfeng-community', 'dongfeng-grid-1'],
    });
    const sent = newSince(before, await store.listNotifications(CAMPAIGN));
    expect(unitsOf(sent.filter((n) => n.kind === 'reportOverdue'))).toEqual([
      'dongfeng-community',
      'dongfeng-grid-1',
    ]);
    // Without a second stage the bulletin goes out at the cutoff, to the leading group and the office.
    expect(
      sent
        .filter((n) => n.kind === 'weeklyBulletin')
        .map((n) => n.recipient.role)
        .sort(),
    ).toEqual(['leadingGroup', 'office']);
  });

  it('enqueues no duplicate notifications when the same step is retried', async () => {
    // Prepare
    const { state: atCutoff } = await walk(store, atReminder, nextIs('collectReports', 'cutoff'));
    const first = await collectReports(store, atCutoff);
    const afterFirst = await store.listNotifications(CAMPAIGN);

    // Act
    const retried = await collectReports(store, atCutoff);

    // Assess
    expect(await store.listNotifications(CAMPAIGN)).toEqual(afterFirst);
    expect(new Set(afterFirst.map((n) => n.id)).size).toBe(afterFirst.length);
    expect(retried.next).toEqual(first.next);
    expect((await store.listPeriodOutcomes(CAMPAIGN)).filter((o) => o.period === '2027-03-08')).toHaveLength(
      1,
    );
    // The retry cannot know whether the first attempt's messages went out: Notify must still run.
    expect(retried.pendingNotifications).toBeGreaterThan(0);
  });
});

describe('checkDeadlines', () => {
  const taskNotices = async (store: MemoryCampaignStore, title: string) =>
    (await store.listNotifications(CAMPAIGN))
      .filter((n) => (n.kind === 'taskDueSoon' || n.kind === 'taskOverdue') && n.body.includes(title))
      .map((n) => `${n.kind}:${n.recipient.key}`)
      .sort();

  it('sends the due-soon reminder, then climbs the escalation ladder a rung a day, each rung once', async () => {
    // Prepare
    const { store, state } = await launched();

    // Act
    const { taken } = await walk(store, state, (s) => s.phase === 'inspect');

    // Assess
    expect(taken.filter((t) => t.action === 'checkDeadlines').map((t) => t.at)).toEqual([
      '2027-03-11T16:00:00.000Z', // shop-fire-check: due soon
      '2027-03-12T16:00:00.000Z', // its deadline: the lead unit's liaison
      '2027-03-13T16:00:00.000Z', // + 1 day: the unit's leader
      '2027-03-14T16:00:00.000Z', // + 2 days: the office
      '2027-03-15T16:00:00.000Z', // + 3 days: the leading group
      '2027-03-18T16:00:00.000Z', // anti-fraud-publicity: due soon
      '2027-03-19T16:00:00.000Z',
      '2027-03-20T16:00:00.000Z',
      '2027-03-21T16:00:00.000Z', // the rectify phase ends at the same instant, after the check
    ]);
    expect(await taskNotices(store, '个体工商户、超市防火检查')).toEqual([
      'taskDueSoon:unit:dongfeng-community:liaison',
      'taskOverdue:leadingGroup:leader',
      'taskOverdue:office:head',
      'taskOverdue:unit:dongfeng-community:leader',
      'taskOverdue:unit:dongfeng-community:liaison',
    ]);
    expect(await store.getTask(CAMPAIGN, 'shop-fire-check')).toMatchObject({
      status: 'open',
      notified: ['dueSoon', 'overdue#1', 'overdue#2', 'overdue#3', 'overdue#4'],
    });
    expect((await store.getTask(CAMPAIGN, 'shop-fire-check'))?.nextCheckAt).toBeUndefined();
  });

  it('sends nothing for a task done before its deadline', async () => {
    // Prepare
    const { store, state } = await launched();
    await completeTask(
      store,
      { campaignId: CAMPAIGN, taskId: 'anti-fraud-publicity', actor: '孙伟' },
      instant('2027-03-10T10:00:00+08:00'),
    );

    // Act
    const { taken } = await walk(store, state, (s) => s.phase === 'inspect');

    // Assess
    expect(await taskNotices(store, '防盗、防诈骗宣传')).toEqual([]);
    // Only shop-fire-check, still open, is checked: due soon, then the four rungs.
    expect(taken.filter((t) => t.action === 'checkDeadlines').map((t) => t.at)).toEqual([
      '2027-03-11T16:00:00.000Z',
      '2027-03-12T16:00:00.000Z',
      '2027-03-13T16:00:00.000Z',
      '2027-03-14T16:00:00.000Z',
      '2027-03-15T16:00:00.000Z',
    ]);
  });

  it('checks an item due exactly at a cutoff right after that cutoff, at the same instant', async () => {
    // Prepare
    const base = minimal();
    const def: CampaignDefinition = {
      ...base,
      tasks: [
        {
          id: 'ledger-by-tuesday',
          title: '整改台账报送',
          lead: 'police-station',
          participants: [],
          due: '2027-03-09',
          dueTime: '13:00',
        },
      ],
    };
    const { store, state } = await launched({ def });
    const { state: atCutoff } = await walk(store, state, nextIs('collectReports', 'cutoff', '2027-03-08'));

    // Act
    const afterCutoff = await collectReports(store, atCutoff);
    const afterCheck = await step(store, afterCutoff);

    // Assess
    // Due 2027-03-09 13:00, so its due-soon check is 24 h earlier: the 2027-03-08 cutoff instant.
    expect(afterCutoff.next).toEqual({
      at: '2027-03-08T05:00:00.000Z',
      action: 'checkDeadlines',
      moment: 'deadlines',
    });
    expect(await taskNotices(store, '整改台账报送')).toEqual(['taskDueSoon:unit:police-station:liaison']);
    expect(afterCheck.next).toEqual({
      at: '2027-03-09T05:00:00.000Z',
      action: 'checkDeadlines',
      moment: 'deadlines',
    });
  });

  it('enqueues no duplicate notifications when the same check is retried', async () => {
    // Prepare
    const { store, state } = await launched();
    const { state: atDueSoon } = await walk(store, state, nextIs('checkDeadlines'));
    await checkDeadlines(store, atDueSoon);
    const afterFirst = await store.listNotifications(CAMPAIGN);

    // Act
    await checkDeadlines(store, atDueSoon);

    // Assess
    expect(await store.listNotifications(CAMPAIGN)).toEqual(afterFirst);
    expect(await taskNotices(store, '个体工商户、超市防火检查')).toEqual([
      'taskDueSoon:unit:dongfeng-community:liaison',
    ]);
  });
});

describe('items already overdue when the workflow looks', () => {
  it('handles a task whose deadline passed before launch at the next wake, not after it', async () => {
    // Prepare: launched on 03-13, after the 03-12 deadline of shop-fire-check
    const store = new MemoryCampaignStore();
    const engine = new RecordingEngine();
    await launchCampaign(store, engine, minimal(), instant('2027-03-13T09:00:00+08:00'), {
      actor: 'office-admin',
    });
    const state = CampaignState.parse(engine.starts[0]?.input);

    // Act: start the (late) phase, then take the next step
    const started = await step(store, state);

    // Assess
    expect(started.next).toMatchObject({ action: 'checkDeadlines', moment: 'deadlines', at: started.at });
    await step(store, started);
    const overdue = (await store.listNotifications(CAMPAIGN)).filter((n) => n.kind === 'taskOverdue');
    // Due 03-12 24:00, looked at 03-13 09:00: the first rung now, the unit's leader at 03-14 00:00.
    expect(overdue.map((n) => n.recipient.key).sort()).toEqual(['unit:dongfeng-community:liaison']);
    expect(await store.getTask(CAMPAIGN, 'shop-fire-check')).toMatchObject({
      notified: ['dueSoon', 'overdue#1'],
      nextCheckAt: '2027-03-13T16:00:00.000Z',
    });
  });
});

describe('a closed campaign', () => {
  it('does not continue as a new execution', async () => {
    const { store, engine, state } = await launched({ limits: { maxGenerationSteps: 1 } });
    await closeCampaign(
      store,
      new RecordingEngine(),
      { campaignId: CAMPAIGN, actor: 'office-admin', reason: '提前结束' },
      LAUNCH,
    );
    const result = await continueAsNew(store, engine, {
      ...state,
      next: { ...state.next, action: 'continueAsNew' },
    });
    expect(result.next.action).toBe('done');
    expect(engine.starts).toHaveLength(1);
  });
});

describe('notifyPending', () => {
  let store: MemoryCampaignStore;
  let started: CampaignState;

  beforeEach(async () => {
    const run = await launched();
    store = run.store;
    started = await step(store, run.state);
  });

  it('holds non-urgent notices queued at midnight until quiet hours end, then sends one message per address', async () => {
    // Prepare: the phase starts at local midnight, inside the default quiet hours 22:00–07:30
    const notifier = new RecordingNotifier();

    // Act
    const night = await notifyPending(store, notifier, started);
    const sentAtNight = notifier.sent.length;
    const morning = await notifyPending(store, notifier, night.state, { now: night.state.notifyAt });

    // Assess
    expect(started.pendingNotifications).toBe(5);
    expect(night.result).toMatchObject({ sent: 0, deferred: 5 });
    expect(night.state.notifyAt).toBe('2027-02-21T23:30:00.000Z'); // 07:30 in Shanghai
    expect(night.state.pendingNotifications).toBe(0);
    expect(sentAtNight).toBe(0);
    expect(notifier.sent).toHaveLength(5);
    expect(morning.result).toMatchObject({ sent: 5, messages: 5, dead: 0 });
    expect(morning.state.notifyAt).toBeUndefined();
    expect(await store.pendingNotifications(CAMPAIGN, 50)).toEqual([]);
    for (const n of await store.listNotifications(CAMPAIGN)) {
      expect(n).toMatchObject({
        status: 'sent',
        sentAt: '2027-02-21T23:30:00.000Z',
        attempts: 1,
        channel: 'sms',
      });
    }
  });

  /** 08:00 in Shanghai on the day mobilisation starts: outside quiet hours. */
  const MORNING = '2027-02-22T00:00:00.000Z';
  const enqueueMany = async (count: number): Promise<void> => {
    const [template] = await store.pendingNotifications(CAMPAIGN, 1);
    if (!template) throw new Error('nothing pending');
    const copies = Array.from({ length: count }, (_, i) => ({ ...template, id: `${template.id}-copy-${i}` }));
    await store.enqueueNotifications(copies);
  };

  it('drains several pages in one call, so a large wake costs one Notify step', async () => {
    // Prepare
    await enqueueMany(2 * NOTIFY_BATCH);
    const notifier = new RecordingNotifier();

    // Act
    const { state, result } = await notifyPending(store, notifier, started, { now: MORNING });

    // Assess
    expect(result).toMatchObject({ sent: 2 * NOTIFY_BATCH + 5, dead: 0 });
    expect(new Set(notifier.sentIds).size).toBe(2 * NOTIFY_BATCH + 5);
    expect(state.pendingNotifications).toBe(0);
    expect(await store.pendingNotifications(CAMPAIGN, 50)).toEqual([]);
  });

  it('stops after a page when the invocation runs out of time, and says more are pending', async () => {
    // Prepare
    await enqueueMany(2 * NOTIFY_BATCH);
    const notifier = new RecordingNotifier();

    // Act
    const { state, result } = await notifyPending(store, notifier, started, {
      now: MORNING,
      hasTime: () => false,
    });

    // Assess
    expect(result.sent).toBe(NOTIFY_BATCH);
    expect(state.pendingNotifications).toBe(1);
  });

  it('retries a notification the channel refused with backoff and dead-letters it after the last attempt', async () => {
    // Prepare
    const [victim] = await store.pendingNotifications(CAMPAIGN, 50);
    if (!victim) throw new Error('nothing pending');
    const notifier = new RecordingNotifier([victim.id]);
    const failures: string[] = [];
    const onFailure = (d: { notificationIds: string[] }) => failures.push(...d.notificationIds);

    // Act: a morning run, then every retry as the state machine would make them
    let run = await notifyPending(store, notifier, started, { now: '2027-02-22T00:00:00.000Z', onFailure });
    const first = run.result;
    const waits: string[] = [];
    while (run.state.notifyAt) {
      waits.push(run.state.notifyAt);
      run = await notifyPending(store, notifier, run.state, { now: run.state.notifyAt, onFailure });
    }

    // Assess
    expect(first).toMatchObject({ sent: 4, retrying: 1, dead: 0 });
    expect(waits).toEqual([
      '2027-02-22T00:01:00.000Z',
      '2027-02-22T00:06:00.000Z',
      '2027-02-22T00:21:00.000Z',
      '2027-02-22T01:21:00.000Z',
    ]);
    expect(failures).toEqual(Array(5).fill(victim.id));
    expect(notifier.sentIds).not.toContain(victim.id);
    const all = await store.listNotifications(CAMPAIGN);
    expect(all.find((n) => n.id === victim.id)).toMatchObject({
      status: 'dead',
      attempts: 5,
      lastError: `Error: channel refused ${victim.id}`,
    });
    expect(all.filter((n) => n.status === 'sent')).toHaveLength(4);
    expect(await store.pendingNotifications(CAMPAIGN, 50)).toEqual([]);
  });
});

describe('notifyPending: a robot takes at most 20 messages a minute', () => {
  it('sends 20 in the first minute, queues the rest for the next, and sends each notification once', async () => {
    // Prepare: 30 long messages for one robot group, too long to roll up into fewer than 30
    const robots = [
      {
        id: 'office',
        kind: 'dingtalk' as const,
        webhook: 'https://oapi.dingtalk.com/robot/send',
        secret: 'zhili/robots/office',
        keywords: [],
      },
    ];
    const def = {
      ...minimal(),
      notifications: { quietHours: false as const, robots },
    };
    const { store, state: launchState } = await launched({ def });
    const at = instant('2027-03-08T10:00:00+08:00');
    const notifier = new RecordingNotifier();
    const notifications = Array.from({ length: 30 }, (_, i) =>
      toNotification(CAMPAIGN, iso(at), {
        kind: 'taskOverdue',
        recipient: { key: `r${i}`, role: 'liaison', person: { name: `联络员${i}`, robot: 'office' } },
        subjectKey: `t${i}`,
        subject: `任务${i}逾期`,
        body: '隐'.repeat(1500),
      }),
    );
    await store.enqueueNotifications(notifications);
    const state = { ...launchState, at: iso(at), pendingNotifications: 30 };

    // Act
    const first = await notifyPending(store, notifier, state);
    const second = await notifyPending(store, notifier, first.state, { now: first.state.notifyAt });

    // Assess
    expect(first.result).toMatchObject({ messages: 20, sent: 20, deferred: 10 });
    expect(first.state.notifyAt).toBe('2027-03-08T02:01:00.000Z');
    expect(second.result).toMatchObject({ messages: 10, sent: 10, deferred: 0 });
    expect(notifier.sentIds.sort()).toEqual(notifications.map((n) => n.id).sort());
    expect(new Set(notifier.sentIds).size).toBe(30);
    const stored = await store.listNotifications(CAMPAIGN);
    expect(stored.every((n) => n.status === 'sent' && n.channel === 'robot')).toBe(true);
  });
});

describe('notifyPending: quiet hours', () => {
  it('lets an urgent notice (a red item) through at 23:00 and holds the others until 07:30', async () => {
    // Prepare
    const { store, state: launchState } = await launched();
    const at = instant('2027-03-08T23:00:00+08:00');
    const draft = (key: string, urgent: boolean) =>
      toNotification(CAMPAIGN, iso(at), {
        kind: 'hazardOverdue',
        recipient: { key, role: 'office', person: { name: key, phone: '13800000002' } },
        subjectKey: key,
        subject: key,
        body: key,
        urgent,
      });
    const red = draft('red', true);
    const blue = draft('blue', false);
    await store.enqueueNotifications([red, blue]);
    const notifier = new RecordingNotifier();

    // Act
    const night = await notifyPending(store, notifier, {
      ...launchState,
      at: iso(at),
      pendingNotifications: 2,
    });

    // Assess
    expect(notifier.sentIds).toEqual([red.id]);
    expect(night.result).toMatchObject({ sent: 1, deferred: 1 });
    expect(night.state.notifyAt).toBe('2027-03-08T23:30:00.000Z');
  });
});
