import { addHours } from 'date-fns';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../functions/shared/domain/errors.ts';
import {
  ALLOWED,
  applyHazardCommand,
  HAZARD_STATES,
  type HazardCommandInput,
  type HazardContext,
  type HazardRecord,
  type HazardState,
  isOverdue,
  reportHazard,
} from '../../functions/shared/domain/hazard.ts';
import { dueHazardNotices, nextHazardCheck } from '../../functions/shared/domain/hazard-notices.ts';
import { daysAfter, type Instant, instant } from '../../functions/shared/domain/schedule.ts';

const T0 = instant('2027-03-02T09:00:00+08:00');
const REPORTER = '陈刚';
const OFFICE = '李明';
const UNITS = new Set(['dongfeng-community', 'dongfeng-grid-1', 'police-station']);

const ctx = (over: Partial<HazardContext> & { at?: Instant } = {}): HazardContext => ({
  at: T0,
  actor: REPORTER,
  actorIsOffice: false,
  unitExists: (id) => UNITS.has(id),
  ...over,
});
const office = (at: Instant = T0): HazardContext => ctx({ actor: OFFICE, actorIsOffice: true, at });

const REPORT = {
  unitId: 'dongfeng-grid-1',
  location: '幸福路12号便利店',
  category: '消防器材',
  description: '灭火器过期',
  urgency: 'yellow' as const,
  reportedBy: REPORTER,
};

const reported = (): HazardRecord => reportHazard('c1', REPORT, ctx()).item;

/** Runs commands in order, each an hour after the last, returning the final item. */
const play = (item: HazardRecord, ...steps: [HazardCommandInput, HazardContext][]): HazardRecord =>
  steps.reduce((current, [command, c]) => applyHazardCommand(current, command, c).item, item);

const DEADLINE = '2027-03-05T18:00:00+08:00';
const ordered = (): HazardRecord =>
  play(reported(), [{ action: 'order', measures: '更换灭火器', deadline: DEADLINE }, office()]);
const rectifying = (): HazardRecord => play(ordered(), [{ action: 'accept' }, ctx({ actor: '刘洋' })]);
const submitted = (): HazardRecord =>
  play(rectifying(), [
    { action: 'submit', evidence: { text: '已更换2具灭火器', photos: ['photos/a.jpg'] } },
    ctx({ actor: '刘洋', at: addHours(T0, 5) }),
  ]);
const failAgain = (item: HazardRecord, n: number): HazardRecord =>
  play(
    item,
    [
      { action: 'verify', passed: false, reason: '压力不足', deadline: iso(daysAfter(T0, 3 + n, 'UTC')) },
      ctx({ at: addHours(daysAfter(T0, n, 'UTC'), 6) }),
    ],
    [
      { action: 'submit', evidence: { text: `第${n + 1}次整改` } },
      ctx({ actor: '刘洋', at: addHours(daysAfter(T0, n, 'UTC'), 7) }),
    ],
  );
const iso = (at: Instant): string => at.toISOString();

