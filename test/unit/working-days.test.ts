import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Reporting } from '../../functions/shared/domain/definition.ts';
import { DefinitionError } from '../../functions/shared/domain/errors.ts';
import { parseDefinitionYaml } from '../../functions/shared/domain/load-definition.ts';
import { cutoffsFrom, instant, iso, previousCutoff } from '../../functions/shared/domain/schedule.ts';
import {
  addWorkingDays,
  CALENDAR_RANGE,
  CalendarCoverageError,
  isWorkingDay,
  onOrNextWorkingDay,
} from '../../functions/shared/domain/working-days.ts';

const weeklyMonday13 = (onNonWorkingDay?: 'keep' | 'nextWorkingDay'): Reporting => ({
  cadence: 'weekly',
  cutoff: { weekday: 'monday', time: '13:00' },
  submitTo: '街道安委办',
  phases: ['rectify', 'inspect'],
  reminderHoursBefore: [24, 2],
  fields: [],
  onNonWorkingDay,
});

const take = <T>(it: Iterator<T>, n: number): T[] => Array.from({ length: n }, () => it.next().value as T);

describe('working-day calendar (chinese-days)', () => {
  it('knows 2026: National Day 10-01…10-07 off, Saturday 10-10 and Sunday 09-20 worked (调休)', () => {
    expect(['2026-10-01', '2026-10-05', '2026-10-07'].map(isWorkingDay)).toEqual([false, false, false]);
    expect(isWorkingDay('2026-10-08')).toBe(true);
    expect(isWorkingDay('2026-10-10')).toBe(true);
    expect(isWorkingDay('2026-09-20')).toBe(true);
    expect(isWorkingDay('2026-10-11')).toBe(false);
  });

  it('moves a day off to the next working day: 2026-10-05 → 2026-10-08', () => {
    expect(onOrNextWorkingDay('2026-10-05')).toBe('2026-10-08');
    expect(onOrNextWorkingDay('2026-10-08')).toBe('2026-10-08');
  });

  it('counts working days across the holiday, including the make-up Saturday', () => {
    // Wed 09-30 + 1 → Thu 10-08 (the whole holiday skipped); + 3 → Sat 10-10, a working day.
    expect(addWorkingDays('2026-09-30', 1)).toBe('2026-10-08');
    expect(addWorkingDays('2026-09-30', 3)).toBe('2026-10-10');
    expect(addWorkingDays('2026-09-30', 4)).toBe('2026-10-12');
  });

  it('refuses a year the data does not cover instead of guessing it has no holidays', () => {
    expect(CALENDAR_RANGE.last).toBe(2026);
    expect(() => isWorkingDay('2027-01-01')).toThrow(CalendarCoverageError);
    expect(() => addWorkingDays('2026-12-30', 5)).toThrow(/no holiday data for 2027/);
  });
});

describe('working-day report cutoffs', () => {
  it('moves the Monday 2026-10-05 13:00 cutoff to Thursday 2026-10-08 13:00, and keeps the others', () => {
    // Act
    const moved = take(
      cutoffsFrom(weeklyMonday13('nextWorkingDay'), 'Asia/Shanghai', instant('2026-09-28T00:00:00+08:00')),
      3,
    );
    const kept = take(
      cutoffsFrom(weeklyMonday13(), 'Asia/Shanghai', instant('2026-09-28T00:00:00+08:00')),
      3,
    );

    // Assess
    expect(moved.map(iso)).toEqual([
      '2026-09-28T05:00:00.000Z',
      '2026-10-08T05:00:00.000Z',
      '2026-10-12T05:00:00.000Z',
    ]);
    expect(kept.map(iso)[1]).toBe('2026-10-05T05:00:00.000Z');
  });

  it('finds a moved cutoff from inside its own week, and the cutoff before it', () => {
    const rule = weeklyMonday13('nextWorkingDay');
    const [next] = take(cutoffsFrom(rule, 'Asia/Shanghai', instant('2026-10-06T09:00:00+08:00')), 1);
    expect(iso(next as never)).toBe('2026-10-08T05:00:00.000Z');
    expect(iso(previousCutoff(rule, 'Asia/Shanghai', instant('2026-10-08T13:00:00+08:00')))).toBe(
      '2026-09-28T05:00:00.000Z',
    );
  });

  it('makes two cutoffs moved onto the same day one (Spring Festival 2026)', () => {
    // Mondays 02-16 and 02-23 are both off; the next working day is Tuesday 02-24.
    const cutoffs = take(
      cutoffsFrom(weeklyMonday13('nextWorkingDay'), 'Asia/Shanghai', instant('2026-02-10T00:00:00+08:00')),
      2,
    );
    expect(cutoffs.map(iso)).toEqual(['2026-02-24T05:00:00.000Z', '2026-03-02T05:00:00.000Z']);
  });
});

describe('deadlines in working days', () => {
  const minimal = readFileSync(join(import.meta.dirname, '../fixtures/minimal.yaml'), 'utf8');

  it('resolves `due: { workingDays, after }` to its date at load', () => {
    const text = minimal.replace('due: 2027-03-12', 'due: { workingDays: 1, after: 2026-09-30 }');
    const def = parseDefinitionYaml(text, 'minimal.yaml');
    expect(def.tasks[0]?.due).toBe('2026-10-08');
  });

  it('refuses one in a year the calendar does not know, naming the field', () => {
    const text = minimal.replace('due: 2027-03-12', 'due: { workingDays: 3, after: 2027-03-01 }');
    try {
      parseDefinitionYaml(text, 'minimal.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DefinitionError);
      const issue = (error as DefinitionError).issues.find((i) => i.path === 'tasks[0].due');
      expect(issue?.message).toMatch(/no holiday data for 2027/);
    }
  });
});
