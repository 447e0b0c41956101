import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addHours, addMinutes, addSeconds } from 'date-fns';
import { describe, expect, it } from 'vitest';
import type { CampaignDefinition } from '../../functions/shared/domain/definition.ts';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../functions/shared/domain/errors.ts';
import type {
  HazardCommandInput,
  HazardEvent,
  ReportHazardInput,
} from '../../functions/shared/domain/hazard.ts';
import { parseDefinitionYaml } from '../../functions/shared/domain/load-definition.ts';
import { type Instant, instant } from '../../functions/shared/domain/schedule.ts';
import { CampaignState } from '../../functions/shared/domain/state.ts';
import { checkDeadlines } from '../../functions/shared/use-cases/check-deadlines.ts';
import { collectReports } from '../../functions/shared/use-cases/collect-reports.ts';
import { closeCampaign } from '../../functions/shared/use-cases/controls.ts';
import {
  actOnHazard,
  hazardTrail,
  ledgerCounts,
  listLedger,
  reportHazard,
} from '../../functions/shared/use-cases/hazards.ts';
import { launchCampaign } from '../../functions/shared/use-cases/launch-campaign.ts';
import { acceptanceGate, closePhase, startPhase } from '../../functions/shared/use-cases/phase-steps.ts';
import { MemoryBulletinArchive, MemoryCampaignStore, RecordingEngine } from '../support/memory-store.ts';

const fixturePath = join(import.meta.dirname, '../fixtures/minimal.yaml');
const minimal = (): CampaignDefinition => parseDefinitionYaml(readFileSync(fixturePath, 'utf8'), fixturePath);
const CAMPAIGN = 'minimal-2027';
const LAUNCH = instant('2027-02-20T09:00:00+08:00');
const REPORTER = '陈刚';
const OFFICE = '李明';
const at = (local: string): Instant => instant(`${local}+08:00`);

const archive = new MemoryBulletinArchive();
const STEPS = {
  startPhase,
  collectReports: (store: MemoryCampaignStore, state: CampaignState) => collectReports(store, archive, state),
  checkDeadlines,
  closePhase,
  gate: acceptanceGate,
} as const;

const step = (store: MemoryCampaignStore, state: CampaignState): Promise<CampaignState> => {
  const action = state.next.action;
  if (!(action in STEPS)) throw new Error(`no step for ${action}`);
  return STEPS[action as keyof typeof STEPS](store, state);
};

const launched = async () => {
  const store = new MemoryCampaignStore();
  const engine = new RecordingEngine();
  await launchCampaign(store, engine, minimal(), LAUNCH, { actor: 'office-admin' });
  return { store, state: CampaignState.parse(engine.starts[0]?.input) };
};

/** Steps the workflow while its next wake is before `until`. */
const runUntil = async (store: MemoryCampaignStore, from: CampaignState, until: Instant) => {
  let state = from;
  const wakes: { at: string; action: string; state: CampaignState }[] = [];
  while (instant(state.next.at) < until) {
    wakes.push({ at: state.next.at, action: state.next.action, state });
    state = await step(store, state);
  }
  return { state, wakes };
};

const REPORT = {
  unitId: 'dongfeng-grid-1',
  location: '幸福路12号便利店',
  category: '消防通道',
  description: '安全出口堆放杂物',
  urgency: 'red' as const,
  reportedBy: REPORTER,
};

const report = (store: MemoryCampaignStore, when: Instant, over: Partial<ReportHazardInput> = {}) =>
  reportHazard(store, { campaignId: CAMPAIGN, actor: REPORTER, report: { ...REPORT, ...over } }, when);

const act = (
  store: MemoryCampaignStore,
  hazardId: string,
  actor: string,
  command: HazardCommandInput,
  when: Instant,
) => actOnHazard(store, { campaignId: CAMPAIGN, hazardId, actor, command }, when);

const refusalOf = async (run: () => Promise<unknown>): Promise<Error> => {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal, but the command was accepted');
};

