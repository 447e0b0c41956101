import { relative } from 'node:path';
import type { CampaignDefinition } from '../../functions/shared/domain/definition.ts';
import type { CampaignStore } from '../../functions/shared/domain/ports.ts';
import { instant, localTime } from '../../functions/shared/domain/schedule.ts';
import { phaseName } from '../../functions/shared/use-cases/phase-steps.ts';
import { type LedgerSummary, ledgerSummary, ledgerSummaryMarkdown } from './ledger-summary.ts';
import type { ExecutionRecord } from './runtime.ts';

/** What the local run ends with: phases, report outcomes per period, bulletins, notifications, tasks, executions. */

export interface CampaignSummary {
  campaign: { id: string; title: string; status: string; timeZone: string };
  phases: { phase: string; name: string; round: number; started: string; closed: string | null }[];
  periods: {
    period: string;
    phase: string;
    round: number;
    expected: number;
    onTime: string[];
    late: { unit: string; lateBy: string }[];
    missing: string[];
  }[];
  bulletins: {
    number: number;
    period: string;
    onTime: number;
    expected: number;
    late: number;
    missing: number;
    escalated: string[];
    hazardsFound: number;
    hazardsFixed: number;
    files: Record<string, string>;
  }[];
  /** Every version counted: a corrected report counts twice. */
  reportVersions: number;
  notifications: { total: number; byKind: Record<string, number>; byStatus: Record<string, number> };
  tasks: { total: number; done: number; open: string[] };
  gates: { round: number; failing: string[]; reRectify: boolean }[];
  executions: ExecutionRecord[];
  campaignWeeks: number;
  ledger: LedgerSummary;
}

