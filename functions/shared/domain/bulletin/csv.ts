import type { ReportField } from '../report-content.ts';
import { COUNT_KEYS } from '../report-content.ts';
import type { BulletinRow } from './compile.ts';
import type { BulletinView } from './present.ts';

/**
 * The per-unit table as CSV. It starts with a byte-order mark because Excel, which is where the
 * office opens it, reads UTF-8 Chinese as mojibake without one.
 */
/** Text a spreadsheet would run as a formula (CSV injection) is kept as text. */
const cell = (value: string | number): string | number =>
  typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;

/**
 * The CSV that csv-stringify 6 wrote here (`record_delimiter: 'windows'`, its other defaults) for
 * this table of strings and numbers, without its 11 KB in the collect-reports bundle: every record
 * ends with CRLF, and a field is quoted, its quotes doubled, when it holds a comma, a double quote
 * or a CRLF. As with csv-stringify once a record delimiter is set, a lone LF or CR stays unquoted.
 */
const field = (value: string | number): string => {
  const text = String(value);
  return /[,"]|\r\n/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
const csv = (records: (string | number)[][]): string =>
  records.map((record) => `${record.map(field).join(',')}\r\n`).join('');

export const bulletinCsv = (
  view: BulletinView,
  rows: BulletinRow[],
  fields: readonly ReportField[],
): string => {
  const { labels } = view;
  const header = [
    'unitId',
    labels.table.unit,
    labels.table.status,
    labels.table.submittedAt,
    labels.table.lateBy,
    labels.table.version,
    ...COUNT_KEYS.map((k) => labels.counts[k]),
    labels.table.hazardsOpen,
    labels.table.hazardsOverdue,
    ...fields.map((f) => f.label),
  ];
  const records = rows.map((r) =>
    [
      r.unitId,
      r.name,
      labels.status[r.status],
      r.submittedAt ? view.localTime(r.submittedAt) : '',
      r.status === 'late' ? view.duration(r.lateBySeconds) : '',
      r.version || '',
      ...COUNT_KEYS.map((k) => (r.status === 'missing' ? '' : r.counts[k])),
      r.hazardsOpen,
      r.hazardsOverdue,
      ...fields.map((f) => r.extra[f.key] ?? ''),
    ].map(cell),
  );
  return `\uFEFF${csv([header, ...records])}`;
};
