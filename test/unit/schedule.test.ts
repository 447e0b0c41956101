import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getISODay } from 'date-fns';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type CampaignDefinition,
  type CampaignDefinitionInput,
  Reporting,
} from '../../functions/shared/domain/definition.ts';
import { parseDefinition, parseDefinitionYaml } from '../../functions/shared/domain/load-definition.ts';
import {
  actualWindow,
  cutoffsFrom,
  daysAfter,
  definedWindow,
  type Instant,
  instant,
  inZone,
  iso,
  localDate,
  localDateTime,
  localTime,
  MAX_WAIT_DAYS,
  type Moment,
  nextMoment,
  nextMonthlyCheck,
  nextReportMoment,
  previousCutoff,
  type ScheduledMoment,
  secondStageAfter,
  type Window,
} from '../../functions/shared/domain/schedule.ts';

const fixturePath = join(import.meta.dirname, '../fixtures/minimal.yaml');

/** The minimal fixture: mobilize 02-22..02-28, rectify 03-01..03-21, inspect 03-22..03-28, long term from 03-29. */
const minimal = (): CampaignDefinition => parseDefinitionYaml(readFileSync(fixturePath, 'utf8'), fixturePath);

/** A mutable copy of the minimal fixture before validation, for variants. */
const minimalInput = (): CampaignDefinitionInput =>
  parse(readFileSync(fixturePath, 'utf8')) as CampaignDefinitionInput;

const variant = (change: (input: CampaignDefinitionInput) => void): CampaignDefinition => {
  const input = minimalInput();
  input.tasks = [];
  change(input);
  return parseDefinition(input, 'variant');
};

/** Plan 9's calendar (examples/estate-environment.yaml) on the minimal organisation. */
const plan9Calendar = (): CampaignDefinition =>
  variant((input) => {
    input.phases = {
      mobilize: { start: '2027-05-06', end: '2027-05-14' },
      rectify: { start: '2027-05-15', end: '2027-07-15' },
      inspect: { start: '2027-07-16', end: '2027-08-16' },
      longTerm: { start: '2027-08-17' },
    };
  });

/** Plan 6's reporting: units by Friday 12:00, the office bulletin on Monday 17:30. */
const withBulletin = (): CampaignDefinition =>
  variant((input) => {
    input.reporting = {
      cadence: 'weekly',
      cutoff: { weekday: 'friday', time: '12:00' },
      secondStage: { weekday: 'monday', time: '17:30' },
      submitTo: '东风街道安委办',
    };
  });

const isoWindow = (window: Window): { start: string; end: string | null } => ({
  start: iso(window.start),
  end: window.end ? iso(window.end) : null,
});

const take = (generator: Generator<Instant>, count: number): string[] => {
  const out: string[] = [];
  for (const at of generator) {
    out.push(iso(at));
    if (out.length === count) break;
  }
  return out;
};

const show = (m: ScheduledMoment | null) =>
  m ? { at: iso(m.at), moment: m.moment, period: m.period } : null;

/** Every report moment of a phase, in order, from its start. */
const reportMomentsOf = (def: CampaignDefinition, phase: 'rectify' | 'inspect', window: Window) => {
  const out: ReturnType<typeof show>[] = [];
  let after: { at: Instant; moment: Moment } = { at: window.start, moment: 'phaseStart' };
  for (
    let m = nextReportMoment(def, phase, window, after);
    m;
    m = nextReportMoment(def, phase, window, after)
  ) {
    out.push(show(m));
    after = m;
    if (out.length > 50) throw new Error('report moments do not end');
  }
  return out;
};

const weeklyMonday13 = Reporting.parse({
  cadence: 'weekly',
  cutoff: { weekday: 'monday', time: '13:00' },
  submitTo: '东风街道安委办',
});

