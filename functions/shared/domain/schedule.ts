import { DateTime } from 'luxon';
import { type CampaignDefinition, type Phase, type Reporting, WEEKDAYS } from './definition.ts';
import { onOrNextWorkingDay } from './working-days.ts';

/**
 * When things happen in a campaign: phase windows, report cutoffs, reminders, and the next
 * moment the workflow must wake. Pure functions of the definition and an instant; nothing here
 * reads the wall clock.
 */

export type Instant = DateTime<true>;

const utc = (dt: DateTime): Instant => {
  if (!dt.isValid) throw new Error(`invalid instant: ${dt.invalidExplanation ?? 'unknown'}`);
  return dt.toUTC() as Instant;
};

export const instant = (iso: string): Instant => utc(DateTime.fromISO(iso, { setZone: true }));
export const iso = (dt: DateTime): string => utc(dt).toISO();

/** Midnight at the start of `date` in `zone`. */
export const startOfLocalDay = (date: string, zone: string): Instant =>
  utc(DateTime.fromISO(date, { zone }).startOf('day'));

export const localDateTime = (date: string, time: string, zone: string): Instant =>
  utc(DateTime.fromISO(`${date}T${time}`, { zone }));

/** The local calendar date of an instant, e.g. the period key of a cutoff. */
export const localDate = (at: Instant, zone: string): string => at.setZone(zone).toISODate() as string;

export interface Window {
  start: Instant;
  /** Exclusive; null for the open-ended long-term phase. */
  end: Instant | null;
}

/**
 * The window the definition gives a phase. A phase's end date is inclusive, so it ends at the
 * next midnight, or earlier when the next phase starts on that same day (plan 8 shares boundary days).
 */
export const definedWindow = (def: CampaignDefinition, phase: Phase): Window => {
  const zone = def.timeZone;
  const { mobilize, rectify, inspect, longTerm } = def.phases;
  const endBefore = (end: string, nextStart: string): Instant => {
    const dayAfter = startOfLocalDay(end, zone).plus({ days: 1 });
    const next = startOfLocalDay(nextStart, zone);
    return DateTime.min(next, dayAfter) as Instant;
  };
  switch (phase) {
    case 'mobilize':
      return { start: startOfLocalDay(mobilize.start, zone), end: endBefore(mobilize.end, rectify.start) };
    case 'rectify':
      return { start: startOfLocalDay(rectify.start, zone), end: endBefore(rectify.end, inspect.start) };
    case 'inspect':
      return { start: startOfLocalDay(inspect.start, zone), end: endBefore(inspect.end, longTerm.start) };
    case 'longTerm':
      return { start: startOfLocalDay(longTerm.start, zone), end: null };
  }
};

/**
 * The window a phase actually gets when it starts at `at`. Round 0 follows the definition (a late
 * start shortens it); re-rectification rounds after a failed acceptance get the fixed lengths of
 * the acceptance rule, counted from the gate.
 */
export const actualWindow = (def: CampaignDefinition, phase: Phase, round: number, at: Instant): Window => {
  if (round > 0 && (phase === 'rectify' || phase === 'inspect')) {
    const days = phase === 'rectify' ? def.acceptance.reRectifyDays : def.acceptance.reInspectDays;
    return { start: at, end: at.plus({ days }) };
  }
  const defined = definedWindow(def, phase);
  const start = defined.start > at ? defined.start : at;
  const end = defined.end && defined.end < start ? start : defined.end;
  return { start, end };
};

const WEEKDAY_NUMBER = Object.fromEntries(WEEKDAYS.map((d, i) => [d, i + 1])) as Record<
  (typeof WEEKDAYS)[number],
  number
>;

/**
 * Report cutoffs at or after `from`, in order, forever (callers bound the walk). With
 * `onNonWorkingDay: nextWorkingDay` a cutoff falling on a holiday or weekend moves to the next
 * working day at the same time (a Monday cutoff on 2026-10-05 becomes Thursday 2026-10-08); two
 * cutoffs that move onto the same day are one.
 */
