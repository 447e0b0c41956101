import { type HazardRecord, type HazardState, isOverdue } from './hazard.ts';
import { type Instant, localTime } from './schedule.ts';

/**
 * The ledger (台账) as a table: the columns a street office keeps in its spreadsheet, in Chinese,
 * with local times. CSV and XLSX are two renderings of the same rows.
 */

export const STATE_LABELS: Record<HazardState, string> = {
  reported: '已上报',
  ordered: '已下达整改通知',
  rectifying: '整改中',
  submitted: '已整改待复查',
  declined: '已退单待改派',
  fixedOnSpot: '当场整改（已销号）',
  verified: '复查合格（已销号）',
  closedUnfixed: '已关闭（未整改）',
};

const URGENCY_LABELS = { red: '红', yellow: '黄', blue: '蓝' } as const;

export const LEDGER_COLUMNS = [
  '编号',
  '发现单位',
  '位置',
  '类别',
  '问题描述',
  '紧急程度',
  '上报人',
  '上报时间',
  '状态',
  '责任单位',
  '责任人',
  '整改措施',
  '整改期限',
  '是否逾期',
  '复查不合格次数',
  '督办',
  '退单次数',
  '整改凭证',
  '照片',
  '销号/关闭时间',
  '关闭说明',
] as const;

export const ledgerRows = (
  hazards: HazardRecord[],
  unitName: (unitId: string) => string,
  zone: string,
  at: Instant,
): string[][] => {
  const local = (value: string | undefined) => (value ? localTime(value, zone) : '');
  return hazards.map((h) => [
    h.id,
    unitName(h.unitId),
    h.location,
    h.category,
    h.description,
    URGENCY_LABELS[h.urgency],
    h.reportedBy,
    local(h.reportedAt),
    STATE_LABELS[h.state],
    unitName(h.responsibleUnit),
    h.responsiblePerson?.name ?? '',
    h.measures,
    local(h.deadline),
    isOverdue(h, at) ? '是' : '否',
    String(h.failedVerifications),
    h.supervisedAt ? `是（${local(h.supervisedAt)}）` : '否',
    String(h.declines),
    h.evidence?.text ?? '',
    (h.evidence?.photos ?? []).join(' '),
    local(h.closedAt),
    h.closeReason ?? '',
  ]);
};

/** A cell a spreadsheet would run as a formula (=, +, -, @) is written as text. */
const cell = (value: string): string => {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

/** RFC 4180 CSV with a UTF-8 byte-order mark, so Excel opens the Chinese text correctly. */
export const ledgerCsv = (rows: string[][]): string =>
  `\uFEFF${[[...LEDGER_COLUMNS], ...rows].map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