describe('definedWindow (Asia/Shanghai)', () => {
  it('starts a phase at local midnight of its start date: 2027-05-15 starts at 2027-05-14T16:00Z', () => {
    // Prepare
    const def = plan9Calendar();

    // Act
    const rectify = definedWindow(def, 'rectify');

    // Assess
    expect(iso(rectify.start)).toBe('2027-05-14T16:00:00.000Z');
  });

  it('treats end dates as inclusive: mobilize ending 2027-05-14 runs until midnight after it', () => {
    // Prepare
    const def = plan9Calendar();

    // Act
    const mobilize = definedWindow(def, 'mobilize');

    // Assess
    // 2027-05-15 00:00 in Shanghai is 2027-05-14T16:00Z: the instant rectify starts.
    expect(isoWindow(mobilize)).toEqual({
      start: '2027-05-05T16:00:00.000Z',
      end: '2027-05-14T16:00:00.000Z',
    });
  });

  it('hands over without a gap or overlap in the minimal fixture, and leaves the long term open', () => {
    // Prepare
    const def = minimal();

    // Act
    const windows = (['mobilize', 'rectify', 'inspect', 'longTerm'] as const).map((p) =>
      isoWindow(definedWindow(def, p)),
    );

    // Assess
    expect(windows).toEqual([
      { start: '2027-02-21T16:00:00.000Z', end: '2027-02-28T16:00:00.000Z' },
      { start: '2027-02-28T16:00:00.000Z', end: '2027-03-21T16:00:00.000Z' },
      { start: '2027-03-21T16:00:00.000Z', end: '2027-03-28T16:00:00.000Z' },
      { start: '2027-03-28T16:00:00.000Z', end: null },
    ]);
  });

  it("ends the previous phase at the start of a shared boundary day (plan 8's calendar)", () => {
    // Prepare
    const def = variant((input) => {
      input.phases = {
        mobilize: { start: '2027-02-12', end: '2027-02-24' },
        rectify: { start: '2027-02-24', end: '2027-03-28' },
        inspect: { start: '2027-03-28', end: '2027-04-09' },
        longTerm: { start: '2027-04-09' },
      };
    });

    // Act
    const mobilize = definedWindow(def, 'mobilize');
    const rectify = definedWindow(def, 'rectify');
    const inspect = definedWindow(def, 'inspect');

    // Assess
    // 2027-02-24 is rectify's day: mobilize ends at its midnight, not the midnight after it.
    expect(iso(mobilize.end as Instant)).toBe('2027-02-23T16:00:00.000Z');
    expect(iso(rectify.start)).toBe('2027-02-23T16:00:00.000Z');
    expect(iso(rectify.end as Instant)).toBe('2027-03-27T16:00:00.000Z');
    expect(iso(inspect.end as Instant)).toBe('2027-04-08T16:00:00.000Z');
  });

  it('follows the local midnight of another time zone across its DST change (a 23-hour day)', () => {
    // Prepare
    const def = variant((input) => {
      input.timeZone = 'America/New_York';
      input.phases = {
        mobilize: { start: '2027-03-08', end: '2027-03-14' },
        rectify: { start: '2027-03-15', end: '2027-04-04' },
        inspect: { start: '2027-04-05', end: '2027-04-11' },
        longTerm: { start: '2027-04-12' },
      };
    });

    // Act
    const mobilize = definedWindow(def, 'mobilize');

    // Assess
    // Midnight EST (-05:00) at the start, midnight EDT (-04:00) at the end: 2027-03-14 is the change day.
    expect(isoWindow(mobilize)).toEqual({
      start: '2027-03-08T05:00:00.000Z',
      end: '2027-03-15T04:00:00.000Z',
    });
  });
});