export function* cutoffsFrom(rule: Reporting, zone: string, from: Instant): Generator<Instant> {
  if (rule.onNonWorkingDay !== 'nextWorkingDay') {
    yield* nominalCutoffsFrom(rule, zone, from);
    return;
  }
  let last: Instant | null = null;
  // A nominal cutoff up to a month before `from` may move onto or past it (Spring Festival is the longest break).
  for (const nominal of nominalCutoffsFrom(rule, zone, from.minus({ days: 31 }))) {
    const local = nominal.setZone(zone);
    const moved = onOrNextWorkingDay(local.toISODate() as string);
    const cutoff = utc(DateTime.fromISO(`${moved}T${local.toFormat('HH:mm')}`, { zone }));
    if (cutoff < from || (last && cutoff.equals(last))) continue;
    last = cutoff;
    yield cutoff;
  }
}

function* nominalCutoffsFrom(rule: Reporting, zone: string, from: Instant): Generator<Instant> {
  const local = from.setZone(zone);
  const [hour, minute] = rule.cutoff.time.split(':').map(Number) as [number, number];
  const at = (d: DateTime) => utc(d.set({ hour, minute, second: 0, millisecond: 0 }));
  switch (rule.cadence) {
    case 'weekly': {
      const target = WEEKDAY_NUMBER[rule.cutoff.weekday];
      let day = local.startOf('day').plus({ days: (target - local.weekday + 7) % 7 });
      if (at(day) < from) day = day.plus({ weeks: 1 });
      for (;;) {
        yield at(day);
        day = day.plus({ weeks: 1 });
      }
    }
    case 'monthly': {
      let month = local.startOf('month');
      if (at(month.set({ day: rule.cutoff.day })) < from) month = month.plus({ months: 1 });
      for (;;) {
        yield at(month.set({ day: rule.cutoff.day }));
        month = month.plus({ months: 1 });
      }
    }
    case 'quarterly': {
      const quarterStart = local.startOf('quarter');
      let month = quarterStart.plus({ months: rule.cutoff.monthOfQuarter - 1 });
      if (at(month.set({ day: rule.cutoff.day })) < from) month = month.plus({ months: 3 });
      for (;;) {
        yield at(month.set({ day: rule.cutoff.day }));
        month = month.plus({ months: 3 });
      }
    }
  }
}

/** The previous cutoff strictly before `cutoff` (the start of its reporting period). */
export const previousCutoff = (rule: Reporting, zone: string, cutoff: Instant): Instant => {
  const back =
    rule.cadence === 'weekly' ? { weeks: 1 } : rule.cadence === 'monthly' ? { months: 1 } : { months: 3 };
  // The last cutoff before this one; with moved cutoffs the gap can exceed one period.
  let previous: Instant | null = null;
  for (const c of cutoffsFrom(rule, zone, cutoff.minus(back).minus({ days: 31 }))) {
    if (c >= cutoff) break;
    previous = c;
  }
  return previous ?? cutoff.minus(back);
};

/** The second-stage moment (plan 6: the office bulletin) that follows a cutoff, if the rule has one. */
export const secondStageAfter = (rule: Reporting, zone: string, cutoff: Instant): Instant | null => {
  if (rule.cadence !== 'weekly' || !rule.secondStage) return null;
  const stage = rule.secondStage;
  const stageRule: Reporting = { ...rule, cutoff: { weekday: stage.weekday, time: stage.time } };
  return cutoffsFrom(stageRule, zone, cutoff.plus({ milliseconds: 1 })).next().value as Instant;
};

/** What a wake of the workflow does. Order matters when two fall on the same instant. */
export const MOMENT_PRIORITY = {
  phaseStart: 0,
  reminder: 1,
  cutoff: 2,
  bulletin: 3,
  deadlines: 4,
  monthlyCheck: 4,
  heartbeat: 4,
  phaseEnd: 5,
} as const;
export type Moment = keyof typeof MOMENT_PRIORITY;

export interface ScheduledMoment {
  at: Instant;
  moment: Moment;
  /** Period key (local date of the cutoff) for reminder, cutoff and bulletin moments. */
  period?: string;
}

const later = (a: { at: Instant; moment: Moment }, b: { at: Instant; moment: Moment }): boolean =>
  a.at > b.at || (a.at.equals(b.at) && MOMENT_PRIORITY[a.moment] > MOMENT_PRIORITY[b.moment]);