const hazardNotices = async (store: MemoryCampaignStore, hazardId: string) =>
  (await store.listNotifications(CAMPAIGN))
    .filter((n) => n.kind.startsWith('hazard') && n.body.includes(hazardId))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.recipient.key.localeCompare(b.recipient.key))
    .map((n) => `${n.createdAt} ${n.kind} ${n.recipient.role}`);

describe('ledger commands (use cases on the store)', () => {
  it('writes each transition with its trail entry and a campaign audit entry', async () => {
    // Prepare
    const { store } = await launched();
    const item = await report(store, at('2027-03-02T09:00'));

    // Act
    await act(
      store,
      item.id,
      OFFICE,
      { action: 'order', measures: '清理杂物', deadline: '2027-03-03T18:00:00+08:00' },
      at('2027-03-02T10:00'),
    );
    await act(store, item.id, '刘洋', { action: 'accept' }, at('2027-03-02T11:00'));
    await act(
      store,
      item.id,
      '刘洋',
      { action: 'submit', evidence: { text: '已清理', photos: ['p/1.jpg'] } },
      at('2027-03-02T15:00'),
    );
    const closed = await act(
      store,
      item.id,
      REPORTER,
      { action: 'verify', passed: true },
      at('2027-03-02T16:00'),
    );

    // Assess
    expect(closed).toMatchObject({ state: 'verified', version: 5 });
    expect((await store.getHazard(CAMPAIGN, item.id))?.nextCheckAt).toBeUndefined();
    const trail = await hazardTrail(store, CAMPAIGN, item.id);
    expect(trail.map((e) => `${e.seq} ${e.actor} ${e.from}→${e.to}`)).toEqual([
      '1 陈刚 null→reported',
      '2 李明 reported→ordered',
      '3 刘洋 ordered→rectifying',
      '4 刘洋 rectifying→submitted',
      '5 陈刚 submitted→verified',
    ]);
    const audit = (await store.listAudit(CAMPAIGN)).filter((a) => a.action.startsWith('hazard.'));
    expect(audit.map((a) => a.action)).toEqual([
      'hazard.report',
      'hazard.order',
      'hazard.accept',
      'hazard.submit',
      'hazard.verify',
    ]);
    expect(audit[1]?.detail).toMatchObject({ hazardId: item.id, from: 'reported', to: 'ordered' });
  });

  it('a refused command changes nothing: item, trail, audit and the table are as they were', async () => {
    // Prepare
    const { store } = await launched();
    const item = await report(store, at('2027-03-02T09:00'));
    await act(
      store,
      item.id,
      OFFICE,
      { action: 'order', measures: '清理', deadline: '2027-03-03T18:00:00+08:00' },
      at('2027-03-02T10:00'),
    );
    const before = {
      item: await store.getHazard(CAMPAIGN, item.id),
      trail: await store.listHazardEvents(CAMPAIGN, item.id),
      audit: await store.listAudit(CAMPAIGN),
      writes: store.writes,
    };
    const when = at('2027-03-02T12:00');

    // Act
    const refusals = [
      await refusalOf(() => act(store, item.id, REPORTER, { action: 'verify', passed: true }, when)),
      await refusalOf(() => act(store, item.id, '刘洋', { action: 'close', reason: 'x' }, when)),
      await refusalOf(() =>
        act(
          store,
          item.id,
          OFFICE,
          { action: 'update', deadline: '2027-03-01T00:00:00+08:00', reason: 'x' },
          when,
        ),
      ),
      await refusalOf(() => act(store, 'hz-nosuchitem', OFFICE, { action: 'accept' }, when)),
      await refusalOf(() => report(store, when, { unitId: 'no-such-unit' })),
      await refusalOf(() => act(store, item.id, OFFICE, { action: 'reopen' } as HazardCommandInput, when)),
    ];

    // Assess
    expect(refusals.map((e) => e.constructor)).toEqual([
      ConflictError,
      ForbiddenError,
      ValidationError,
      NotFoundError,
      NotFoundError,
      ValidationError,
    ]);
    expect(refusals[3]?.message).toBe(
      'hazard "hz-nosuchitem" is not in the ledger of campaign "minimal-2027"',
    );
    expect(await store.getHazard(CAMPAIGN, item.id)).toEqual(before.item);
    expect(await store.listHazardEvents(CAMPAIGN, item.id)).toEqual(before.trail);
    expect(await store.listAudit(CAMPAIGN)).toEqual(before.audit);
    expect(store.writes).toBe(before.writes);
  });

  it('refuses a transition written from a stale read (two people acting on the same version)', async () => {
    const { store } = await launched();
    const item = await report(store, at('2027-03-02T09:00'));
    const ordered = await act(
      store,
      item.id,
      OFFICE,
      { action: 'order', measures: 'x' },
      at('2027-03-02T10:00'),
    );
    const trail = await store.listHazardEvents(CAMPAIGN, item.id);

    // Act: a write that read version 1 arrives after version 2 was written
    const stale = await refusalOf(() =>
      store.saveHazard(
        CAMPAIGN,
        { ...ordered, state: 'closedUnfixed' },
        { ...(trail[1] as HazardEvent), seq: 2 },
        {
          at: ordered.updatedAt,
          actor: OFFICE,
          action: 'hazard.close',
          detail: {},
        },
      ),
    );
    const again = await refusalOf(() => report(store, at('2027-03-02T09:00')));

    expect(stale).toBeInstanceOf(ConflictError);
    expect(stale.message).toMatch(/changed by someone else meanwhile/);
    expect(again.message).toMatch(/has already been reported/);
    expect(await store.listHazardEvents(CAMPAIGN, item.id)).toHaveLength(2);
  });

  it('refuses ledger commands once the campaign is closed', async () => {
    const { store } = await launched();
    await closeCampaign(
      store,
      new RecordingEngine(),
      { campaignId: CAMPAIGN, actor: OFFICE, reason: '结束' },
      at('2027-03-01T09:00'),
    );
    const error = await refusalOf(() => report(store, at('2027-03-02T09:00')));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe('campaign "minimal-2027" is closed');
  });
});

