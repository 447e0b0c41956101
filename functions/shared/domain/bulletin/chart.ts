import type { SeriesPoint } from './compile.ts';

/** Text for an SVG/HTML text node or attribute. */
export const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);

/** A round axis maximum (1, 2, 5 × 10^n) at or above the largest value, so ticks read cleanly. */
const niceMax = (value: number): number => {
  if (value <= 5) return 5;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((s) => s * magnitude >= value) ?? 10;
  return step * magnitude;
};

export interface ChartText {
  title: string;
  found: string;
  fixed: string;
}

const COLOURS = { found: '#c0392b', fixed: '#2e7d32', axis: '#555', grid: '#ddd' } as const;
/** Beyond this many periods the bars get too thin to read; the chart shows the latest. */
const MAX_PERIODS = 26;

/**
 * Hazards found vs fixed per period, as grouped bars. Plain SVG with its own sizes and fonts, so it
 * renders the same inline in a browser, as a file, and in the HTML mail.
 */
export const hazardChartSvg = (points: SeriesPoint[], text: ChartText): string => {
  const shown = points.slice(-MAX_PERIODS);
  const width = 640;
  const height = 280;
  const margin = { top: 40, right: 16, bottom: 44, left: 44 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const max = niceMax(Math.max(0, ...shown.flatMap((p) => [p.found, p.fixed])));
  const y = (v: number) => margin.top + plotH - (v / max) * plotH;
  const slot = plotW / Math.max(shown.length, 1);
  const bar = Math.min(18, slot * 0.35);
  // A 1-2-5 maximum divided by five gives whole, round ticks (0, 10, 20… or 0, 1, 2…).
  const ticks = [0, 1, 2, 3, 4, 5].map((i) => (i * max) / 5);
  const font = `font-family="'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif"`;

  const grid = ticks
    .map(
      (t) =>
        `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(t)}" y2="${y(t)}" stroke="${COLOURS.grid}"/>` +
        `<text x="${margin.left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11" fill="${COLOURS.axis}">${t}</text>`,
    )
    .join('');
  const bars = shown
    .map((p, i) => {
      const cx = margin.left + slot * i + slot / 2;
      const label = p.period.slice(5);
      const rect = (value: number, x: number, colour: string, name: string) =>
        `<rect x="${x.toFixed(1)}" y="${y(value).toFixed(1)}" width="${bar.toFixed(1)}" height="${(margin.top + plotH - y(value)).toFixed(1)}" fill="${colour}"><title>${escapeXml(`${p.period} ${name} ${value}`)}</title></rect>`;
      return (
        rect(p.found, cx - bar - 1, COLOURS.found, text.found) +
        rect(p.fixed, cx + 1, COLOURS.fixed, text.fixed) +
        `<text x="${cx.toFixed(1)}" y="${height - margin.bottom + 16}" text-anchor="middle" font-size="11" fill="${COLOURS.axis}">${escapeXml(label)}</text>`
      );
    })
    .join('');
  const legend =
    `<rect x="${width - 180}" y="12" width="12" height="12" fill="${COLOURS.found}"/>` +
    `<text x="${width - 164}" y="22" font-size="12">${escapeXml(text.found)}</text>` +
    `<rect x="${width - 96}" y="12" width="12" height="12" fill="${COLOURS.fixed}"/>` +
    `<text x="${width - 80}" y="22" font-size="12">${escapeXml(text.fixed)}</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(text.title)}" ${font}>`,
    `<title>${escapeXml(text.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${margin.left}" y="22" font-size="14" font-weight="bold">${escapeXml(text.title)}</text>`,
    grid,
    `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(0)}" y2="${y(0)}" stroke="${COLOURS.axis}"/>`,
    bars,
    legend,
    '</svg>',
  ].join('');
};
