import type { CampaignDefinition } from '../definition.ts';
import type { BulletinRecord } from '../records.ts';
import { COUNT_KEYS } from '../report-content.ts';
import { instant, localTime as localTimeIn } from '../schedule.ts';
import { onTimeRate } from './compile.ts';
import { type BulletinLabels, formatDuration, LABELS } from './labels.ts';

/**
 * A bulletin's words, once for every format: the HTML, the Markdown and the CSV differ in layout
 * only, never in what they say.
 */
export interface BulletinView {
  labels: BulletinLabels;
  title: string;
  number: string;
  period: string;
  issuer: string;
  issuedOn: string;
  overview: string;
  /** Null when compiled at the cutoff: lateness shows in the next bulletin, as previousLate. */
  late: string[] | null;
  missing: string[];
  escalated: string[];
  escalatedNote: string;
  /** Null when there was no earlier bulletin to be late for. */
  previousLate: string[] | null;
  trend: { measure: string; current: number; previous: number | null; change: string }[];
  items: string;
  requirement: string;
  localTime: (isoInstant: string) => string;
  /** Month, day and time only: for the annex, where the year is the bulletin's. */
  shortTime: (isoInstant: string) => string;
  duration: (seconds: number) => string;
}

const change = (current: number, previous: number | undefined): string => {
  if (previous === undefined) return '—';
  const delta = current - previous;
  if (delta === 0) return '0';
  const arrow = delta > 0 ? '↑' : '↓';
  const pct = previous === 0 ? '' : ` (${delta > 0 ? '+' : ''}${Math.round((delta / previous) * 100)}%)`;
  return `${arrow}${Math.abs(delta)}${pct}`;
};

/** "1 March 2026" (long) or "1 Sept 2026" (short): the month named as British English writes it. */
const englishDay = (at: string, zone: string, month: 'short' | 'long'): string =>
  `${localTimeIn(at, zone, 'd')} ${new Intl.DateTimeFormat('en-GB', { month, timeZone: zone }).format(instant(at))} ${localTimeIn(at, zone, 'yyyy')}`;

export const presentBulletin = (
  def: CampaignDefinition,
  record: BulletinRecord,
  nextCutoff: string | null,
): BulletinView => {
  const labels = LABELS[def.language];
  const zone = def.timeZone;
  const english = def.language === 'en';
  const localDay = (at: string) =>
    english ? englishDay(at, zone, 'long') : localTimeIn(at, zone, 'yyyy年M月d日');
  const localTime = (at: string) =>
    english
      ? `${englishDay(at, zone, 'short')} ${localTimeIn(at, zone, 'HH:mm')}`
      : localTimeIn(at, zone, 'yyyy年M月d日 HH:mm');
  const duration = (seconds: number) => formatDuration(labels, seconds);
  const atCutoff = record.compiledAt <= record.cutoff;
  return {
    labels,
    title: labels.title(def.title),
    number: labels.number(record.number),
    period: labels.period(localTime(record.opensAt), localTime(record.cutoff)),
    issuer: def.organisation.office.name,
    issuedOn: localDay(record.compiledAt),
    overview: labels.overview({
      expected: record.expected,
      onTime: record.onTime.length,
      late: atCutoff ? null : record.late.length,
      missing: record.missing.length,
      rate: onTimeRate(record),
    }),
    late: atCutoff ? null : record.late.map((u) => labels.lateUnit(u.name, duration(u.lateBySeconds))),
    missing: record.missing.map((u) => u.name),
    escalated: record.escalated.map((u) => u.name),
    escalatedNote: labels.escalatedNote(def.organisation.office.name),
    previousLate:
      record.number === 1
        ? null
        : record.previousLate.map((u) => labels.lateUnit(u.name, duration(u.lateBySeconds))),
    trend: COUNT_KEYS.map((key) => ({
      measure: labels.counts[key],
      current: record.totals[key],
      previous: record.previousTotals?.[key] ?? null,
      change: change(record.totals[key], record.previousTotals?.[key]),
    })),
    items: labels.items(record.items.open, record.items.overdue),
    requirement: labels.requirement({
      submitTo: def.reporting.submitTo,
      nextCutoff: nextCutoff ? localTime(nextCutoff) : null,
    }),
    localTime,
    shortTime: (at) => localTimeIn(at, zone, 'MM-dd HH:mm'),
    duration,
  };
};