describe('ledger lists and counts', () => {
  it('counts per unit keep "closed, not fixed" apart from fixed, and overdue apart from open', async () => {
    // Prepare: five items in the grid, one in the police station
    const { store } = await launched();
    const t = at('2027-03-02T09:00');
    const onSpot = await report(store, t, { description: 'a', fixedOnSpot: { text: '当场整改' } });
    const verified = await report(store, t, { description: 'b' });
    await act(store, verified.id, OFFICE, { action: 'order', measures: 'x' }, t);
    await act(store, verified.id, '刘洋', { action: 'submit', evidence: { text: 'ok' } }, addMinutes(t, 30));
    await act(store, verified.id, OFFICE, { action: 'verify', passed: true }, addMinutes(t, 40));
    const unfixed = await report(store, t, { description: 'c' });
    await act(store, unfixed.id, OFFICE, { action: 'close', reason: '移交执法部门' }, t);
    const overdue = await report(store, t, { description: 'd' });
    await act(store, overdue.id, OFFICE, { action: 'order', measures: 'x' }, t);
    const declined = await report(store, t, { description: 'e' });
    await act(store, declined.id, OFFICE, { action: 'order', measures: 'x' }, t);
    await act(store, declined.id, '刘洋', { action: 'decline', reason: '非本单位职责' }, t);
    const police = await report(store, t, { description: 'f', unitId: 'police-station', urgency: 'blue' });
    await act(store, police.id, OFFICE, { action: 'order', measures: 'x' }, t);

    // Act: three hours later the red orders (2 h) are overdue, the blue one (72 h) is not
    const counts = await ledgerCounts(store, CAMPAIGN, addHours(t, 3));
    const overdueList = await listLedger(store, CAMPAIGN, { overdue: true }, addHours(t, 3));
    const byUnit = await listLedger(store, CAMPAIGN, { unitId: 'police-station' }, t);
    const byState = await listLedger(store, CAMPAIGN, { state: 'declined' }, t);

    // Assess
    expect(counts).toEqual([
      expect.objectContaining({ unitId: 'dongfeng-community', total: 0, open: 0 }),
      {
        unitId: 'dongfeng-grid-1',
        total: 5,
        open: 2,
        overdue: 1,
        declined: 1,
        fixed: 2,
        fixedOnSpot: 1,
        verified: 1,
        closedUnfixed: 1,
        supervised: 0,
        failedVerifications: 0,
      },
      expect.objectContaining({ unitId: 'police-station', total: 1, open: 1, overdue: 0 }),
    ]);
    expect(overdueList.map((h) => h.id)).toEqual([overdue.id]);
    expect(byUnit.map((h) => h.id)).toEqual([police.id]);
    expect(byState.map((h) => h.id)).toEqual([declined.id]);
    expect([onSpot.state]).toEqual(['fixedOnSpot']);
    await expect(listLedger(store, CAMPAIGN, { unitId: 'nowhere' }, t)).rejects.toThrow(NotFoundError);
  });
});