describe('instants and wall clocks', () => {
  it('ends a phase at the next local midnight across a DST change, 23 hours after the last day began', () => {
    // Prepare: New York moves its clocks forward at 02:00 on 2027-03-14, mobilisation's last day.
    const def = variant((input) => {
      input.timeZone = 'America/New_York';
      input.phases = {
        mobilize: { start: '2027-03-01', end: '2027-03-14' },
        rectify: { start: '2027-03-16', end: '2027-04-30' },
        inspect: { start: '2027-05-01', end: '2027-05-15' },
        longTerm: { start: '2027-05-16' },
      };
    });

    // Act
    const mobilize = definedWindow(def, 'mobilize');

    // Assess: midnight opening 2027-03-15 is 00:00 EDT (UTC−4), not 01:00.
    expect(isoWindow(mobilize).end).toBe('2027-03-15T04:00:00.000Z');
    expect(localTime(mobilize.end as Instant, 'America/New_York')).toBe('2027-03-15 00:00');
  });

  it('refuses a date that does not exist and text that is not an ISO instant, naming it', () => {
    expect(() => localDateTime('2027-02-30', '09:00', 'Asia/Shanghai')).toThrow(
      'invalid instant: "2027-02-30T09:00" in Asia/Shanghai',
    );
    expect(() => instant('next Tuesday')).toThrow('invalid instant: "next Tuesday"');
  });

  it('reads the campaign wall clock, whatever the zone of the process', () => {
    // Prepare: 16:30 UTC is half past midnight the next day in Shanghai.
    const at = instant('2027-03-01T16:30:00Z');

    // Act / Assess
    expect(localTime(at, 'Asia/Shanghai')).toBe('2027-03-02 00:30');
    expect(localDate(at, 'Asia/Shanghai')).toBe('2027-03-02');
    expect(iso(daysAfter(at, 1, 'Asia/Shanghai'))).toBe('2027-03-02T16:30:00.000Z');
  });
});

describe('actualWindow', () => {
  it('follows the definition in round 0 when the phase starts on time or early', () => {
    // Prepare
    const def = minimal();
    const early = instant('2027-02-20T09:00:00+08:00');

    // Act
    const window = actualWindow(def, 'rectify', 0, early);

    // Assess
    expect(isoWindow(window)).toEqual(isoWindow(definedWindow(def, 'rectify')));
  });

  it('starts a late round-0 phase at `at` and keeps its defined end', () => {
    // Prepare
    const def = minimal();
    const late = instant('2027-03-05T10:00:00+08:00');

    // Act
    const window = actualWindow(def, 'rectify', 0, late);

    // Assess
    expect(isoWindow(window)).toEqual({
      start: '2027-03-05T02:00:00.000Z',
      end: '2027-03-21T16:00:00.000Z',
    });
  });

  it('gives a phase started after its defined end an empty window rather than one ending before it starts', () => {
    // Prepare
    const def = minimal();
    const afterEnd = instant('2027-03-25T10:00:00+08:00');

    // Act
    const window = actualWindow(def, 'rectify', 0, afterEnd);

    // Assess
    expect(isoWindow(window)).toEqual({
      start: '2027-03-25T02:00:00.000Z',
      end: '2027-03-25T02:00:00.000Z',
    });
  });

  it('counts a re-rectification round from `at`: reRectifyDays for rectify, reInspectDays for inspect', () => {
    // Prepare
    const def = variant((input) => {
      input.acceptance = { reRectifyDays: 10, reInspectDays: 5 };
    });
    const gate = instant('2027-03-28T16:00:00.000Z');

    // Act
    const rectify = actualWindow(def, 'rectify', 1, gate);
    const inspect = actualWindow(def, 'inspect', 2, gate);

    // Assess
    expect(isoWindow(rectify)).toEqual({
      start: '2027-03-28T16:00:00.000Z',
      end: '2027-04-07T16:00:00.000Z',
    });
    expect(isoWindow(inspect)).toEqual({
      start: '2027-03-28T16:00:00.000Z',
      end: '2027-04-02T16:00:00.000Z',
    });
  });

  it('uses the default acceptance lengths: 14 days to re-rectify, 7 to re-inspect', () => {
    // Prepare
    const def = minimal();
    const gate = instant('2027-03-28T16:00:00.000Z');

    // Act
    const rectify = actualWindow(def, 'rectify', 1, gate);
    const inspect = actualWindow(def, 'inspect', 1, rectify.end as Instant);

    // Assess
    expect(iso(rectify.end as Instant)).toBe('2027-04-11T16:00:00.000Z');
    expect(iso(inspect.end as Instant)).toBe('2027-04-18T16:00:00.000Z');
  });
});

