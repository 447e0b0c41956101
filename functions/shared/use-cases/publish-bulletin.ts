import { addSeconds } from 'date-fns';
import { hazardChartSvg } from '../domain/bulletin/chart.ts';
import {
  type BulletinDocumentFormat,
  bulletinDocumentName,
  compileBulletin,
} from '../domain/bulletin/compile.ts';
import { bulletinCsv } from '../domain/bulletin/csv.ts';
import { bulletinHtml } from '../domain/bulletin/html.ts';
import { bulletinMarkdown } from '../domain/bulletin/markdown.ts';
import { presentBulletin } from '../domain/bulletin/present.ts';
import type { CampaignDefinition, Phase, Unit } from '../domain/definition.ts';
import { cutoffOfPeriod } from '../domain/periods.ts';
import type { BulletinArchive, CampaignStore } from '../domain/ports.ts';
import type { BulletinRecord, PeriodOutcome, ReportRecord } from '../domain/records.ts';
import { cutoffsFrom, definedWindow, type Instant, iso, previousCutoff } from '../domain/schedule.ts';
import { countLedger } from './hazards.ts';

export interface PublishedBulletin {
  record: BulletinRecord;
  markdown: string;
  html: string;
  /** The HTML to send by mail: the document, or with a large annex cut to MAIL_ANNEX_ROWS. */
  mailHtml: string;
  csv: string;
  svg: string;
}

/** The next cutoff after this one, while a reporting phase can still hold it (for "report by …"). */
const nextCutoffAfter = (def: CampaignDefinition, cutoff: Instant): string | null => {
  const next = cutoffsFrom(def.reporting, def.timeZone, addSeconds(cutoff, 1)).next().value;
  if (!next) return null;
  const ends = def.reporting.phases.map((p) => definedWindow(def, p).end);
  const open = ends.some((end) => end === null || next < end);
  return open ? iso(next) : null;
};

/**
 * Compiles a period's bulletin from the reports as they stand, writes its documents to the archive
 * and its figures to the store, and returns them for delivery. Reads are Queries of one period's
 * reports, the units and the earlier bulletins, so a 1,000-unit campaign costs a handful of pages.
 * Running it again for the same period rewrites the same documents: a retried tick is harmless.
 */
/** Annex rows in a mailed bulletin: about 100 KB of HTML. */
export const MAIL_ANNEX_ROWS = 100;

export const publishBulletin = async (
  store: CampaignStore,
  archive: BulletinArchive,
  input: {
    def: CampaignDefinition;
    period: string;
    at: Instant;
    phase: Phase;
    round: number;
    /** All units; the period's outcome (or the accountable units) says who was due. */
    units: Unit[];
    accountable: Unit[];
    /** The period's outcome when the caller has just recorded it (at the cutoff). */
    outcome?: PeriodOutcome;
    /** Reads a period's current reports; the caller's, so that a tick reads each period once. */
    reportsOf?: (period: string) => Promise<ReportRecord[]>;
  },
): Promise<PublishedBulletin> => {
  const { def, period, at } = input;
  const cutoff = cutoffOfPeriod(def, period);
  const reportsOf = input.reportsOf ?? ((p: string) => store.listReports(def.id, p));
  const [reports, earlier, outcome, tasks, hazards] = await Promise.all([
    reportsOf(period),
    store.listBulletins(def.id),
    input.outcome ??
      store.listPeriodOutcomes(def.id).then((outcomes) => outcomes.find((o) => o.period === period)),
    store.listTasks(def.id),
    store.listHazards(def.id),
  ]);
  const unitById = new Map(input.units.map((u) => [u.id, u]));
  const expected = outcome
    ? outcome.expected.flatMap((id) => unitById.get(id) ?? [])
    : input.accountable.filter((u) => u.reports);
  const previous = earlier
    .filter((b) => b.cutoff < iso(cutoff))
    .sort((a, b) => a.cutoff.localeCompare(b.cutoff))
    .at(-1);
  const previousPeriodReports = previous ? await reportsOf(previous.period) : [];
  const openTasks = tasks.filter((t) => t.status === 'open');
  const ledger = countLedger(
    hazards,
    expected.map((u) => u.id),
    at,
  );
  const sum = (key: 'open' | 'overdue') => ledger.reduce((n, line) => n + line[key], 0);

  const { record, rows, series } = compileBulletin({
    def,
    period,
    opensAt: previousCutoff(def.reporting, def.timeZone, cutoff),
    cutoff,
    compiledAt: at,
    phase: outcome?.phase ?? input.phase,
    round: outcome?.round ?? input.round,
    units: expected,
    reports,
    earlier,
    previousPeriodReports,
    escalated: (outcome?.escalated ?? []).flatMap((id) => unitById.get(id) ?? []),
    items: {
      open: openTasks.length + sum('open'),
      overdue: openTasks.filter((t) => t.dueAt < iso(at)).length + sum('overdue'),
    },
    ledger: new Map(ledger.map((line) => [line.unitId, { open: line.open, overdue: line.overdue }])),
  });
  const view = presentBulletin(def, record, nextCutoffAfter(def, cutoff));
  const svg = hazardChartSvg(series, {
    title: view.labels.chartTitle,
    found: view.labels.chartFound,
    fixed: view.labels.chartFixed,
  });
  const html = bulletinHtml(view, rows, def.reporting.fields, svg, def.language);
  const csv = bulletinCsv(view, rows, def.reporting.fields);
  const put = (format: BulletinDocumentFormat, contentType: string, body: string) =>
    archive.put({ campaignId: def.id, name: bulletinDocumentName(period, format), contentType, body });
  const [htmlAt, csvAt, svgAt] = await Promise.all([
    put('html', 'text/html', html),
    put('csv', 'text/csv', csv),
    put('svg', 'image/svg+xml', svg),
  ]);
  const markdown = bulletinMarkdown(view, htmlAt);
  // The mail copy travels in an outbox item (DynamoDB's 400 KB limit) and a mail (providers cap
  // around 10 MB, readers far sooner): a large campaign's annex is cut, pointing at the whole one.
  const mailHtml =
    rows.length > MAIL_ANNEX_ROWS
      ? bulletinHtml(view, rows, def.reporting.fields, svg, def.language, {
          rows: MAIL_ANNEX_ROWS,
          address: htmlAt,
        })
      : html;
  const markdownAt = await put('md', 'text/markdown', markdown);
  const stored: BulletinRecord = {
    ...record,
    files: { html: htmlAt, csv: csvAt, svg: svgAt, markdown: markdownAt },
  };
  await store.putBulletin(stored);
  return { record: stored, markdown, html, mailHtml, csv, svg };
};