describe('deadline check on the ledger (escalation ladder across ticks)', () => {
  /** A red (2 h) item reported and ordered half an hour before the workflow's 2027-03-07 13:00 wake. */
  const orderedBeforeAWake = async () => {
    const { store, state } = await launched();
    const { state: waiting } = await runUntil(store, state, at('2027-03-07T12:30'));
    const item = await report(store, at('2027-03-07T12:20'));
    await act(
      store,
      item.id,
      OFFICE,
      {
        action: 'order',
        measures: '清理杂物，保持安全出口畅通',
        deadline: '2027-03-07T18:00:00+08:00',
        responsiblePerson: { name: '王店主', phone: '13800000099' },
      },
      at('2027-03-07T12:30'),
    );
    return { store, waiting, item };
  };

  it('notifies, reminds, then climbs responsible → unit leader → office → leading group, one rung per period', async () => {
    // Prepare
    const { store, waiting, item } = await orderedBeforeAWake();
    expect(waiting.next.at).toBe('2027-03-07T05:00:00.000Z');

    // Act: the workflow runs on; the item's next checks on the sparse index drive its wakes
    const { wakes } = await runUntil(store, waiting, at('2027-03-08T09:00'));

    // Assess
    expect(wakes.filter((w) => w.action === 'checkDeadlines').map((w) => w.at)).toEqual([
      '2027-03-07T05:00:00.000Z', // right after the reminder at the same instant: the notice
      '2027-03-07T09:00:00.000Z', // an hour before the deadline: due soon
      '2027-03-07T10:00:00.000Z', // the deadline: rung 1
      '2027-03-07T12:00:00.000Z', // + 2 h: rung 2
      '2027-03-07T14:00:00.000Z', // + 4 h: rung 3
      '2027-03-07T16:00:00.000Z', // + 6 h: rung 4, and the item leaves the index
    ]);
    expect(await hazardNotices(store, item.id)).toEqual([
      '2027-03-07T05:00:00.000Z hazardNotice liaison',
      '2027-03-07T05:00:00.000Z hazardNotice responsible',
      '2027-03-07T09:00:00.000Z hazardDueSoon responsible',
      '2027-03-07T10:00:00.000Z hazardOverdue responsible',
      '2027-03-07T12:00:00.000Z hazardOverdue unitLeader',
      '2027-03-07T14:00:00.000Z hazardOverdue office',
      '2027-03-07T16:00:00.000Z hazardOverdue leadingGroup',
    ]);
    expect((await store.getHazard(CAMPAIGN, item.id))?.nextCheckAt).toBeUndefined();
  });

  it('a retried tick sends nothing twice, even when its bookkeeping write was lost', async () => {
    // Prepare: run to the wake of rung 2 and take it
    const { store, waiting, item } = await orderedBeforeAWake();
    const { wakes } = await runUntil(store, waiting, at('2027-03-07T23:00'));
    const rung2 = wakes.find((w) => w.at === '2027-03-07T12:00:00.000Z')?.state;
    if (!rung2) throw new Error('no wake at rung 2');
    const before = await store.listNotifications(CAMPAIGN);

    // Act: the same tick again (Step Functions retried it)…
    const retried = await checkDeadlines(store, rung2);
    // …and once more with the item rolled back to before the tick wrote its marks (the write was lost)
    const now = await store.getHazard(CAMPAIGN, item.id);
    if (!now) throw new Error('item vanished');
    await store.markHazardChecked(CAMPAIGN, { ...now, sent: now.sent.filter((k) => k !== 'overdue#1#2') });
    await checkDeadlines(store, rung2);

    // Assess
    expect(await store.listNotifications(CAMPAIGN)).toEqual(before);
    expect(retried.next).toEqual((await checkDeadlines(store, rung2)).next);
    expect((await hazardNotices(store, item.id)).filter((n) => n.includes('unitLeader'))).toHaveLength(1);
  });

  it('a late wake sends every rung whose time has come, each once, and never a level twice later', async () => {
    // Prepare: ordered with a deadline that passes long before the next planned wake
    const { store, state } = await launched();
    const { state: waiting } = await runUntil(store, state, at('2027-03-02T09:00'));
    const item = await report(store, at('2027-03-02T09:00'));
    await act(store, item.id, OFFICE, { action: 'order', measures: 'x' }, at('2027-03-02T09:30'));

    // Act: the workflow's next wake was planned before the item existed (2027-03-07 13:00)
    await runUntil(store, waiting, at('2027-03-09T00:00'));

    // Assess
    expect(waiting.next.at).toBe('2027-03-07T05:00:00.000Z');
    expect(await hazardNotices(store, item.id)).toEqual([
      '2027-03-07T05:00:00.000Z hazardOverdue leadingGroup',
      '2027-03-07T05:00:00.000Z hazardOverdue office',
      '2027-03-07T05:00:00.000Z hazardOverdue unitLeader',
      '2027-03-07T05:00:00.000Z hazardNotice liaison',
      '2027-03-07T05:00:00.000Z hazardOverdue liaison',
    ]);
  });

  it('tells the office of a decline once, and supervises (督办) once after the third failed verification', async () => {
    // Prepare
    const { store, waiting, item } = await orderedBeforeAWake();
    const declined = await report(store, at('2027-03-07T12:25'), { description: '楼道电动车充电' });
    await act(
      store,
      declined.id,
      OFFICE,
      { action: 'order', measures: '清理', deadline: '2027-03-09T18:00:00+08:00' },
      at('2027-03-07T12:26'),
    );
    await act(
      store,
      declined.id,
      '刘洋',
      { action: 'decline', reason: '属物业公司职责' },
      at('2027-03-07T12:27'),
    );
    await act(
      store,
      item.id,
      '王店主',
      { action: 'submit', evidence: { text: '已清理' } },
      at('2027-03-07T12:40'),
    );
    for (let n = 1; n <= 3; n++) {
      await act(
        store,
        item.id,
        REPORTER,
        {
          action: 'verify',
          passed: false,
          reason: `第${n}次复查仍有杂物`,
          deadline: `2027-03-${String(7 + n).padStart(2, '0')}T18:00:00+08:00`,
        },
        at(`2027-03-07T12:4${n}`),
      );
      if (n < 3)
        await act(
          store,
          item.id,
          '王店主',
          { action: 'submit', evidence: { text: `第${n + 1}次整改` } },
          addSeconds(at(`2027-03-07T12:4${n}`), 30),
        );
    }

    // Act
    await runUntil(store, waiting, at('2027-03-07T14:00'));
    await checkDeadlines(store, {
      ...waiting,
      next: { at: '2027-03-07T05:00:00.000Z', action: 'checkDeadlines', moment: 'deadlines' },
    });

    // Assess
    const kinds = (await store.listNotifications(CAMPAIGN)).map((n) => `${n.kind} ${n.recipient.role}`);
    expect(kinds.filter((k) => k === 'hazardSupervised office')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'hazardDeclined office')).toHaveLength(1);
    expect((await store.getHazard(CAMPAIGN, item.id))?.supervisedAt).toBe('2027-03-07T04:43:00.000Z');
    expect(
      (await ledgerCounts(store, CAMPAIGN, at('2027-03-07T14:00'))).find(
        (c) => c.unitId === 'dongfeng-grid-1',
      ),
    ).toMatchObject({
      supervised: 1,
      failedVerifications: 3,
      declined: 1,
    });
  });
});
