import type { CountKey } from '../report-content.ts';

/**
 * The words of a bulletin, per language. Chinese follows the shape of a street office's 情况通报
 * (numbered sections, 应报/按时/迟报/未报); English is for campaigns run by or reported to others.
 */
export interface BulletinLabels {
  title: (campaign: string) => string;
  number: (n: number) => string;
  period: (opens: string, cutoff: string) => string;
  sections: { submission: string; progress: string; items: string; requirements: string; table: string };
  /** `late` is null when the bulletin is compiled at the cutoff itself, where nobody can be late yet. */
  overview: (f: {
    expected: number;
    onTime: number;
    late: number | null;
    missing: number;
    rate: number;
  }) => string;
  missing: string;
  late: string;
  lateUnit: (name: string, duration: string) => string;
  escalated: string;
  escalatedNote: (office: string) => string;
  previousLate: string;
  none: string;
  counts: Record<CountKey, string>;
  trendHeader: { measure: string; current: string; previous: string; change: string };
  chartTitle: string;
  chartFound: string;
  chartFixed: string;
  items: (open: number, overdue: number) => string;
  requirement: (f: { submitTo: string; nextCutoff: string | null }) => string;
  table: {
    unit: string;
    status: string;
    submittedAt: string;
    lateBy: string;
    version: string;
    hazardsOpen: string;
    hazardsOverdue: string;
  };
  status: { onTime: string; late: string; missing: string };
  fullText: string;
  duration: (days: number, hours: number, minutes: number) => string;
  lessThanMinute: string;
  andMore: (n: number) => string;
  /** Under a shortened annex (the mail copy of a large campaign's bulletin): where the whole one is. */
  annexShortened: (shown: number, total: number, address: string) => string;
  listSeparator: string;
  colon: string;
  stop: string;
  paren: (text: string) => string;
}

const zh: BulletinLabels = {
  title: (campaign) => `${campaign}工作情况通报`,
  number: (n) => `第${n}期`,
  period: (opens, cutoff) => `报送周期：${opens} 至 ${cutoff}`,
  sections: {
    submission: '一、报送情况',
    progress: '二、工作进展',
    items: '三、隐患和任务',
    requirements: '四、工作要求',
    table: '附表：各单位报送情况',
  },
  overview: ({ expected, onTime, late, missing, rate }) =>
    late === null
      ? `本期应报送单位${expected}个，截至报送截止时间按时报送${onTime}个，未报${missing}个，按时报送率${rate}%。`
      : `本期应报送单位${expected}个，按时报送${onTime}个，迟报${late}个，未报${missing}个，按时报送率${rate}%。`,
  missing: '未报单位',
  late: '迟报单位',
  lateUnit: (name, d) => `${name}（迟报${d}）`,
  escalated: '连续两期未报单位',
  escalatedNote: (office) => `已通报单位主要负责人，由${office}督促落实。`,
  previousLate: '上期补报单位',
  none: '无',
  counts: {
    sitesChecked: '检查点位（处）',
    hazardsFound: '发现隐患（处）',
    hazardsFixed: '整改隐患（处）',
    householdsVisited: '走访住户（户）',
    publicityEvents: '宣传活动（场）',
  },
  trendHeader: { measure: '指标', current: '本期', previous: '上期', change: '环比' },
  chartTitle: '各期发现隐患与整改隐患',
  chartFound: '发现隐患',
  chartFixed: '整改隐患',
  items: (open, overdue) => `截至本期，未办结事项${open}项，其中逾期${overdue}项。`,
  requirement: ({ submitTo, nextCutoff }) =>
    nextCutoff
      ? `请未报、迟报单位高度重视，立即补报，并于${nextCutoff}前按时向${submitTo}报送下期工作进展。`
      : `请未报、迟报单位高度重视，立即向${submitTo}补报。`,
  table: {
    unit: '单位',
    status: '报送情况',
    submittedAt: '报送时间',
    lateBy: '迟报时长',
    version: '版本',
    hazardsOpen: '未销号隐患',
    hazardsOverdue: '其中逾期',
  },
  status: { onTime: '按时', late: '迟报', missing: '未报' },
  fullText: '通报全文',
  duration: (d, h, m) =>
    `${d > 0 ? `${d}天` : ''}${h > 0 ? `${h}小时` : ''}${d === 0 && (m > 0 || h === 0) ? `${m}分钟` : ''}`,
  lessThanMinute: '不足1分钟',
  andMore: (n) => `等（另有${n}个单位见附表）`,
  annexShortened: (shown, total, address) =>
    `本邮件附表列出前${shown}个单位（共${total}个），完整附表见：${address}`,
  listSeparator: '、',
  colon: '：',
  stop: '。',
  paren: (text) => `（${text}）`,
};