const refusal = (act: () => unknown): Error => {
  try {
    act();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal, but the command was accepted');
};

describe('hazard lifecycle (the domain state machine)', () => {
  it('reports an item: reported, responsible unit defaults to where it was found, one event from null', () => {
    // Act
    const { item, event } = reportHazard('c1', REPORT, ctx());

    // Assess
    expect(item).toMatchObject({ state: 'reported', responsibleUnit: 'dongfeng-grid-1', version: 1 });
    expect(item.id).toMatch(/^hz-[0-9a-f]{10}$/);
    expect(event).toMatchObject({ seq: 1, actor: REPORTER, action: 'report', from: null, to: 'reported' });
  });

  it('fixed on the spot: closed at once with its evidence, fixed in the counts', () => {
    const { item, event } = reportHazard(
      'c1',
      { ...REPORT, fixedOnSpot: { text: '当场清理堵塞通道的杂物', photos: ['p/1.jpg'] } },
      ctx(),
    );
    expect(item).toMatchObject({ state: 'fixedOnSpot', closedAt: iso(T0) });
    expect(event.to).toBe('fixedOnSpot');
    expect(nextHazardCheck(item)).toBeUndefined();
  });

  it('fixOnSpot from reported', () => {
    const { item, event } = applyHazardCommand(
      reported(),
      { action: 'fixOnSpot', evidence: { text: '已当场整改' } },
      ctx(),
    );
    expect(item.state).toBe('fixedOnSpot');
    expect(event).toMatchObject({ from: 'reported', to: 'fixedOnSpot', seq: 2 });
  });

  it('order → accept → submit → verify passes: closed (销号) with a trail of who, when, from, to', () => {
    const item = reported();
    const o = applyHazardCommand(
      item,
      { action: 'order', measures: '更换灭火器', deadline: DEADLINE },
      office(),
    );
    const a = applyHazardCommand(o.item, { action: 'accept' }, ctx({ actor: '刘洋' }));
    const s = applyHazardCommand(
      a.item,
      { action: 'submit', evidence: { text: '已更换', photos: ['x.jpg'] } },
      ctx({ actor: '刘洋' }),
    );
    const v = applyHazardCommand(
      s.item,
      { action: 'verify', passed: true },
      ctx({ at: daysAfter(T0, 1, 'UTC') }),
    );

    expect(o.item).toMatchObject({
      state: 'ordered',
      deadline: '2027-03-05T10:00:00.000Z',
      deadlineRound: 1,
      measures: '更换灭火器',
    });
    expect([o.event, a.event, s.event, v.event].map((e) => [e.seq, e.actor, e.from, e.to])).toEqual([
      [2, OFFICE, 'reported', 'ordered'],
      [3, '刘洋', 'ordered', 'rectifying'],
      [4, '刘洋', 'rectifying', 'submitted'],
      [5, REPORTER, 'submitted', 'verified'],
    ]);
    expect(v.item).toMatchObject({ state: 'verified', closedAt: '2027-03-03T01:00:00.000Z', version: 5 });
    expect(s.item.evidence).toEqual({ text: '已更换', photos: ['x.jpg'] });
  });

  it('an order without a deadline takes the urgency grading: red 2 h, yellow 24 h, blue 72 h', () => {
    const deadlines = (['red', 'yellow', 'blue'] as const).map(
      (urgency) =>
        play(reportHazard('c1', { ...REPORT, urgency }, ctx()).item, [
          { action: 'order', measures: '整改' },
          office(),
        ]).deadline,
    );
    expect(deadlines).toEqual([
      '2027-03-02T03:00:00.000Z',
      '2027-03-03T01:00:00.000Z',
      '2027-03-05T01:00:00.000Z',
    ]);
  });

  it('a failed verification sends it back to rectifying with a new deadline; the third supervises it once', () => {
    // Act
    const once = failAgain(submitted(), 0);
    const twice = failAgain(once, 1);
    const thrice = failAgain(twice, 2);
    const fourth = failAgain(thrice, 3);

    // Assess
    expect(once).toMatchObject({ state: 'submitted', failedVerifications: 1, deadlineRound: 2 });
    expect(twice.supervisedAt).toBeUndefined();
    expect(thrice).toMatchObject({ failedVerifications: 3, supervisedAt: '2027-03-04T07:00:00.000Z' });
    // Supervised exactly once: a fourth failure keeps the first supervision.
    expect(fourth).toMatchObject({ failedVerifications: 4, supervisedAt: '2027-03-04T07:00:00.000Z' });
  });

  it('decline (退单) with a reason, then the office reassigns it to another unit with a new deadline', () => {
    const declined = applyHazardCommand(
      rectifying(),
      { action: 'decline', reason: '属派出所职责' },
      ctx({ actor: '刘洋' }),
    );
    const reassigned = applyHazardCommand(
      declined.item,
      { action: 'reassign', responsibleUnit: 'police-station', deadline: DEADLINE, reason: '改派派出所' },
      office(),
    );
    expect(declined.item).toMatchObject({
      state: 'declined',
      declinedBy: 'dongfeng-grid-1',
      declineReason: '属派出所职责',
      declines: 1,
    });
    expect(declined.event).toMatchObject({ reason: '属派出所职责', from: 'rectifying', to: 'declined' });
    expect(reassigned.item).toMatchObject({
      state: 'ordered',
      responsibleUnit: 'police-station',
      deadlineRound: 2,
    });
  });

  it('the office closes an item without a fix: closed, not fixed', () => {
    const { item, event } = applyHazardCommand(
      rectifying(),
      { action: 'close', reason: '转区城管执法局' },
      office(),
    );
    expect(item).toMatchObject({ state: 'closedUnfixed', closeReason: '转区城管执法局' });
    expect(event.reason).toBe('转区城管执法局');
  });

  it('reopens a closed item with a reason and a new deadline', () => {
    const closed = play(submitted(), [{ action: 'verify', passed: true }, ctx()]);
    const { item, event } = applyHazardCommand(
      closed,
      { action: 'reopen', reason: '复发', deadline: '2027-03-10T18:00:00+08:00' },
      office(daysAfter(T0, 2, 'UTC')),
    );
    expect(item).toMatchObject({
      state: 'rectifying',
      closedAt: undefined,
      deadline: '2027-03-10T10:00:00.000Z',
    });
    expect(event).toMatchObject({ from: 'verified', to: 'rectifying', reason: '复发' });
  });

  it('updates details without a state change; moving the deadline needs a reason and restarts the ladder', () => {
    const { item, event } = applyHazardCommand(
      ordered(),
      { action: 'update', location: '幸福路12号', deadline: '2027-03-06T18:00:00+08:00', reason: '等待配件' },
      office(),
    );
    expect(item).toMatchObject({ state: 'ordered', location: '幸福路12号', deadlineRound: 2 });
    expect(event).toMatchObject({ from: 'ordered', to: 'ordered', reason: '等待配件' });
  });

  it('every state refuses every command it does not list, naming the state and what is allowed', () => {
    const samples: Record<HazardState, () => HazardRecord> = {
      reported,
      ordered,
      rectifying,
      submitted,
      declined: () => play(ordered(), [{ action: 'decline', reason: 'x' }, ctx()]),
      fixedOnSpot: () => play(reported(), [{ action: 'fixOnSpot', evidence: { text: 'x' } }, ctx()]),
      verified: () => play(submitted(), [{ action: 'verify', passed: true }, ctx()]),
      closedUnfixed: () => play(ordered(), [{ action: 'close', reason: 'x' }, office()]),
    };
    const commands: HazardCommandInput[] = [
      { action: 'fixOnSpot', evidence: { text: 'x' } },
      { action: 'order', measures: 'x', deadline: DEADLINE },
      { action: 'accept' },
      { action: 'update', measures: 'y' },
      { action: 'submit', evidence: { text: 'x' } },
      { action: 'verify', passed: true },
      { action: 'decline', reason: 'x' },
      { action: 'reassign', responsibleUnit: 'police-station', deadline: DEADLINE },
      { action: 'close', reason: 'x' },
      { action: 'reopen', reason: 'x', deadline: DEADLINE },
    ];
    let refused = 0;
    for (const state of HAZARD_STATES) {
      const item = samples[state]();
      expect(item.state).toBe(state);
      for (const command of commands) {
        if (ALLOWED[state].includes(command.action as never)) continue;
        const error = refusal(() => applyHazardCommand(item, command, office()));
        expect(error).toBeInstanceOf(ConflictError);
        expect(error.message).toContain(`cannot ${command.action} hazard ${item.id}: it is ${state}`);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(40);
  });

  it('closing (verifying) an item never submitted is refused', () => {
    const error = refusal(() => applyHazardCommand(rectifying(), { action: 'verify', passed: true }, ctx()));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toMatch(/only a submitted fix can be verified and closed/);
  });

  it('a verifier who is neither the reporter nor the office is refused (谁上报、谁核查)', () => {
    const error = refusal(() =>
      applyHazardCommand(submitted(), { action: 'verify', passed: true }, ctx({ actor: '刘洋' })),
    );
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.message).toBe(
      `刘洋 may not verify hazard ${submitted().id}: only its reporter (陈刚) or the office may (谁上报、谁核查)`,
    );
  });

  it('only the office reassigns and closes without a fix; only reporter or office orders and reopens', () => {
    const declined = play(ordered(), [{ action: 'decline', reason: 'x' }, ctx()]);
    expect(
      refusal(() =>
        applyHazardCommand(declined, { action: 'reassign', responsibleUnit: 'police-station' }, ctx()),
      ),
    ).toBeInstanceOf(ForbiddenError);
    expect(
      refusal(() => applyHazardCommand(ordered(), { action: 'close', reason: 'x' }, ctx())),
    ).toBeInstanceOf(ForbiddenError);
    expect(
      refusal(() =>
        applyHazardCommand(reported(), { action: 'order', measures: 'x' }, ctx({ actor: '路人' })),
      ),
    ).toBeInstanceOf(ForbiddenError);
    const verified = play(submitted(), [{ action: 'verify', passed: true }, ctx()]);
    expect(
      refusal(() => applyHazardCommand(verified, { action: 'reopen', reason: 'x' }, ctx({ actor: '路人' }))),
    ).toBeInstanceOf(ForbiddenError);
  });

  it('reopening a closed item without a reason is refused, naming the field', () => {
    const verified = play(submitted(), [{ action: 'verify', passed: true }, ctx()]);
    const error = refusal(() =>
      applyHazardCommand(verified, { action: 'reopen', reason: '  ' } as HazardCommandInput, office()),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/reason: a reason is required/);
    const missing = refusal(() =>
      applyHazardCommand(verified, { action: 'reopen' } as HazardCommandInput, office()),
    );
    expect(missing).toBeInstanceOf(ValidationError);
  });

  it('a deadline in the past (or now) is refused wherever one is set', () => {
    const past = '2027-03-01T09:00:00+08:00';
    const cases: [HazardRecord, HazardCommandInput, HazardContext][] = [
      [reported(), { action: 'order', measures: 'x', deadline: past }, office()],
      [ordered(), { action: 'update', deadline: past, reason: 'x' }, office()],
      [submitted(), { action: 'verify', passed: false, reason: 'x', deadline: past }, office()],
      [
        play(ordered(), [{ action: 'decline', reason: 'x' }, ctx()]),
        { action: 'reassign', responsibleUnit: 'police-station', deadline: past },
        office(),
      ],
      [
        play(submitted(), [{ action: 'verify', passed: true }, ctx()]),
        { action: 'reopen', reason: 'x', deadline: iso(T0) },
        office(),
      ],
    ];
    for (const [item, command, c] of cases) {
      const error = refusal(() => applyHazardCommand(item, command, c));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toMatch(/a deadline must be in the future/);
    }
  });

  it('a failed verification needs a reason and a new deadline', () => {
    expect(
      refusal(() =>
        applyHazardCommand(submitted(), { action: 'verify', passed: false, deadline: DEADLINE }, ctx()),
      ).message,
    ).toMatch(/needs a reason/);
    expect(
      refusal(() => applyHazardCommand(submitted(), { action: 'verify', passed: false, reason: 'x' }, ctx()))
        .message,
    ).toMatch(/needs a new deadline/);
  });

  it('an unknown unit is refused on report, order and reassign', () => {
    expect(refusal(() => reportHazard('c1', { ...REPORT, unitId: 'no-such-unit' }, ctx())).message).toBe(
      'unitId: unit "no-such-unit" is not a unit of this campaign',
    );
    expect(
      refusal(() =>
        applyHazardCommand(
          reported(),
          { action: 'order', measures: 'x', responsibleUnit: 'nowhere' },
          office(),
        ),
      ),
    ).toBeInstanceOf(NotFoundError);
    const declined = play(ordered(), [{ action: 'decline', reason: 'x' }, ctx()]);
    expect(
      refusal(() =>
        applyHazardCommand(declined, { action: 'reassign', responsibleUnit: 'nowhere' }, office()),
      ),
    ).toBeInstanceOf(NotFoundError);
  });

  it('reassigning to the unit that declined is refused; an empty update is refused', () => {
    const declined = play(ordered(), [{ action: 'decline', reason: 'x' }, ctx()]);
    expect(
      refusal(() =>
        applyHazardCommand(declined, { action: 'reassign', responsibleUnit: 'dongfeng-grid-1' }, office()),
      ).message,
    ).toMatch(/declined this item/);
    expect(refusal(() => applyHazardCommand(ordered(), { action: 'update' }, office())).message).toMatch(
      /nothing to update/,
    );
    expect(
      refusal(() => applyHazardCommand(ordered(), { action: 'update', deadline: DEADLINE }, office()))
        .message,
    ).toMatch(/moving a deadline needs a reason/);
  });

  it('a malformed report or command is refused with the field named', () => {
    expect(refusal(() => reportHazard('c1', { ...REPORT, description: '' }, ctx())).message).toMatch(
      /^hazard report is invalid: description:/,
    );
    expect(
      refusal(() => applyHazardCommand(ordered(), { action: 'submit', evidence: { text: '' } }, ctx()))
        .message,
    ).toMatch(/evidence.text: describe what was done/);
    expect(
      refusal(() =>
        applyHazardCommand(ordered(), { action: 'bogus' } as unknown as HazardCommandInput, ctx()),
      ),
    ).toBeInstanceOf(ValidationError);
  });

  it('is overdue only while the unit works against a passed deadline', () => {
    const item = ordered();
    expect(isOverdue(item, instant('2027-03-05T17:59:59+08:00'))).toBe(false);
    expect(isOverdue(item, instant(DEADLINE))).toBe(true);
    expect(isOverdue(submitted(), instant('2027-04-01T00:00:00Z'))).toBe(false);
  });
});

describe('hazard notices (what the deadline check owes)', () => {
  it('owes the notice now, the reminder half a period before, then one ladder rung per urgency period', () => {
    // Prepare: yellow (24 h), deadline 03-05 18:00 local
    let item = ordered();
    const at = (local: string) => instant(`${local}+08:00`);
    const take = (when: Instant) => {
      const { send, settle } = dueHazardNotices(item, when);
      item = { ...item, sent: [...item.sent, ...settle] };
      return send;
    };

    // Act + Assess: a tick at each moment the item asks for
    expect(nextHazardCheck(item)).toBe('2027-03-02T01:00:00.000Z');
    expect(take(T0)).toEqual(['notice#1']);
    expect(nextHazardCheck(item)).toBe('2027-03-04T22:00:00.000Z');
    expect(take(at('2027-03-05T06:00'))).toEqual(['dueSoon#1']);
    expect(nextHazardCheck(item)).toBe('2027-03-05T10:00:00.000Z');
    expect(take(at('2027-03-05T17:59'))).toEqual([]);
    expect(take(at('2027-03-05T18:00'))).toEqual(['overdue#1#1']);
    expect(take(at('2027-03-05T18:00'))).toEqual([]);
    expect(nextHazardCheck(item)).toBe('2027-03-06T10:00:00.000Z');
    expect(take(at('2027-03-06T18:00'))).toEqual(['overdue#1#2']);
    expect(take(at('2027-03-07T18:00'))).toEqual(['overdue#1#3']);
    expect(take(at('2027-03-08T18:00'))).toEqual(['overdue#1#4']);
    expect(nextHazardCheck(item)).toBeUndefined();
  });

  it('a late wake skips a reminder whose deadline passed and sends every rung due, each once', () => {
    const item = ordered();
    const late = dueHazardNotices(item, instant('2027-03-06T19:00:00+08:00'));
    expect(late.send).toEqual(['notice#1', 'overdue#1#1', 'overdue#1#2']);
    expect(late.settle).toEqual(['notice#1', 'dueSoon#1', 'overdue#1#1', 'overdue#1#2']);
  });

  it('a submitted item owes nothing; a declined one owes the office; supervision is owed once', () => {
    expect(nextHazardCheck(submitted())).toBeUndefined();
    const declined = play(ordered(), [{ action: 'decline', reason: 'x' }, ctx({ at: addHours(T0, 1) })]);
    expect(dueHazardNotices(declined, addHours(T0, 1)).send).toEqual(['declined#1']);
    const supervised = failAgain(failAgain(failAgain(submitted(), 0), 1), 2);
    const owed = dueHazardNotices(supervised, addHours(daysAfter(T0, 2, 'UTC'), 8)).send;
    expect(owed.filter((k) => k === 'supervised')).toHaveLength(1);
    const after = { ...supervised, sent: [...supervised.sent, 'supervised'] };
    expect(dueHazardNotices(after, daysAfter(T0, 30, 'UTC')).send).not.toContain('supervised');
  });
});
