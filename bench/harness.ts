import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DynamoDbLocal } from '../bin/local/dynamodb-local.ts';

/**
 * The benchmark harness. A case is one file in bench/cases/ whose default export is a `BenchCase`;
 * the harness finds it there, so adding a case is adding one file. A case returns figures, each
 * printed as one table row beside its baseline (the ratio is value / baseline) and its target, and
 * optionally JSON that goes into bench/results.json under the case's key (`functions` for the
 * Lambda case). Cases run one after another, by section, then by file name.
 */

export const SECTIONS = ['lambda', 'stepFunctions', 'dynamodb', 'localRun'] as const;
export type Section = (typeof SECTIONS)[number];

export const SECTION_TITLES: Record<Section, string> = {
  lambda: 'Lambda bundles and imports',
  stepFunctions: 'Step Functions',
  dynamodb: 'DynamoDB',
  localRun: 'Local run',
};

export type Unit = 'bytes' | 'ms' | 's' | 'count' | 'USD';

export interface Figure {
  /** One row, e.g. "notify: import". */
  name: string;
  value: number;
  unit: Unit;
  /** What the value is compared with, measured in the same run where it is a measurement. */
  baseline?: { name: string; value: number };
  /** The target: the value (or the ratio to the baseline) must be at most `max`. */
  target?: { max: number; of: 'value' | 'ratio' };
}

export interface CaseResult {
  figures: Figure[];
  /** Merged into bench/results.json at the top level. */
  json?: Record<string, unknown>;
}

export interface BenchContext {
  /** Smoke mode (the test suite): tiny sizes and few iterations; the figures mean nothing then. */
  quick: boolean;
  /** A scratch directory of this run. */
  workDir: string;
  /** One DynamoDB Local for the whole run, started on first use; give each use a table of its own. */
  dynamodb(): Promise<DynamoDbLocal>;
  log(line: string): void;
}

export interface BenchCase {
  section: Section;
  /** The key of the case's JSON in results.json, and its name in the progress lines. */
  name: string;
  run(ctx: BenchContext): Promise<CaseResult>;
}

export interface FigureRow extends Figure {
  section: Section;
  case: string;
  ratio?: number;
  meetsTarget?: boolean;
}

const isBenchCase = (value: unknown): value is BenchCase => {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Partial<BenchCase>;
  return (
    typeof c.name === 'string' &&
    typeof c.run === 'function' &&
    (SECTIONS as readonly string[]).includes(String(c.section))
  );
};

export const casesDir = join(import.meta.dirname, 'cases');

/** Every case in bench/cases/, in section order, then by file name. */
export const loadCases = async (dir = casesDir): Promise<BenchCase[]> => {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts')).sort();
  const cases: BenchCase[] = [];
  for (const file of files) {
    const module = (await import(join(dir, file))) as { default?: unknown };
    if (!isBenchCase(module.default))
      throw new Error(`bench/cases/${file}: the default export is not a BenchCase`);
    cases.push(module.default);
  }
  return cases.sort((a, b) => SECTIONS.indexOf(a.section) - SECTIONS.indexOf(b.section));
};

export const toRow = (section: Section, caseName: string, figure: Figure): FigureRow => {
  const ratio =
    figure.baseline && figure.baseline.value > 0 ? figure.value / figure.baseline.value : undefined;
  const compared = figure.target?.of === 'ratio' ? ratio : figure.value;
  const meetsTarget = figure.target && compared !== undefined ? compared <= figure.target.max : undefined;
  return { ...figure, section, case: caseName, ratio, meetsTarget };
};

export const median = (values: number[]): number => {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const formatValue = (value: number, unit: Unit): string => {
  switch (unit) {
    case 'bytes':
      return `${(value / 1024).toFixed(1)} KB`;
    case 'ms':
      return `${value.toFixed(1)} ms`;
    case 's':
      return `${value.toFixed(1)} s`;
    case 'USD':
      return `$${value.toFixed(4)}`;
    case 'count':
      return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(1);
  }
};

const formatTarget = (row: FigureRow): string => {
  if (!row.target) return '';
  const limit = row.target.of === 'ratio' ? `${row.target.max}×` : formatValue(row.target.max, row.unit);
  return `≤ ${limit} ${row.meetsTarget ? 'ok' : 'MISSED'}`;
};

/** The rows as a Markdown table (readable in a terminal and pasteable into the README). */
export const markdownTable = (rows: FigureRow[]): string => {
  const header = ['', 'figure', 'value', 'baseline', 'ratio', 'target'];
  const lines = [header];
  let section: Section | undefined;
  for (const row of rows) {
    lines.push([
      row.section === section ? '' : SECTION_TITLES[row.section],
      row.name,
      formatValue(row.value, row.unit),
      row.baseline ? `${formatValue(row.baseline.value, row.unit)} (${row.baseline.name})` : '',
      row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×`,
      formatTarget(row),
    ]);
    section = row.section;
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => [...(l[i] ?? '')].length)));
  const render = (cells: string[]) =>
    `| ${cells.map((c, i) => c + ' '.repeat((widths[i] ?? 0) - [...c].length)).join(' | ')} |`;
  const [head, ...body] = lines;
  return [
    render(head ?? []),
    render(widths.map((w) => '-'.repeat(Math.max(w, 3)))),
    ...body.map(render),
  ].join('\n');
};