describe('cutoffsFrom', () => {
  it('finds weekly Monday 13:00 cutoffs in Asia/Shanghai at 05:00Z', () => {
    // Prepare
    const from = instant('2027-02-24T10:00:00+08:00');

    // Act
    const cutoffs = take(cutoffsFrom(weeklyMonday13, 'Asia/Shanghai', from), 3);

    // Assess
    expect(cutoffs).toEqual([
      '2027-03-01T05:00:00.000Z',
      '2027-03-08T05:00:00.000Z',
      '2027-03-15T05:00:00.000Z',
    ]);
  });

  it('includes a cutoff exactly at `from`', () => {
    // Prepare
    const from = instant('2027-03-01T13:00:00+08:00');

    // Act
    const [first] = take(cutoffsFrom(weeklyMonday13, 'Asia/Shanghai', from), 1);

    // Assess
    expect(first).toBe('2027-03-01T05:00:00.000Z');
  });

  it('moves to the next week 1 ms after a cutoff', () => {
    // Prepare
    const from = instant('2027-03-01T13:00:00.001+08:00');

    // Act
    const [first] = take(cutoffsFrom(weeklyMonday13, 'Asia/Shanghai', from), 1);

    // Assess
    expect(first).toBe('2027-03-08T05:00:00.000Z');
  });

  it('finds a same-day cutoff from earlier that Monday, and next Monday from a Tuesday', () => {
    // Prepare
    const mondayMorning = instant('2027-03-08T08:00:00+08:00');
    const tuesday = instant('2027-03-09T08:00:00+08:00');

    // Act
    const [sameDay] = take(cutoffsFrom(weeklyMonday13, 'Asia/Shanghai', mondayMorning), 1);
    const [nextWeek] = take(cutoffsFrom(weeklyMonday13, 'Asia/Shanghai', tuesday), 1);

    // Assess
    expect(sameDay).toBe('2027-03-08T05:00:00.000Z');
    expect(nextWeek).toBe('2027-03-15T05:00:00.000Z');
  });

  it('finds monthly cutoffs on the configured day, from the next month once this one has passed', () => {
    // Prepare
    const monthly = Reporting.parse({
      cadence: 'monthly',
      cutoff: { day: 25, time: '17:00' },
      submitTo: '安委办',
    });
    const from = instant('2027-01-26T00:00:00+08:00');

    // Act
    const cutoffs = take(cutoffsFrom(monthly, 'Asia/Shanghai', from), 3);

    // Assess
    expect(cutoffs).toEqual([
      '2027-02-25T09:00:00.000Z',
      '2027-03-25T09:00:00.000Z',
      '2027-04-25T09:00:00.000Z',
    ]);
  });

  it('finds quarterly cutoffs in the configured month of each quarter', () => {
    // Prepare
    const quarterly = Reporting.parse({
      cadence: 'quarterly',
      cutoff: { monthOfQuarter: 3, day: 20, time: '12:00' },
      submitTo: '安委办',
    });

    // Act
    const fromNewYear = take(
      cutoffsFrom(quarterly, 'Asia/Shanghai', instant('2027-01-01T00:00:00+08:00')),
      3,
    );
    const [justAfter] = take(
      cutoffsFrom(quarterly, 'Asia/Shanghai', instant('2027-03-20T12:00:00.001+08:00')),
      1,
    );

    // Assess
    expect(fromNewYear).toEqual([
      '2027-03-20T04:00:00.000Z',
      '2027-06-20T04:00:00.000Z',
      '2027-09-20T04:00:00.000Z',
    ]);
    expect(justAfter).toBe('2027-06-20T04:00:00.000Z');
  });

  it('keeps 13:00 wall-clock in America/New_York across the March 2027 DST change; UTC shifts by an hour', () => {
    // Prepare
    const from = instant('2027-03-02T00:00:00Z');

    // Act
    const cutoffs = [...take(cutoffsFrom(weeklyMonday13, 'America/New_York', from), 2)].map(instant);

    // Assess
    expect(cutoffs.map(iso)).toEqual(['2027-03-08T18:00:00.000Z', '2027-03-15T17:00:00.000Z']);
    for (const cutoff of cutoffs) {
      const local = inZone(cutoff, 'America/New_York');
      expect([getISODay(local), local.getHours(), local.getMinutes()]).toEqual([1, 13, 0]);
    }
  });
});

