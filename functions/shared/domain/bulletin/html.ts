import type { ReportField } from '../report-content.ts';
import { COUNT_KEYS } from '../report-content.ts';
import { escapeXml as esc } from './chart.ts';
import type { BulletinRow } from './compile.ts';
import type { BulletinView } from './present.ts';

const list = (view: BulletinView, names: string[]): string =>
  names.length === 0 ? esc(view.labels.none) : esc(names.join(view.labels.listSeparator));

const STATUS_COLOUR = { onTime: '#2e7d32', late: '#b26a00', missing: '#c0392b' } as const;

/**
 * The bulletin as a document the office would send: a red masthead, numbered sections, the trend
 * table and chart, and the per-unit annex. One self-contained file with inline styles only, so it
 * reads the same in a browser, printed, and in a mail client that drops <style> blocks.
 */
export const bulletinHtml = (
  view: BulletinView,
  rows: BulletinRow[],
  fields: readonly ReportField[],
  chartSvg: string,
  language: string,
  /** A mail copy: at most `rows` annex rows, then where the whole document is. */
  shorten?: { rows: number; address: string },
): string => {
  const { labels } = view;
  const shown = shorten && rows.length > shorten.rows ? rows.slice(0, shorten.rows) : rows;
  const p = (text: string) =>
    `<p style="margin:0 0 10px;text-indent:2em;line-height:1.9;font-size:16px">${text}</p>`;
  const h2 = (text: string) =>
    `<h2 style="font-size:17px;margin:22px 0 10px;font-weight:bold;font-family:inherit">${esc(text)}</h2>`;
  const th = (text: string, align = 'left') =>
    `<th style="border:1px solid #999;padding:4px 6px;background:#f3f3f3;text-align:${align};font-weight:bold">${esc(text)}</th>`;
  const td = (text: string, align = 'left', colour?: string, nowrap = false) =>
    `<td style="border:1px solid #999;padding:4px 6px;text-align:${align}${colour ? `;color:${colour}` : ''}${nowrap ? ';white-space:nowrap' : ''}">${text}</td>`;
  const table = (head: string, body: string) =>
    `<table style="border-collapse:collapse;width:100%;font-size:13px;margin:6px 0 12px">` +
    `<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;

  const trend = table(
    th(labels.trendHeader.measure) +
      th(labels.trendHeader.current, 'right') +
      th(labels.trendHeader.previous, 'right') +
      th(labels.trendHeader.change, 'right'),
    view.trend
      .map(
        (t) =>
          `<tr>${td(esc(t.measure))}${td(String(t.current), 'right')}${td(t.previous === null ? '—' : String(t.previous), 'right')}${td(esc(t.change), 'right')}</tr>`,
      )
      .join(''),
  );

  const annex = table(
    th('#', 'right') +
      th(labels.table.unit) +
      th(labels.table.status) +
      th(labels.table.submittedAt) +
      th(labels.table.lateBy) +
      COUNT_KEYS.map((k) => th(labels.counts[k], 'right')).join('') +
      th(labels.table.hazardsOpen, 'right') +
      th(labels.table.hazardsOverdue, 'right') +
      fields.map((f) => th(f.label)).join(''),
    shown
      .map(
        (r, i) =>
          `<tr>${td(String(i + 1), 'right')}${td(esc(r.name))}${td(esc(labels.status[r.status]), 'left', STATUS_COLOUR[r.status], true)}` +
          td(r.submittedAt ? esc(view.shortTime(r.submittedAt)) : '', 'left', undefined, true) +
          td(r.status === 'late' ? esc(view.duration(r.lateBySeconds)) : '', 'left', undefined, true) +
          COUNT_KEYS.map((k) => td(r.status === 'missing' ? '' : String(r.counts[k]), 'right')).join('') +
          td(String(r.hazardsOpen), 'right') +
          td(String(r.hazardsOverdue), 'right', r.hazardsOverdue > 0 ? STATUS_COLOUR.missing : undefined) +
          fields.map((f) => td(esc(String(r.extra[f.key] ?? '')))).join('') +
          '</tr>',
      )
      .join(''),
  );

  const escalated =
    view.escalated.length > 0
      ? p(
          `<b>${esc(labels.escalated)}${esc(labels.colon)}</b>${list(view, view.escalated)}${esc(labels.stop)}${esc(view.escalatedNote)}`,
        )
      : '';
  const line = (label: string, names: string[] | null) =>
    names ? p(`<b>${esc(label)}${esc(labels.colon)}</b>${list(view, names)}${esc(labels.stop)}`) : '';
  const late = line(labels.late, view.late);
  const previousLate = line(labels.previousLate, view.previousLate);

  return `<!doctype html>
<html lang="${esc(language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(view.title)} ${esc(view.number)}</title>
</head>
<body style="margin:0;background:#f5f5f5;color:#222">
<div style="max-width:820px;margin:24px auto;background:#fff;padding:40px 56px 48px;font-family:'Noto Serif CJK SC','Songti SC','SimSun',serif;box-shadow:0 1px 4px rgba(0,0,0,.15)">
<h1 style="color:#c00;text-align:center;font-size:30px;letter-spacing:2px;margin:0 0 12px;font-weight:bold">${esc(view.title)}</h1>
<p style="text-align:center;margin:0 0 6px;font-size:16px">${esc(view.number)}</p>
<div style="display:flex;justify-content:space-between;font-size:15px;margin:0 0 6px"><span>${esc(view.issuer)}</span><span>${esc(view.issuedOn)}</span></div>
<hr style="border:0;border-top:3px solid #c00;margin:0 0 20px">
<p style="margin:0 0 14px;font-size:14px;color:#555">${esc(view.period)}</p>
${h2(labels.sections.submission)}
${p(esc(view.overview))}
${late}
${line(labels.missing, view.missing)}
${escalated}
${previousLate}
${h2(labels.sections.progress)}
${trend}
<div style="text-align:center;margin:8px 0 4px">${chartSvg}</div>
${h2(labels.sections.items)}
${p(esc(view.items))}
${h2(labels.sections.requirements)}
${p(esc(view.requirement))}
<p style="text-align:right;margin:28px 0 0;font-size:16px">${esc(view.issuer)}<br>${esc(view.issuedOn)}</p>
${h2(labels.sections.table)}
${annex}
${shorten && shown.length < rows.length ? p(esc(labels.annexShortened(shown.length, rows.length, shorten.address))) : ''}
</div>
</body>
</html>
`;
};
