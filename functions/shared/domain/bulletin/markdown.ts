import type { BulletinView } from './present.ts';

/** Robots cut long messages (WeCom markdown: 4,096 bytes): long name lists end with a pointer to the annex. */
const MAX_NAMES = 20;

const names = (view: BulletinView, list: string[]): string => {
  if (list.length === 0) return view.labels.none;
  const shown = list.slice(0, MAX_NAMES).join(view.labels.listSeparator);
  return list.length > MAX_NAMES ? `${shown}${view.labels.andMore(list.length - MAX_NAMES)}` : shown;
};

/**
 * The bulletin for WeCom and DingTalk group robots: only the Markdown both render (headings, bold,
 * lists, quotes, links), no tables; the per-unit annex stays in the HTML and CSV.
 */
export const bulletinMarkdown = (view: BulletinView, fullTextUrl?: string): string => {
  const { labels } = view;
  const lines = [
    `### ${view.title}${labels.paren(view.number)}`,
    `> ${view.period}`,
    '',
    `**${labels.sections.submission}**`,
    '',
    view.overview,
    '',
    ...(view.late ? [`- **${labels.late}**${labels.colon}${names(view, view.late)}`] : []),
    `- **${labels.missing}**${labels.colon}${names(view, view.missing)}`,
    ...(view.escalated.length > 0
      ? [`- **${labels.escalated}**${labels.colon}${names(view, view.escalated)}`]
      : []),
    ...(view.previousLate
      ? [`- **${labels.previousLate}**${labels.colon}${names(view, view.previousLate)}`]
      : []),
    '',
    `**${labels.sections.progress}**`,
    '',
    ...view.trend.map(
      (t) =>
        `- ${t.measure}${labels.colon}${t.current}${t.previous === null ? '' : labels.paren(`${labels.trendHeader.change} ${t.change}`)}`,
    ),
    '',
    `**${labels.sections.items}**`,
    '',
    view.items,
    '',
    `**${labels.sections.requirements}**`,
    '',
    view.requirement,
    '',
    `${view.issuer} ${view.issuedOn}`,
  ];
  if (fullTextUrl) lines.push('', `[${labels.fullText}](${fullTextUrl})`);
  return `${lines.join('\n')}\n`;
};
