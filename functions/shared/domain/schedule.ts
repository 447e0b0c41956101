import { TZDate } from '@date-fns/tz';
import {
  addDays,
  addMilliseconds,
  addMonths,
  addWeeks,
  getISODay,
  isValid,
  lightFormat,
  min,
  parseISO,
  set,
  setDate,
  startOfDay,
  startOfMonth,
  startOfQuarter,
  subHours,
} from 'date-fns';
import { type CampaignDefinition, type Phase, type Reporting, WEEKDAYS } from './definition.ts';
import { onOrNextWorkingDay } from './working-days.ts';

/**
 * When things happen in a campaign: phase windows, report cutoffs, reminders, and the next
 * moment the workflow must wake. Pure functions of the definition and an instant; nothing here
 * reads the wall clock.
 */

/**
 * A point in time. date-fns returns a new Date from every operation and nothing here changes one
 * in place, so an Instant is treated as a value. Calendar arithmetic (days, weeks, months, a time
 * of day) is done on `inZone(at, zone)`, never on the Date itself: a plain Date's calendar is the
 * process's own time zone, which is nobody's campaign.
 */
export type Instant = Date;

const checked = (date: Date, source: string): Instant => {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new Error(`invalid instant: ${source}`);
  return new Date(ms);
};

/** An ISO 8601 instant, e.g. 2026-03-02T09:00:00+08:00; anything else throws. */
export const instant = (text: string): Instant => checked(parseISO(text), `"${text}"`);
export const iso = (at: Instant): string => checked(at, String(at)).toISOString();

/** The wall clock of `at` in `zone`; date-fns operations on it count days and months there. */
export const inZone = (at: Instant, zone: string): TZDate => new TZDate(at.getTime(), zone);

/** `at` read on the wall clock of `zone`, in a date-fns pattern (e.g. yyyy-MM-dd HH:mm). */
export const localTime = (at: Instant | string, zone: string, pattern = 'yyyy-MM-dd HH:mm'): string =>
  lightFormat(inZone(typeof at === 'string' ? instant(at) : at, zone), pattern);

/** The instant the wall clock of `zone` shows `date` (YYYY-MM-DD) at `time` (HH:MM). */
export const localDateTime = (date: string, time: string, zone: string): Instant => {
  const source = `${date}T${time}`;
  // parseISO refuses 2026-02-30, which the Date constructor would roll over to March.
  if (!isValid(parseISO(source))) throw new Error(`invalid instant: "${source}" in ${zone}`);
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  return checked(new TZDate(year, month - 1, day, hour, minute, zone), `"${source}" in ${zone}`);
};

/** Midnight at the start of `date` in `zone`. */
export const startOfLocalDay = (date: string, zone: string): Instant => localDateTime(date, '00:00', zone);

/** The local calendar date of an instant, e.g. the period key of a cutoff. */
export const localDate = (at: Instant, zone: string): string => localTime(at, zone, 'yyyy-MM-dd');

/** `days` days after `at` on the calendar of `zone` (a day across a DST change is not 24 hours). */
export const daysAfter = (at: Instant, days: number, zone: string): Instant =>
  checked(addDays(inZone(at, zone), days), `${days} days after ${String(at)}`);

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
    const dayAfter = daysAfter(startOfLocalDay(end, zone), 1, zone);
    const next = startOfLocalDay(nextStart, zone);
    return min([next, dayAfter]);
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
    return { start: at, end: daysAfter(at, days, 'UTC') };
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
  for (const nominal of nominalCutoffsFrom(rule, zone, daysAfter(from, -31, 'UTC'))) {
    const moved = onOrNextWorkingDay(localDate(nominal, zone));
    const cutoff = localDateTime(moved, localTime(nominal, zone, 'HH:mm'), zone);
    if (cutoff < from || (last && cutoff.getTime() === last.getTime())) continue;
    last = cutoff;
    yield cutoff;
  }
}