/**
 * Report moments of a running phase strictly after `after`: reminders before each cutoff,
 * the cutoff itself, and the second-stage bulletin. Only cutoffs inside the phase window count.
 */
export const nextReportMoment = (
  def: CampaignDefinition,
  phase: Phase,
  window: Window,
  after: { at: Instant; moment: Moment },
): ScheduledMoment | null => {
  const rule = def.reporting;
  if (!rule.phases.includes(phase)) return null;
  const zone = def.timeZone;
  const maxReminder = Math.max(0, ...rule.reminderHoursBefore);
  // Look back far enough to find the bulletin of a cutoff already past (at most a week after it)
  // and the reminders of a cutoff still ahead.
  const lookBackHours = Math.max(maxReminder, rule.cadence === 'weekly' && rule.secondStage ? 7 * 24 : 0);
  const from = after.at > window.start ? after.at.minus({ hours: lookBackHours }) : window.start;
  let best: ScheduledMoment | null = null;
  for (const cutoff of cutoffsFrom(rule, zone, from)) {
    if (window.end && cutoff >= window.end) break;
    if (best && cutoff.minus({ hours: maxReminder }) > best.at) break;
    if (cutoff.minus({ hours: maxReminder }) > after.at.plus({ days: 400 })) break;
    if (cutoff < window.start) continue;
    const period = localDate(cutoff, zone);
    const candidates: ScheduledMoment[] = [
      ...rule.reminderHoursBefore.map((h) => ({
        at: cutoff.minus({ hours: h }),
        moment: 'reminder' as const,
        period,
      })),
      { at: cutoff, moment: 'cutoff', period },
    ];
    const stage = secondStageAfter(rule, zone, cutoff);
    if (stage && (!window.end || stage < window.end))
      candidates.push({ at: stage, moment: 'bulletin', period });
    for (const c of candidates) {
      if (c.at < window.start || !later(c, after)) continue;
      if (!best || later(best, c)) best = c;
    }
  }
  return best;
};

/** Long-term routine checks (巡查): monthly on the configured day and time. */
export const nextMonthlyCheck = (
  def: CampaignDefinition,
  after: { at: Instant; moment: Moment },
): Instant => {
  const { checkDay, checkTime } = def.phases.longTerm;
  const rule: Reporting = {
    cadence: 'monthly',
    cutoff: { day: checkDay, time: checkTime },
    submitTo: '',
    phases: ['longTerm'],
    reminderHoursBefore: [],
    fields: [],
  };
  for (const at of cutoffsFrom(rule, def.timeZone, after.at)) {
    if (later({ at, moment: 'monthlyCheck' }, after)) return at;
  }
  throw new Error('unreachable');
};

/** No wait is unbounded: the workflow wakes at least this often even when nothing is due. */
export const MAX_WAIT_DAYS = 31;

export interface NextMomentInput {
  def: CampaignDefinition;
  phase: Phase;
  window: Window;
  after: { at: Instant; moment: Moment };
  /** Earliest due time of an open item on the deadline index, as the store found it. */
  nextItemDueAt: Instant | null;
}

/** The next thing a running phase must do after `after`. */
export const nextMoment = ({
  def,
  phase,
  window,
  after,
  nextItemDueAt,
}: NextMomentInput): ScheduledMoment => {
  const candidates: ScheduledMoment[] = [];
  const report = nextReportMoment(def, phase, window, after);
  if (report) candidates.push(report);
  // An item already overdue when found is handled now, not lost in the past.
  if (nextItemDueAt)
    candidates.push({ at: nextItemDueAt < after.at ? after.at : nextItemDueAt, moment: 'deadlines' });
  if (phase === 'longTerm') candidates.push({ at: nextMonthlyCheck(def, after), moment: 'monthlyCheck' });
  if (window.end) candidates.push({ at: window.end, moment: 'phaseEnd' });
  candidates.push({ at: after.at.plus({ days: MAX_WAIT_DAYS }), moment: 'heartbeat' });
  const eligible = candidates.filter((c) => later(c, after));
  return eligible.reduce((best, c) => (later(best, c) ? c : best));
};