const en: BulletinLabels = {
  title: (campaign) => `${campaign}: progress bulletin`,
  number: (n) => `No. ${n}`,
  period: (opens, cutoff) => `Reporting period: ${opens} to ${cutoff}`,
  sections: {
    submission: '1. Reports',
    progress: '2. Progress',
    items: '3. Hazards and tasks',
    requirements: '4. Requirements',
    table: 'Annex: reports by unit',
  },
  overview: ({ expected, onTime, late, missing, rate }) =>
    late === null
      ? `${expected} units were due to report: ${onTime} on time and ${missing} not in by the cutoff (${rate}% on time).`
      : `${expected} units were due to report: ${onTime} on time, ${late} late, ${missing} missing (${rate}% on time).`,
  missing: 'Missing',
  late: 'Late',
  lateUnit: (name, d) => `${name} (${d} late)`,
  escalated: 'Missing two periods in a row',
  escalatedNote: (office) => `Their leaders have been notified; ${office} follows up.`,
  previousLate: 'Late reports for the previous period',
  none: 'none',
  counts: {
    sitesChecked: 'Sites checked',
    hazardsFound: 'Hazards found',
    hazardsFixed: 'Hazards fixed',
    householdsVisited: 'Households visited',
    publicityEvents: 'Publicity events',
  },
  trendHeader: { measure: 'Measure', current: 'This period', previous: 'Previous', change: 'Change' },
  chartTitle: 'Hazards found and fixed per period',
  chartFound: 'Found',
  chartFixed: 'Fixed',
  items: (open, overdue) => `Open items: ${open}, of which ${overdue} overdue.`,
  requirement: ({ submitTo, nextCutoff }) =>
    nextCutoff
      ? `Units that are late or missing must report to ${submitTo} at once, and the next report is due ${nextCutoff}.`
      : `Units that are late or missing must report to ${submitTo} at once.`,
  table: {
    unit: 'Unit',
    status: 'Status',
    submittedAt: 'Submitted',
    lateBy: 'Late by',
    version: 'Version',
    hazardsOpen: 'Open hazards',
    hazardsOverdue: 'of which overdue',
  },
  status: { onTime: 'on time', late: 'late', missing: 'missing' },
  fullText: 'Full bulletin',
  duration: (d, h, m) =>
    [d > 0 ? `${d}d` : '', h > 0 ? `${h}h` : '', d === 0 ? `${m}m` : ''].join(' ').trim(),
  lessThanMinute: 'under a minute',
  andMore: (n) => ` and ${n} more (see the annex)`,
  annexShortened: (shown, total, address) =>
    `This mail lists the first ${shown} of ${total} units; the whole annex is at ${address}`,
  listSeparator: ', ',
  colon: ': ',
  stop: '.',
  paren: (text) => ` (${text})`,
};

export const LABELS = { 'zh-CN': zh, en } as const;
export type Language = keyof typeof LABELS;

export const formatDuration = (labels: BulletinLabels, seconds: number): string => {
  if (seconds < 60) return labels.lessThanMinute;
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return labels.duration(days, hours, minutes);
};
