import { createRequire } from 'node:module';
import { TZDate } from '@date-fns/tz';
import { addDays, getISODay, isValid, lightFormat, parseISO } from 'date-fns';

/**
 * China's working-day calendar: Monday to Friday, minus statutory holidays, plus the make-up
 * working days (调休) that the State Council announces each year (2026-10-10 is a working
 * Saturday). The data is chinese-days' table, read directly so that what the calendar knows is
 * explicit: a year it has no entries for is not a year without holidays (it answers 2027-01-01
 * as a working day), so such a date is refused with a named error instead of guessed.
 *
 * The table is read on first use, not at load: only campaigns with working-day rules
 * (`onNonWorkingDay: nextWorkingDay`, `due: { workingDays }`) need it. It is a plain `require`
 * of the package's JSON file, which esbuild leaves out of the bundle; the deployed asset carries
 * the file beside index.mjs under the same path (`BUNDLING` in lib/project-function.ts), so a
 * cold start of any other campaign neither loads nor parses its 37 KB.
 */
export const CALENDAR_FILE = 'chinese-days/dist/chinese-days.json';

interface Calendar {
  holidays: ReadonlySet<string>;
  makeUpDays: ReadonlySet<string>;
  /** Years the data covers: those with at least one announced holiday. */
  covered: ReadonlySet<number>;
  range: { first: number; last: number };
}

let loaded: Calendar | undefined;

const calendar = (): Calendar => {
  if (loaded) return loaded;
  const data = createRequire(import.meta.url)(CALENDAR_FILE) as {
    holidays: Record<string, string>;
    workdays: Record<string, string>;
  };
  const holidays = new Set(Object.keys(data.holidays));
  const covered = new Set([...holidays].map((date) => Number(date.slice(0, 4))));
  const years = [...covered].sort((a, b) => a - b);
  loaded = {
    holidays,
    makeUpDays: new Set(Object.keys(data.workdays)),
    covered,
    range: { first: years[0] ?? 0, last: years.at(-1) ?? 0 },
  };
  return loaded;
};

/** The first and last year the data covers (read from the table on first access). */
export const CALENDAR_RANGE: { readonly first: number; readonly last: number } = {
  get first() {
    return calendar().range.first;
  },
  get last() {
    return calendar().range.last;
  },
};

export class CalendarCoverageError extends Error {
  override readonly name = 'CalendarCoverageError';
  constructor(readonly date: string) {
    super(
      `the working-day calendar (chinese-days) has no holiday data for ${date.slice(0, 4)} ` +
        `(it covers ${CALENDAR_RANGE.first}–${CALENDAR_RANGE.last}); update the chinese-days package ` +
        'once the State Council publishes that year, or give the date itself instead of working days',
    );
  }
}

/** A calendar date as a day of the UTC calendar, where every day has 24 hours. */
const day = (date: string): TZDate => {
  const [year, month, dayOfMonth] = date.split('-').map(Number) as [number, number, number];
  // parseISO refuses 2026-02-30, which the Date constructor would roll over to March.
  if (!isValid(parseISO(date))) throw new Error(`not a calendar date: ${date}`);
  return new TZDate(year, month - 1, dayOfMonth, 'UTC');
};
const dateOf = (d: TZDate): string => lightFormat(d, 'yyyy-MM-dd');

/** The calendar date `days` days after `date` (both YYYY-MM-DD); `days` may be negative. */
export const addCalendarDays = (date: string, days: number): string => dateOf(addDays(day(date), days));

export const isCovered = (date: string): boolean => calendar().covered.has(Number(date.slice(0, 4)));

/** Whether people work on `date` (YYYY-MM-DD); throws CalendarCoverageError outside the data. */
export const isWorkingDay = (date: string): boolean => {
  if (!isCovered(date)) throw new CalendarCoverageError(date);
  const { makeUpDays, holidays } = calendar();
  if (makeUpDays.has(date)) return true;
  if (holidays.has(date)) return false;
  return getISODay(day(date)) <= 5;
};

/** `date` itself when it is a working day, else the first working day after it. */
export const onOrNextWorkingDay = (date: string): string => {
  let current = day(date);
  // The longest run of days off (Spring Festival plus a weekend) is under two weeks.
  for (let i = 0; i < 31; i++) {
    const text = dateOf(current);
    if (isWorkingDay(text)) return text;
    current = addDays(current, 1);
  }
  throw new Error(`no working day within a month of ${date}`);
};

/**
 * The working day `days` working days after `date` (days ≥ 1): "within 5 working days" of a
 * notice issued on `date`. `date` itself does not count, whether or not it is a working day.
 */
export const addWorkingDays = (date: string, days: number): string => {
  if (!Number.isInteger(days) || days < 1)
    throw new Error(`working days must be a positive integer: ${days}`);
  let current = day(date);
  let left = days;
  while (left > 0) {
    current = addDays(current, 1);
    if (isWorkingDay(dateOf(current))) left--;
  }
  return dateOf(current);
};