const lateText = (seconds: number) => {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m`;
};

export const summarize = async (
  store: CampaignStore,
  def: CampaignDefinition,
  executions: ExecutionRecord[],
): Promise<CampaignSummary> => {
  const zone = def.timeZone;
  const record = await store.getCampaign(def.id);
  const names = new Map(def.organisation.units.map((u) => [u.id, u.name]));
  const unitName = (id: string) => names.get(id) ?? id;
  const phases = await store.listPhases(def.id);
  const outcomes = (await store.listPeriodOutcomes(def.id)).sort((a, b) => a.cutoff.localeCompare(b.cutoff));
  const reports = await store.listReports(def.id);
  const notifications = await store.listNotifications(def.id);
  const tasks = await store.listTasks(def.id);
  const audit = await store.listAudit(def.id);
  const bulletins = await store.listBulletins(def.id);

  const count = (values: string[]) =>
    values.reduce<Record<string, number>>((acc, v) => {
      acc[v] = (acc[v] ?? 0) + 1;
      return acc;
    }, {});

  const first = phases[0]?.startedAt;
  const last = phases.at(-1)?.closedAt ?? record?.closedAt ?? phases.at(-1)?.startedAt;
  const campaignWeeks =
    first && last ? (instant(last).getTime() - instant(first).getTime()) / (7 * 86_400_000) : 0;

  return {
    campaign: { id: def.id, title: def.title, status: record?.status ?? 'unknown', timeZone: zone },
    phases: phases.map((p) => ({
      phase: p.phase,
      name: phaseName(def, p.phase, p.round),
      round: p.round,
      started: localTime(p.startedAt, zone),
      closed: p.closedAt ? localTime(p.closedAt, zone) : null,
    })),
    periods: outcomes.map((o) => {
      const forPeriod = reports.filter((r) => r.period === o.period && o.expected.includes(r.unitId));
      const reported = new Set(forPeriod.map((r) => r.unitId));
      return {
        period: o.period,
        phase: o.phase,
        round: o.round,
        expected: o.expected.length,
        onTime: forPeriod.filter((r) => r.onTime).map((r) => unitName(r.unitId)),
        late: forPeriod
          .filter((r) => !r.onTime)
          .map((r) => ({ unit: unitName(r.unitId), lateBy: lateText(r.lateBySeconds) })),
        missing: o.expected.filter((u) => !reported.has(u)).map(unitName),
      };
    }),
    bulletins: bulletins.map((b) => ({
      number: b.number,
      period: b.period,
      onTime: b.onTime.length,
      expected: b.expected,
      late: b.late.length,
      missing: b.missing.length,
      escalated: b.escalated.map((u) => u.name),
      hazardsFound: b.totals.hazardsFound,
      hazardsFixed: b.totals.hazardsFixed,
      files: b.files,
    })),
    reportVersions: reports.reduce((n, r) => n + r.version, 0),
    notifications: {
      total: notifications.length,
      byKind: count(notifications.map((n) => n.kind)),
      byStatus: count(notifications.map((n) => n.status)),
    },
    tasks: {
      total: tasks.length,
      done: tasks.filter((t) => t.status === 'done').length,
      open: tasks.filter((t) => t.status === 'open').map((t) => t.title),
    },
    gates: audit
      .filter((a) => a.action === 'acceptance.gate')
      .map((a) => ({
        round: Number(a.detail.round),
        failing: ((a.detail.failing as string[] | undefined) ?? []).map(unitName),
        reRectify: Boolean(a.detail.reRectify),
      })),
    executions,
    campaignWeeks: Math.round(campaignWeeks * 10) / 10,
    ledger: await ledgerSummary(store, def, last ?? record?.launchedAt),
  };
};

export const summaryMarkdown = (s: CampaignSummary, files: string[]): string => {
  const lines = [
    `# ${s.campaign.title}（${s.campaign.id}）`,
    '',
    `Status: **${s.campaign.status}** · time zone ${s.campaign.timeZone} · ${s.campaignWeeks} weeks`,
    '',
    '## Phases',
    '',
    '| phase | round | started | closed |',
    '|---|---|---|---|',
    ...s.phases.map((p) => `| ${p.name} (${p.phase}) | ${p.round} | ${p.started} | ${p.closed ?? '—'} |`),
    '',
    '## Acceptance gate',
    '',
    ...s.gates.map(
      (g) =>
        `- round ${g.round}: ${g.failing.length ? `failing ${g.failing.join('、')}` : 'all passed'}${g.reRectify ? ' → re-rectification' : ''}`,
    ),
    '',
    '## Reports per period',
    '',
    '| period | phase | on time | late | missing |',
    '|---|---|---|---|---|',
    ...s.periods.map(
      (p) =>
        `| ${p.period} | ${p.phase}${p.round ? ` r${p.round}` : ''} | ${p.onTime.length}/${p.expected} | ${
          p.late.map((l) => `${l.unit} (${l.lateBy})`).join('、') || '—'
        } | ${p.missing.join('、') || '—'} |`,
    ),
    '',
    '## Bulletins (情况通报)',
    '',
    `${s.bulletins.length} compiled; ${s.reportVersions} report versions submitted in all. Each is under bulletins/ as HTML, Markdown, CSV and SVG.`,
    '',
    '| no. | period | on time | late | missing | escalated | hazards found / fixed | html |',
    '|---|---|---|---|---|---|---|---|',
    ...s.bulletins.map(
      (b) =>
        `| ${b.number} | ${b.period} | ${b.onTime}/${b.expected} | ${b.late} | ${b.missing} | ${b.escalated.join('、') || '—'} | ${b.hazardsFound} / ${b.hazardsFixed} | ${b.files.html ? relative(process.cwd(), b.files.html) : '—'} |`,
    ),
    '',
    '## Notifications',
    '',
    `${s.notifications.total} in all: ${Object.entries(s.notifications.byKind)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}; status ${Object.entries(s.notifications.byStatus)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    '',
    '## Tasks',
    '',
    `${s.tasks.done}/${s.tasks.total} done${s.tasks.open.length ? `; open: ${s.tasks.open.join('、')}` : ''}`,
    '',
    ...ledgerSummaryMarkdown(s.ledger),
    '## Executions',
    '',
    '| execution | status | state transitions | history events |',
    '|---|---|---|---|',
    ...s.executions.map(
      (e) =>
        `| ${e.name} | ${e.status}${e.error ? ` (${e.error})` : ''} | ${e.transitions} | ${e.historyEvents} |`,
    ),
    '',
    '## Files',
    '',
    ...files.map((f) => `- ${f}`),
    '',
  ];
  return lines.join('\n');
};
