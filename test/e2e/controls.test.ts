import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../bin/local/runtime.ts';
import type { CampaignDefinition } from '../../functions/shared/domain/definition.ts';
import { parseDefinitionYaml } from '../../functions/shared/domain/load-definition.ts';
import type { Notifier } from '../../functions/shared/domain/ports.ts';
import type { Notification, PeriodOutcome, PhaseRecord } from '../../functions/shared/domain/records.ts';
import { instant, iso } from '../../functions/shared/domain/schedule.ts';
import { type Delivery, DeliveryError } from '../../functions/shared/notify/delivery.ts';
import { type CampaignStatusView, campaignStatus } from '../../functions/shared/use-cases/campaign-status.ts';
import {
  advancePhase,
  closeCampaign,
  extendPhase,
  pauseCampaign,
  resumeCampaign,
} from '../../functions/shared/use-cases/controls.ts';
import { submitReport } from '../../functions/shared/use-cases/submit-report.ts';
import { sharedDb } from '../support/local-db.ts';

/**
 * The administrator's controls through the synthesized state machine on DynamoDB Local, on the
 * safety-production example (rectification 2027-06-01 to 07-26, weekly cutoff Monday 13:00,
 * reminders 24 h and 2 h before): launch, pause in the middle of rectification, let two cutoffs
 * pass, resume, extend rectification by a week, advance to the inspection, close.
 */

const root = join(import.meta.dirname, '..', '..');
const local = (at: string): string => iso(instant(`${at}+08:00`));

const LAUNCH = local('2027-05-14T09:00');
const PAUSE = local('2027-06-16T12:00');
/** Two cutoffs later (2027-06-21 and 06-28 13:00 fell in the pause). */
const RESUME = local('2027-06-29T10:00');
const EXTEND = local('2027-06-29T11:00');
/** A day after the defined start of the inspection (2027-07-27), which the extension moved to 08-03. */
const PAST_DEFINED_INSPECTION = local('2027-07-28T12:00');
const ADVANCE = local('2027-07-28T12:00');
const CLOSE = local('2027-07-30T10:00');

/** The gas company's liaison: whose SMS the channel refuses for good until the office fixes the number. */
const REFUSED_PHONE = '13800100402';

/** Records every delivery; refuses the ones to REFUSED_PHONE while `refusing` (they are dead-lettered at once). */
class Deliveries implements Notifier {
  readonly sent: Delivery[] = [];
  refusing = true;

  async send(delivery: Delivery): Promise<void> {
    if (this.refusing && delivery.address === REFUSED_PHONE) {
      throw new DeliveryError('number does not exist', false);
    }
    this.sent.push(structuredClone(delivery));
  }
}

const control = (reason: string) => ({ campaignId: 'safety-2027', actor: '李建华', reason });