describe('previousCutoff and secondStageAfter', () => {
  it('gives the cutoff one period earlier, which opens the period', () => {
    // Prepare
    const cutoff = instant('2027-03-08T05:00:00.000Z');

    // Act
    const previous = previousCutoff(weeklyMonday13, 'Asia/Shanghai', cutoff);

    // Assess
    expect(iso(previous)).toBe('2027-03-01T05:00:00.000Z');
  });

  it('gives the Monday 17:30 bulletin after a Friday 12:00 cutoff, and none without a second stage', () => {
    // Prepare
    const def = withBulletin();
    const friday = instant('2027-03-05T12:00:00+08:00');

    // Act
    const bulletin = secondStageAfter(def.reporting, def.timeZone, friday);
    const none = secondStageAfter(weeklyMonday13, 'Asia/Shanghai', friday);

    // Assess
    expect(iso(bulletin as Instant)).toBe('2027-03-08T09:30:00.000Z');
    expect(none).toBeNull();
  });
});

describe('nextReportMoment', () => {
  it('gives reminders 24 h and 2 h before each cutoff, then the cutoff, only inside the rectify window', () => {
    // Prepare
    const def = minimal();
    const window = definedWindow(def, 'rectify');

    // Act
    const moments = reportMomentsOf(def, 'rectify', window);

    // Assess
    // The 24 h reminder of 2027-03-01 falls before rectify starts; 2027-03-22 is inspect's cutoff.
    expect(moments).toEqual([
      { at: '2027-03-01T03:00:00.000Z', moment: 'reminder', period: '2027-03-01' },
      { at: '2027-03-01T05:00:00.000Z', moment: 'cutoff', period: '2027-03-01' },
      { at: '2027-03-07T05:00:00.000Z', moment: 'reminder', period: '2027-03-08' },
      { at: '2027-03-08T03:00:00.000Z', moment: 'reminder', period: '2027-03-08' },
      { at: '2027-03-08T05:00:00.000Z', moment: 'cutoff', period: '2027-03-08' },
      { at: '2027-03-14T05:00:00.000Z', moment: 'reminder', period: '2027-03-15' },
      { at: '2027-03-15T03:00:00.000Z', moment: 'reminder', period: '2027-03-15' },
      { at: '2027-03-15T05:00:00.000Z', moment: 'cutoff', period: '2027-03-15' },
    ]);
  });

  it('follows each cutoff with the second-stage bulletin when the weekly rule has one', () => {
    // Prepare
    const def = withBulletin();
    const window = definedWindow(def, 'rectify');

    // Act
    const moments = reportMomentsOf(def, 'rectify', window).slice(0, 5);

    // Assess
    expect(moments).toEqual([
      { at: '2027-03-04T04:00:00.000Z', moment: 'reminder', period: '2027-03-05' },
      { at: '2027-03-05T02:00:00.000Z', moment: 'reminder', period: '2027-03-05' },
      { at: '2027-03-05T04:00:00.000Z', moment: 'cutoff', period: '2027-03-05' },
      { at: '2027-03-08T09:30:00.000Z', moment: 'bulletin', period: '2027-03-05' },
      { at: '2027-03-11T04:00:00.000Z', moment: 'reminder', period: '2027-03-12' },
    ]);
  });

  it('finds the bulletin from a step taken the day after the cutoff', () => {
    // Prepare
    const def = withBulletin();
    const window = definedWindow(def, 'rectify');
    const saturday = { at: instant('2027-03-06T10:00:00+08:00'), moment: 'deadlines' as const };

    // Act
    const next = nextReportMoment(def, 'rectify', window, saturday);

    // Assess
    expect(show(next)).toEqual({ at: '2027-03-08T09:30:00.000Z', moment: 'bulletin', period: '2027-03-05' });
  });

  it('still finds the bulletin from a step taken more than a day after the cutoff (Sunday, Monday morning)', () => {
    const def = withBulletin();
    const window = definedWindow(def, 'rectify');
    for (const at of ['2027-03-07T15:00:00+08:00', '2027-03-08T09:00:00+08:00']) {
      const next = nextReportMoment(def, 'rectify', window, { at: instant(at), moment: 'deadlines' });
      expect(show(next), at).toEqual({
        at: '2027-03-08T09:30:00.000Z',
        moment: 'bulletin',
        period: '2027-03-05',
      });
    }
  });

  it('gives nothing for phases that do not report', () => {
    // Prepare
    const def = minimal();

    // Act
    const mobilize = nextReportMoment(def, 'mobilize', definedWindow(def, 'mobilize'), {
      at: definedWindow(def, 'mobilize').start,
      moment: 'phaseStart',
    });
    const longTerm = nextReportMoment(def, 'longTerm', definedWindow(def, 'longTerm'), {
      at: definedWindow(def, 'longTerm').start,
      moment: 'phaseStart',
    });

    // Assess
    expect(mobilize).toBeNull();
    expect(longTerm).toBeNull();
  });

  it('gives the cutoff itself, not the reminder again, right after a reminder step', () => {
    // Prepare
    const def = minimal();
    const window = definedWindow(def, 'rectify');
    const reminder = { at: instant('2027-03-08T03:00:00.000Z'), moment: 'reminder' as const };

    // Act
    const next = nextReportMoment(def, 'rectify', window, reminder);

    // Assess
    expect(show(next)).toEqual({ at: '2027-03-08T05:00:00.000Z', moment: 'cutoff', period: '2027-03-08' });
  });
});

