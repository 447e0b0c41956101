import type { CampaignDefinition, Phase, Unit } from '../definition.ts';
import type { BulletinRecord, ReportRecord } from '../records.ts';
import { COUNT_KEYS, type Counts, ZERO_COUNTS } from '../report-content.ts';
import type { Instant } from '../schedule.ts';
import { iso } from '../schedule.ts';

/** The documents a bulletin is published as: the robot message, the document for leaders, the annex, the chart. */
export type BulletinDocumentFormat = 'md' | 'html' | 'csv' | 'svg';

/** Where a period's bulletin document lives in the campaign's archive. */
export const bulletinDocumentName = (period: string, format: BulletinDocumentFormat): string =>
  `bulletins/${period}.${format}`;

/** One row of the bulletin's per-unit table (附表). */
export interface BulletinRow {
  unitId: string;
  name: string;
  status: 'onTime' | 'late' | 'missing';
  submittedAt?: string;
  lateBySeconds: number;
  version: number;
  counts: Counts;
  extra: Record<string, string | number>;
  /** The unit's hazards in the ledger: not yet closed, and of those past their deadline. */
  hazardsOpen: number;
  hazardsOverdue: number;
}

/** One period of the chart: what the units found and fixed. */
export interface SeriesPoint {
  period: string;
  found: number;
  fixed: number;
}

export interface CompiledBulletin {
  record: BulletinRecord;
  rows: BulletinRow[];
  series: SeriesPoint[];
}

export interface BulletinInput {
  def: CampaignDefinition;
  period: string;
  opensAt: Instant;
  cutoff: Instant;
  compiledAt: Instant;
  phase: Phase;
  round: number;
  /** The units due to report this period, in the organisation's order. */
  units: Unit[];
  /** Current versions of this period's reports. */
  reports: ReportRecord[];
  /** Bulletins already compiled for this campaign, any order (this period's own is ignored). */
  earlier: BulletinRecord[];
  /** Current reports of the previous bulletin's period, to name who reported it after its bulletin. */
  previousPeriodReports: ReportRecord[];
  escalated: Unit[];
  items: { open: number; overdue: number };
  /** Open and overdue ledger items per responsible unit (units without any may be absent). */
  ledger?: Map<string, { open: number; overdue: number }>;
}

const addCounts = (a: Counts, b: Counts): Counts =>
  Object.fromEntries(COUNT_KEYS.map((k) => [k, a[k] + b[k]])) as Counts;

/** The figures of a bulletin, from the reports as they stand when it is compiled. */
export const compileBulletin = (input: BulletinInput): CompiledBulletin => {
  const earlier = input.earlier
    .filter((b) => b.cutoff < iso(input.cutoff))
    .sort((a, b) => a.cutoff.localeCompare(b.cutoff));
  const previous = earlier.at(-1);
  const byUnit = new Map(input.reports.map((r) => [r.unitId, r]));
  const rows: BulletinRow[] = input.units.map((unit) => {
    const report = byUnit.get(unit.id);
    return {
      unitId: unit.id,
      name: unit.name,
      status: !report ? 'missing' : report.onTime ? 'onTime' : 'late',
      submittedAt: report?.firstSubmittedAt ?? report?.submittedAt,
      lateBySeconds: report?.lateBySeconds ?? 0,
      version: report?.version ?? 0,
      counts: report?.content.counts ?? ZERO_COUNTS,
      extra: report?.content.extra ?? {},
      hazardsOpen: input.ledger?.get(unit.id)?.open ?? 0,
      hazardsOverdue: input.ledger?.get(unit.id)?.overdue ?? 0,
    };
  });
  const ref = (r: BulletinRow) => ({ id: r.unitId, name: r.name });
  const totals = rows.reduce((t, r) => addCounts(t, r.counts), ZERO_COUNTS);

  const missingBefore = new Set(previous?.missing.map((u) => u.id) ?? []);
  const previousLate = input.previousPeriodReports
    .filter((r) => missingBefore.has(r.unitId))
    .map((r) => ({
      id: r.unitId,
      name: previous?.missing.find((u) => u.id === r.unitId)?.name ?? r.unitId,
      lateBySeconds: r.lateBySeconds,
    }));

  const record: BulletinRecord = {
    campaignId: input.def.id,
    period: input.period,
    number: earlier.length + 1,
    opensAt: iso(input.opensAt),
    cutoff: iso(input.cutoff),
    compiledAt: iso(input.compiledAt),
    phase: input.phase,
    round: input.round,
    expected: rows.length,
    onTime: rows.filter((r) => r.status === 'onTime').map(ref),
    late: rows.filter((r) => r.status === 'late').map((r) => ({ ...ref(r), lateBySeconds: r.lateBySeconds })),
    missing: rows.filter((r) => r.status === 'missing').map(ref),
    escalated: input.escalated.map((u) => ({ id: u.id, name: u.name })),
    previousLate,
    totals,
    ...(previous ? { previousTotals: previous.totals } : {}),
    items: input.items,
    files: {},
  };
  const series = [...earlier, record].map((b) => ({
    period: b.period,
    found: b.totals.hazardsFound,
    fixed: b.totals.hazardsFixed,
  }));
  return { record, rows, series };
};

/** Percentage of units on time, rounded; 100 when nobody was due. */
export const onTimeRate = (record: BulletinRecord): number =>
  record.expected === 0 ? 100 : Math.round((record.onTime.length / record.expected) * 100);
