import type { CampaignDefinition } from '../../functions/shared/domain/definition.ts';
import { isOverdue } from '../../functions/shared/domain/hazard.ts';
import { LADDER } from '../../functions/shared/domain/hazard-notices.ts';
import { STATE_LABELS } from '../../functions/shared/domain/ledger-export.ts';
import type { CampaignStore } from '../../functions/shared/domain/ports.ts';
import { instant, localTime } from '../../functions/shared/domain/schedule.ts';
import { countLedger, type UnitLedgerCounts } from '../../functions/shared/use-cases/hazards.ts';

/** The hazard ledger as the local run's summary shows it: every item, and the counts per unit. */

export interface LedgerSummary {
  asOf: string | null;
  items: {
    id: string;
    foundIn: string;
    responsible: string;
    category: string;
    description: string;
    urgency: string;
    state: string;
    label: string;
    deadline: string | null;
    overdue: boolean;
    failedVerifications: number;
    supervised: boolean;
    declines: number;
    /** Highest rung of the escalation ladder reached (0 when never overdue). */
    escalatedTo: number;
  }[];
  counts: (UnitLedgerCounts & { unit: string })[];
  totals: {
    total: number;
    open: number;
    overdue: number;
    fixed: number;
    closedUnfixed: number;
    supervised: number;
  };
}

const RUNG_NAMES: Record<(typeof LADDER)[number], string> = {
  responsible: '责任人',
  unitLeader: '单位负责人',
  office: '办公室',
  leadingGroup: '领导小组',
};

export const ledgerSummary = async (
  store: CampaignStore,
  def: CampaignDefinition,
  asOf: string | undefined,
): Promise<LedgerSummary> => {
  const hazards = (await store.listHazards(def.id)).sort((a, b) => a.reportedAt.localeCompare(b.reportedAt));
  const names = new Map(def.organisation.units.map((u) => [u.id, u.name]));
  const name = (id: string) => names.get(id) ?? id;
  const at = asOf ? instant(asOf) : null;
  const local = (iso: string) => localTime(iso, def.timeZone);
  const counts = at
    ? countLedger(hazards, [...names.keys()], at)
        .filter((c) => c.total > 0)
        .map((c) => ({ ...c, unit: name(c.unitId) }))
    : [];
  const sum = (key: keyof UnitLedgerCounts) => counts.reduce((n, c) => n + Number(c[key]), 0);
  return {
    asOf: at ? localTime(at, def.timeZone) : null,
    items: hazards.map((h) => ({
      id: h.id,
      foundIn: name(h.unitId),
      responsible: name(h.responsibleUnit),
      category: h.category,
      description: h.description,
      urgency: h.urgency,
      state: h.state,
      label: STATE_LABELS[h.state],
      deadline: h.deadline ? local(h.deadline) : null,
      overdue: at ? isOverdue(h, at) : false,
      failedVerifications: h.failedVerifications,
      supervised: Boolean(h.supervisedAt),
      declines: h.declines,
      escalatedTo: Math.max(
        0,
        ...h.sent.filter((k) => k.startsWith('overdue#')).map((k) => Number(k.split('#')[2])),
      ),
    })),
    counts,
    totals: {
      total: sum('total'),
      open: sum('open'),
      overdue: sum('overdue'),
      fixed: sum('fixed'),
      closedUnfixed: sum('closedUnfixed'),
      supervised: sum('supervised'),
    },
  };
};

export const ledgerSummaryMarkdown = (l: LedgerSummary): string[] => {
  if (l.items.length === 0) return ['## Hazard ledger (台账)', '', 'No hazards recorded.', ''];
  const rung = (n: number) => (n === 0 ? '—' : `${n} ${RUNG_NAMES[LADDER[n - 1] ?? 'leadingGroup']}`);
  return [
    '## Hazard ledger (台账)',
    '',
    `As of ${l.asOf}: ${l.totals.total} items, ${l.totals.fixed} fixed, ${l.totals.closedUnfixed} closed without a fix, ${l.totals.open} open (${l.totals.overdue} overdue), ${l.totals.supervised} supervised (督办).`,
    '',
    '| item | found in | responsible | what | state | deadline | failed checks | escalated to |',
    '|---|---|---|---|---|---|---|---|',
    ...l.items.map(
      (i) =>
        `| ${i.id} | ${i.foundIn} | ${i.responsible}${i.declines ? ` (退单×${i.declines})` : ''} | ${i.category}：${i.description} | ${i.label}${i.overdue ? ' **逾期**' : ''}${i.supervised ? ' 督办' : ''} | ${i.deadline ?? '—'} | ${i.failedVerifications} | ${rung(i.escalatedTo)} |`,
    ),
    '',
    '| unit | items | open | overdue | fixed (on the spot / verified) | closed, not fixed | declined | supervised |',
    '|---|---|---|---|---|---|---|---|',
    ...l.counts.map(
      (c) =>
        `| ${c.unit} | ${c.total} | ${c.open} | ${c.overdue} | ${c.fixed} (${c.fixedOnSpot} / ${c.verified}) | ${c.closedUnfixed} | ${c.declined} | ${c.supervised} |`,
    ),
    '',
  ];
};