describe('nextMoment', () => {
  const def = minimal();
  const rectify = definedWindow(def, 'rectify');
  const cutoff = instant('2027-03-08T05:00:00.000Z');

  it('orders moments at one instant by priority: a due item after the cutoff, the phase end last', () => {
    // Prepare
    const end = rectify.end as Instant;
    const beforeEnd = { at: instant('2027-03-20T10:00:00+08:00'), moment: 'deadlines' as const };

    // Act
    const atEnd = nextMoment({
      def,
      phase: 'rectify',
      window: rectify,
      after: beforeEnd,
      nextItemDueAt: end,
    });
    const afterItem = nextMoment({
      def,
      phase: 'rectify',
      window: rectify,
      after: { at: end, moment: 'deadlines' },
      nextItemDueAt: null,
    });

    // Assess
    expect(show(atEnd)).toEqual({ at: '2027-03-21T16:00:00.000Z', moment: 'deadlines', period: undefined });
    expect(show(afterItem)).toEqual({
      at: '2027-03-21T16:00:00.000Z',
      moment: 'phaseEnd',
      period: undefined,
    });
  });

  it('takes the cutoff before an item due at the same instant', () => {
    // Prepare
    const reminder = { at: instant('2027-03-08T03:00:00.000Z'), moment: 'reminder' as const };

    // Act
    const next = nextMoment({
      def,
      phase: 'rectify',
      window: rectify,
      after: reminder,
      nextItemDueAt: cutoff,
    });

    // Assess
    expect(show(next)).toEqual({ at: '2027-03-08T05:00:00.000Z', moment: 'cutoff', period: '2027-03-08' });
  });

  it('still picks an item due exactly at the cutoff just processed, as deadlines at the same instant', () => {
    // Prepare
    const justDone = { at: cutoff, moment: 'cutoff' as const };

    // Act
    const next = nextMoment({
      def,
      phase: 'rectify',
      window: rectify,
      after: justDone,
      nextItemDueAt: cutoff,
    });

    // Assess
    expect(show(next)).toEqual({ at: '2027-03-08T05:00:00.000Z', moment: 'deadlines', period: undefined });
  });

  it('clamps an item already in the past to `after.at` instead of scheduling it in the past', () => {
    // Prepare
    const started = { at: instant('2027-03-05T10:00:00+08:00'), moment: 'phaseStart' as const };
    const overdue = instant('2027-03-02T00:00:00+08:00');

    // Act
    const next = nextMoment({
      def,
      phase: 'rectify',
      window: rectify,
      after: started,
      nextItemDueAt: overdue,
    });

    // Assess
    expect(show(next)).toEqual({ at: '2027-03-05T02:00:00.000Z', moment: 'deadlines', period: undefined });
  });

  it('ends the phase at its window end when nothing else is due', () => {
    // Prepare
    const lastCutoff = { at: instant('2027-03-15T05:00:00.000Z'), moment: 'cutoff' as const };

    // Act
    const next = nextMoment({
      def,
      phase: 'rectify',
      window: rectify,
      after: lastCutoff,
      nextItemDueAt: null,
    });

    // Assess
    expect(show(next)).toEqual({ at: '2027-03-21T16:00:00.000Z', moment: 'phaseEnd', period: undefined });
  });

  it('wakes at least every MAX_WAIT_DAYS days in a long phase with nothing due', () => {
    // Prepare
    const long = variant((input) => {
      input.phases = {
        mobilize: { start: '2027-01-04', end: '2027-04-30' },
        rectify: { start: '2027-05-01', end: '2027-05-31' },
        inspect: { start: '2027-06-01', end: '2027-06-10' },
        longTerm: { start: '2027-06-11' },
      };
    });
    const window = definedWindow(long, 'mobilize');
    const moments: { at: string; moment: Moment; waitDays: number }[] = [];
    let after: { at: Instant; moment: Moment } = { at: window.start, moment: 'phaseStart' };

    // Act
    while (after.moment !== 'phaseEnd') {
      const next = nextMoment({ def: long, phase: 'mobilize', window, after, nextItemDueAt: null });
      moments.push({
        at: iso(next.at),
        moment: next.moment,
        waitDays: (next.at.getTime() - after.at.getTime()) / 86_400_000,
      });
      after = next;
    }

    // Assess
    expect(MAX_WAIT_DAYS).toBe(31);
    expect(moments.map((m) => m.moment)).toEqual(['heartbeat', 'heartbeat', 'heartbeat', 'phaseEnd']);
    expect(moments[0]).toEqual({ at: '2027-02-03T16:00:00.000Z', moment: 'heartbeat', waitDays: 31 });
    expect(moments.at(-1)?.at).toBe('2027-04-30T16:00:00.000Z');
    for (const m of moments) expect(m.waitDays).toBeLessThanOrEqual(MAX_WAIT_DAYS);
  });

  it('runs the long-term monthly check on checkDay at checkTime, local time', () => {
    // Prepare
    const custom = variant((input) => {
      input.phases.longTerm = { start: '2027-03-29', checkDay: 15, checkTime: '08:30' };
    });
    const window = definedWindow(custom, 'longTerm');
    const at: string[] = [];
    let after: { at: Instant; moment: Moment } = { at: window.start, moment: 'phaseStart' };

    // Act
    for (let i = 0; i < 3; i++) {
      const next = nextMoment({ def: custom, phase: 'longTerm', window, after, nextItemDueAt: null });
      at.push(`${next.moment}@${iso(next.at)}`);
      after = next;
    }

    // Assess
    expect(at).toEqual([
      'monthlyCheck@2027-04-15T00:30:00.000Z',
      'monthlyCheck@2027-05-15T00:30:00.000Z',
      'monthlyCheck@2027-06-15T00:30:00.000Z',
    ]);
  });

  it('uses the default long-term check, the 1st at 09:00, and moves past a check just done', () => {
    // Prepare
    const window = definedWindow(def, 'longTerm');
    const checkDone = { at: instant('2027-04-01T09:00:00+08:00'), moment: 'monthlyCheck' as const };

    // Act
    const first = nextMonthlyCheck(def, { at: window.start, moment: 'phaseStart' });
    const afterCheck = nextMoment({ def, phase: 'longTerm', window, after: checkDone, nextItemDueAt: null });

    // Assess
    expect(iso(first)).toBe('2027-04-01T01:00:00.000Z');
    expect(show(afterCheck)).toEqual({
      at: '2027-05-01T01:00:00.000Z',
      moment: 'monthlyCheck',
      period: undefined,
    });
  });

  it('lets a due item come before the monthly check in the long term', () => {
    // Prepare
    const window = definedWindow(def, 'longTerm');
    const item = instant('2027-03-30T12:00:00+08:00');

    // Act
    const next = nextMoment({
      def,
      phase: 'longTerm',
      window,
      after: { at: window.start, moment: 'phaseStart' },
      nextItemDueAt: item,
    });

    // Assess
    expect(show(next)).toEqual({ at: '2027-03-30T04:00:00.000Z', moment: 'deadlines', period: undefined });
  });
});