describe('admin controls reach the running execution (safety-production example, local state machine)', () => {
  let def: CampaignDefinition;
  let runtime: LocalRuntime;
  const notifier = new Deliveries();
  const seen: Record<
    string,
    { sent: number; notifications: Notification[]; outcomes: PeriodOutcome[]; phases: PhaseRecord[] }
  > = {};
  let afterExtend: CampaignStatusView;
  let beforeClose: Notification[];

  const snapshot = async (name: string) => {
    seen[name] = {
      sent: notifier.sent.length,
      notifications: await runtime.store.listNotifications(def.id),
      outcomes: await runtime.store.listPeriodOutcomes(def.id),
      phases: await runtime.store.listPhases(def.id),
    };
  };

  beforeAll(async () => {
    def = parseDefinitionYaml(
      await readFile(join(root, 'examples/safety-production.yaml'), 'utf8'),
      'examples/safety-production.yaml',
    );
    runtime = await LocalRuntime.start({
      outDir: await mkdtemp(join(tmpdir(), 'zhili-controls-')),
      db: sharedDb(),
      tableName: `ctl-${Math.random().toString(36).slice(2, 10)}`,
      notifier,
      pauseAt: PAUSE,
    });
    const store = runtime.store;

    // Launch, and play to the middle of rectification.
    await runtime.launch(def, LAUNCH, { actor: '李建华' });
    await snapshot('atPause');

    // Pause; the police station still reports for the 2027-06-21 period meanwhile.
    await pauseCampaign(store, runtime, control('区安委会督查组进驻，暂停催报'), instant(PAUSE));
    await submitReport(
      store,
      {
        campaignId: def.id,
        unitId: 'police-station',
        period: '2027-06-21',
        content: { progress: '开展防诈骗宣传2场', extra: { gasCylinders: 0 } },
      },
      instant(local('2027-06-18T10:00')),
    );
    await runtime.playUntil(RESUME);
    await snapshot('beforeResume');

    // Resume two cutoffs later: the execution catches up at once.
    await resumeCampaign(store, runtime, control('督查结束，恢复催报'), instant(RESUME));
    await runtime.playUntil(RESUME);
    await snapshot('afterResume');

    // Extend rectification by a week, and play past the inspection's defined start.
    await extendPhase(store, runtime, { ...control('整改任务量大，延长一周'), days: 7 }, instant(EXTEND));
    afterExtend = await campaignStatus(store, def.id);
    await runtime.playUntil(PAST_DEFINED_INSPECTION);
    await snapshot('pastDefinedInspection');

    // Advance to the inspection now.
    await advancePhase(store, runtime, control('整改提前完成，提前验收'), instant(ADVANCE));
    await runtime.playUntil(ADVANCE);
    await snapshot('afterAdvance');

    // The office fixes the refused number and retries its dead letters, then closes the campaign.
    await runtime.playUntil(CLOSE);
    notifier.refusing = false;
    await store.retryDeadNotifications(def.id, CLOSE);
    beforeClose = await store.listNotifications(def.id, 'pending');
    await closeCampaign(store, runtime, control('上级通知提前结束专项整治'), instant(CLOSE));
    await runtime.playUntil(CLOSE);
  });

  afterAll(async () => {
    await runtime?.close();
  });

  const created = (from: string, to: string, kind?: Notification['kind']) =>
    (seen.afterResume?.notifications ?? []).filter(
      (n) => n.createdAt > from && n.createdAt <= to && (kind === undefined || n.kind === kind),
    );

  it('stops the execution at the pause and sends nothing while paused, though two cutoffs pass', () => {
    const [g1] = runtime.executions;
    expect(g1).toMatchObject({ name: 'safety-2027-g1', status: 'ABORTED' });
    expect(g1?.error).toMatch(/^paused by 李建华: 区安委会督查组进驻/);
    expect(seen.beforeResume?.sent).toBe(seen.atPause?.sent);
    expect(seen.beforeResume?.notifications).toEqual(seen.atPause?.notifications);
    expect(seen.beforeResume?.outcomes.map((o) => o.period)).not.toContain('2027-06-21');
    expect(seen.atPause?.notifications.filter((n) => n.status === 'pending')).toEqual([]);
  });

  it('catches up on resume: the missed periods’ outcomes and bulletins, overdue notices, no reminders for passed cutoffs', async () => {
    const outcomes = seen.afterResume?.outcomes ?? [];
    const missed = outcomes.filter((o) => o.period === '2027-06-21' || o.period === '2027-06-28');
    expect(missed.map((o) => [o.period, o.expected.length, o.onTime])).toEqual([
      ['2027-06-21', 10, ['police-station']],
      ['2027-06-28', 10, []],
    ]);
    const bulletins = await runtime.store.listBulletins(def.id);
    expect(
      bulletins
        .filter((b) => b.period === '2027-06-21' || b.period === '2027-06-28')
        .map((b) => b.compiledAt),
    ).toEqual([local('2027-06-21T13:00'), local('2027-06-28T13:00')]);
    // The reminders of both passed cutoffs were skipped; their overdue notices went out, once each.
    expect(created(PAUSE, RESUME, 'reportReminder')).toEqual([]);
    // …while the reminders of the next cutoff, ahead of the resume, went out as usual.
    const next = (seen.pastDefinedInspection?.notifications ?? []).filter(
      (n) => n.kind === 'reportReminder' && n.createdAt === local('2027-07-04T13:00'),
    );
    expect(next).toHaveLength(10);
    const overdue = created(PAUSE, RESUME, 'reportOverdue');
    expect(overdue.filter((n) => n.createdAt === local('2027-06-21T13:00'))).toHaveLength(9);
    expect(overdue.filter((n) => n.createdAt === local('2027-06-28T13:00'))).toHaveLength(10);
    const sentIds = notifier.sent.flatMap((d) => d.notificationIds);
    for (const n of overdue) expect(sentIds.filter((id) => id === n.id)).toHaveLength(1);
    const [, g2] = runtime.executions;
    expect(g2).toMatchObject({ name: 'safety-2027-g2' });
    const audit = (await runtime.store.listAudit(def.id)).find((a) => a.action === 'campaign.resumed');
    expect(audit?.detail.catchUpFrom).toBe(local('2027-06-20T13:00'));
  });

  it('moves the inspection a week later when rectification is extended by 7 days', () => {
    const inspect = afterExtend.timeline.find((t) => t.phase === 'inspect');
    expect(inspect).toMatchObject({ plannedStart: local('2027-08-03T00:00'), status: 'planned' });
    expect(afterExtend.timeline.find((t) => t.phase === 'rectify')?.plannedEnd).toBe(
      local('2027-08-03T00:00'),
    );
    // A day past the inspection's defined start, rectification still runs; its record has the new end.
    expect(
      seen.pastDefinedInspection?.phases.map((p) => [p.phase, p.plannedEnd, p.closedAt ?? null]),
    ).toEqual([
      ['mobilize', local('2027-06-01T00:00'), local('2027-06-01T00:00')],
      ['rectify', local('2027-08-03T00:00'), null],
    ]);
    expect(afterExtend.workflow.upcoming.map((t) => t.at)).toEqual(
      [...afterExtend.workflow.upcoming.map((t) => t.at)].sort(),
    );
  });

  it('starts the inspection at once when advanced', async () => {
    const phases = await runtime.store.listPhases(def.id);
    expect(phases.map((p) => [p.phase, p.startedAt, p.closedAt ?? null])).toEqual([
      ['mobilize', local('2027-05-17T00:00'), local('2027-06-01T00:00')],
      ['rectify', local('2027-06-01T00:00'), ADVANCE],
      ['inspect', ADVANCE, null],
    ]);
    expect((await runtime.store.getCampaign(def.id))?.definition.phases).toMatchObject({
      rectify: { start: '2027-06-01', end: '2027-07-28' },
      inspect: { start: '2027-07-28', end: '2027-08-23' },
    });
  });

  it('closes: the campaign is closed, a last execution sends what waited and succeeds, every notification sent or dead', async () => {
    expect(beforeClose.length).toBeGreaterThan(0);
    const campaign = await runtime.store.getCampaign(def.id);
    expect(campaign).toMatchObject({ status: 'closed', closedAt: CLOSE });
    const names = runtime.executions.map((e) => `${e.name} ${e.status}`);
    expect(names).toEqual([
      'safety-2027-g1 ABORTED',
      'safety-2027-g2 ABORTED',
      'safety-2027-g3 ABORTED',
      'safety-2027-g4 ABORTED',
      'safety-2027-g5 SUCCEEDED',
    ]);
    const all = await runtime.store.listNotifications(def.id);
    expect(all.filter((n) => n.status === 'pending')).toEqual([]);
    const sentIds = new Set(notifier.sent.flatMap((d) => d.notificationIds));
    for (const n of beforeClose) expect(sentIds.has(n.id)).toBe(true);
    for (const n of all) expect(n.status === 'sent' ? sentIds.has(n.id) : n.status === 'dead').toBe(true);
  });

  it('keeps every control in the audit trail with who and why', async () => {
    const audit = await runtime.store.listAudit(def.id);
    // Entries at one instant (created and launched) come in no particular order on DynamoDB.
    const controls = audit.filter((a) => a.actor === '李建华' && a.at > LAUNCH);
    expect(controls.map((a) => [a.at, a.action, a.detail.reason])).toEqual([
      [PAUSE, 'campaign.paused', '区安委会督查组进驻，暂停催报'],
      [RESUME, 'campaign.resumed', '督查结束，恢复催报'],
      [EXTEND, 'phase.extended', '整改任务量大，延长一周'],
      [ADVANCE, 'phase.advanced', '整改提前完成，提前验收'],
      [CLOSE, 'campaign.closed', '上级通知提前结束专项整治'],
    ]);
    expect(
      audit
        .filter((a) => a.at === LAUNCH)
        .map((a) => `${a.actor} ${a.action}`)
        .sort(),
    ).toEqual(['李建华 campaign.created', '李建华 campaign.launched']);
  });

  it('keeps each execution’s transitions in proportion to its steps (no runaway loops)', () => {
    for (const e of runtime.executions) {
      const steps = ['StartPhase', 'CollectReports', 'CheckDeadlines', 'ClosePhase', 'AcceptanceGate'].reduce(
        (n, task) => n + (e.stateEntered[task] ?? 0),
        0,
      );
      const notifies = (e.stateEntered.Notify ?? 0) + (e.stateEntered.NotifyDeferred ?? 0);
      expect(notifies, e.name).toBeLessThanOrEqual(2 * steps + 1);
      expect(e.transitions, e.name).toBeLessThanOrEqual(10 * steps + 10);
    }
  });
});