function* nominalCutoffsFrom(rule: Reporting, zone: string, from: Instant): Generator<Instant> {
  const local = inZone(from, zone);
  const [hours, minutes] = rule.cutoff.time.split(':').map(Number) as [number, number];
  // `d` is on the wall clock of `zone` (a TZDate), as every step from `local` keeps it.
  const at = (d: Date): Instant =>
    new Date(set(d, { hours, minutes, seconds: 0, milliseconds: 0 }).getTime());
  switch (rule.cadence) {
    case 'weekly': {
      const target = WEEKDAY_NUMBER[rule.cutoff.weekday];
      let day: Date = addDays(startOfDay(local), (target - getISODay(local) + 7) % 7);
      if (at(day) < from) day = addDays(day, 7);
      for (;;) {
        yield at(day);
        day = addDays(day, 7);
      }
    }
    case 'monthly': {
      const { day } = rule.cutoff;
      let month: Date = startOfMonth(local);
      if (at(setDate(month, day)) < from) month = addMonths(month, 1);
      for (;;) {
        yield at(setDate(month, day));
        month = addMonths(month, 1);
      }
    }
    case 'quarterly': {
      const { day } = rule.cutoff;
      let month: Date = addMonths(startOfQuarter(local), rule.cutoff.monthOfQuarter - 1);
      if (at(setDate(month, day)) < from) month = addMonths(month, 3);
      for (;;) {
        yield at(setDate(month, day));
        month = addMonths(month, 3);
      }
    }
  }
}

/** The previous cutoff strictly before `cutoff` (the start of its reporting period). */
export const previousCutoff = (rule: Reporting, zone: string, cutoff: Instant): Instant => {
  const local = inZone(cutoff, zone);
  const back = new Date(
    (rule.cadence === 'weekly'
      ? addWeeks(local, -1)
      : addMonths(local, rule.cadence === 'monthly' ? -1 : -3)
    ).getTime(),
  );
  // The last cutoff before this one; with moved cutoffs the gap can exceed one period.
  let previous: Instant | null = null;
  for (const c of cutoffsFrom(rule, zone, daysAfter(back, -31, 'UTC'))) {
    if (c >= cutoff) break;
    previous = c;
  }
  return previous ?? back;
};

/** The second-stage moment (plan 6: the office bulletin) that follows a cutoff, if the rule has one. */
export const secondStageAfter = (rule: Reporting, zone: string, cutoff: Instant): Instant | null => {
  if (rule.cadence !== 'weekly' || !rule.secondStage) return null;
  const stage = rule.secondStage;
  const stageRule: Reporting = { ...rule, cutoff: { weekday: stage.weekday, time: stage.time } };
  return cutoffsFrom(stageRule, zone, addMilliseconds(cutoff, 1)).next().value as Instant;
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
  a.at > b.at || (a.at.getTime() === b.at.getTime() && MOMENT_PRIORITY[a.moment] > MOMENT_PRIORITY[b.moment]);

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
  const from = after.at > window.start ? subHours(after.at, lookBackHours) : window.start;
  let best: ScheduledMoment | null = null;
  for (const cutoff of cutoffsFrom(rule, zone, from)) {
    if (window.end && cutoff >= window.end) break;
    if (best && subHours(cutoff, maxReminder) > best.at) break;
    if (subHours(cutoff, maxReminder) > daysAfter(after.at, 400, 'UTC')) break;
    if (cutoff < window.start) continue;
    const period = localDate(cutoff, zone);
    const candidates: ScheduledMoment[] = [
      ...rule.reminderHoursBefore.map((h) => ({
        at: subHours(cutoff, h),
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
  candidates.push({ at: daysAfter(after.at, MAX_WAIT_DAYS, 'UTC'), moment: 'heartbeat' });
  const eligible = candidates.filter((c) => later(c, after));
  return eligible.reduce((best, c) => (later(best, c) ? c : best));
};
