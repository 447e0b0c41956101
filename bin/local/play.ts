import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { addHours } from 'date-fns';
import { outboxLine } from '../../functions/shared/adapters/notifiers.ts';
import { escapeXml } from '../../functions/shared/domain/bulletin/chart.ts';
import type { CampaignDefinition } from '../../functions/shared/domain/definition.ts';
import { ledgerCsv, ledgerRows } from '../../functions/shared/domain/ledger-export.ts';
import type { CampaignStore, Notifier } from '../../functions/shared/domain/ports.ts';
import type { BulletinRecord } from '../../functions/shared/domain/records.ts';
import { daysAfter, definedWindow, instant, iso, localTime } from '../../functions/shared/domain/schedule.ts';
import type { CampaignState, CampaignStateInput } from '../../functions/shared/domain/state.ts';
import type { DynamoDbLocal } from './dynamodb-local.ts';
import { writeLedgerXlsx } from './ledger-xlsx.ts';
import { LocalRuntime, type StepObserver } from './runtime.ts';
import { CampaignSimulator, type SimulationPlan } from './simulator.ts';
import { type CampaignSummary, summarize, summaryMarkdown } from './summary.ts';

/**
 * The main job: one whole campaign played locally through the synthesized state machine, with
 * simulated units, on DynamoDB Local, in virtual time. Writes its results under out/<campaign>/.
 */

export interface PlayOptions {
  outRoot: string;
  /** Where progress lines go; silent in tests. */
  print?: (line: string) => void;
  plan?: SimulationPlan;
  limits?: CampaignStateInput['limits'];
  /** An already running DynamoDB Local and a table on it (tests); by default the run starts its own. */
  db?: DynamoDbLocal;
  tableName?: string;
  /** Extra hooks around every step (tests inject faults here). */
  observer?: StepObserver;
  /** Where notifications go (default: the local notifier writing deliveries.jsonl under the run's folder). */
  notifier?: Notifier;
}

export interface PlayResult {
  summary: CampaignSummary;
  files: string[];
  outDir: string;
  /** The state machine definition that was executed, as synthesized. */
  definitionJson: string;
  steps: { task: string; at: string; phase: string; round: number; moment: string }[];
  /** The campaign's store, for inspection after the run (the table outlives the run only on a shared database). */
  store: CampaignStore;
}

const progressPrinter = (
  def: CampaignDefinition,
  store: CampaignStore,
  print: (line: string) => void,
): StepObserver => ({
  async after(task, input: CampaignState, output: CampaignState) {
    const when = localTime(input.next.at, def.timeZone);
    const where = `${input.phase}${input.round ? ` r${input.round}` : ''}`;
    if (task === 'StartPhase') print(`${when}  ▶ ${where} starts`);
    else if (task === 'ClosePhase') print(`${when}  ■ ${where} closes`);
    else if (task === 'AcceptanceGate')
      print(`${when}  ◆ acceptance gate → ${output.phase}${output.round ? ` round ${output.round}` : ''}`);
    else if (task === 'CollectReports' && input.next.moment === 'cutoff') {
      const outcome = (await store.listPeriodOutcomes(def.id)).find((o) => o.period === input.next.period);
      const missing = outcome?.missingAtCutoff.length ?? 0;
      print(
        `${when}    report cutoff ${input.next.period}: ${outcome?.onTime.length ?? 0}/${outcome?.expected.length ?? 0} on time${missing ? `, ${missing} not in yet` : ''}`,
      );
    }
    if (task === 'CollectReports' && input.next.period && input.next.moment !== 'reminder') {
      const bulletin = await store.getBulletin(def.id, input.next.period);
      if (bulletin?.compiledAt === input.next.at) {
        print(
          `${when}    bulletin no. ${bulletin.number} (${bulletin.period}): ${bulletin.onTime.length}/${bulletin.expected} on time, ${bulletin.late.length} late, ${bulletin.missing.length} missing → ${relative(process.cwd(), bulletin.files.html ?? '')}`,
        );
      }
    }
    if (task === 'CheckDeadlines' && input.next.moment === 'monthlyCheck') print(`${when}    monthly check`);
    else if (task === 'ContinueAsNew') print(`${when}  ↻ continues as generation ${input.generation + 1}`);
    else if (output.next.action === 'done') print(`${when}  ✓ campaign ended (${task})`);
  },
});

/** One page linking every bulletin of the run, newest first, for opening in a browser. */
const bulletinIndexHtml = (def: CampaignDefinition, bulletins: BulletinRecord[]): string => {
  const rows = [...bulletins]
    .reverse()
    .map((b) => {
      const link = (format: string, label: string) =>
        b.files[format] ? `<a href="${escapeXml(basename(b.files[format]))}">${label}</a>` : '';
      return `<tr><td>${b.number}</td><td>${escapeXml(b.period)}</td><td>${b.onTime.length}/${b.expected}</td><td>${b.late.length}</td><td>${b.missing.length}</td><td>${link('html', 'HTML')} ${link('markdown', 'Markdown')} ${link('csv', 'CSV')} ${link('svg', 'SVG')}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeXml(def.title)} · 情况通报</title></head>
<body style="font-family:'Noto Sans CJK SC',sans-serif;max-width:820px;margin:24px auto">
<h1 style="font-size:22px">${escapeXml(def.title)} · 情况通报</h1>
<table style="border-collapse:collapse" border="1" cellpadding="6">
<thead><tr><th>期数</th><th>周期</th><th>按时</th><th>迟报</th><th>未报</th><th>文件</th></tr></thead>
<tbody>
${rows}
</tbody></table></body></html>
`;
};

const chain = (...observers: StepObserver[]): StepObserver => ({
  async before(state) {
    for (const o of observers) await o.before?.(state);
  },
  async after(task, input, output) {
    for (const o of observers) await o.after?.(task, input, output);
  },
});

export const playCampaign = async (def: CampaignDefinition, options: PlayOptions): Promise<PlayResult> => {
  const print = options.print ?? (() => {});
  const outDir = join(options.outRoot, def.id);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  const steps: PlayResult['steps'] = [];
  const recorder: StepObserver = {
    async after(task, input) {
      steps.push({
        task,
        at: input.next.at,
        phase: input.phase,
        round: input.round,
        moment: input.next.moment,
      });
    },
  };
  // The simulated people and the printer need the runtime's store, so they join once it exists.
  let observers: StepObserver = {};
  const runtime = await LocalRuntime.start({
    outDir,
    db: options.db,
    tableName: options.tableName,
    notifier: options.notifier,
    observer: {
      before: async (state) => observers.before?.(state),
      after: async (task, input, output) => observers.after?.(task, input, output),
    },
  });
  try {
    const simulator = new CampaignSimulator(runtime.store, runtime, def, options.plan);
    observers = chain(
      simulator,
      options.observer ?? {},
      recorder,
      progressPrinter(def, runtime.store, print),
    );
    // The office launches a few days ahead of mobilisation, at 09:00 local time.
    const launchAt = addHours(daysAfter(definedWindow(def, 'mobilize').start, -3, 'UTC'), 9);
    print(`launching ${def.id} at ${localTime(launchAt, def.timeZone)} (${def.timeZone})`);
    const launched = await runtime.launch(def, iso(launchAt), {
      actor: 'office-admin',
      limits: options.limits,
    });
    if (!launched.started) throw new Error(`campaign ${def.id} was already launched`);

    const summary = await summarize(runtime.store, def, runtime.executions);
    const definitionJson = JSON.stringify(runtime.synthesized.definition, null, 2);
    const written: Record<string, string> = {
      'summary.json': JSON.stringify(summary, null, 2),
      'state-machine.asl.json': definitionJson,
      'simulation.json': JSON.stringify(simulator.log, null, 2),
      'audit.json': JSON.stringify(await runtime.store.listAudit(def.id), null, 2),
    };
    // The outbox as the store has it at the end: every notification once, with its final status.
    const outbox = (await runtime.store.listNotifications(def.id))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map((n) => JSON.stringify(outboxLine(n)));
    await writeFile(join(outDir, 'outbox.jsonl'), outbox.length ? `${outbox.join('\n')}\n` : '', 'utf8');
    const bulletins = await runtime.store.listBulletins(def.id);
    const files = [join(outDir, 'outbox.jsonl'), join(outDir, 'deliveries.jsonl')];
    if (bulletins.length > 0) {
      written['bulletins/index.html'] = bulletinIndexHtml(def, bulletins);
      await mkdir(join(outDir, 'bulletins'), { recursive: true });
    }
    for (const [name, content] of Object.entries(written)) {
      await writeFile(join(outDir, name), content, 'utf8');
      files.push(join(outDir, name));
    }
    // The ledger (台账) export, as of the end of the run: the office's spreadsheet.
    const unitNames = new Map(def.organisation.units.map((u) => [u.id, u.name]));
    const asOf = (await runtime.store.getCampaign(def.id))?.closedAt ?? steps.at(-1)?.at ?? iso(launchAt);
    const rows = ledgerRows(
      (await runtime.store.listHazards(def.id)).sort((a, b) => a.reportedAt.localeCompare(b.reportedAt)),
      (id) => unitNames.get(id) ?? id,
      def.timeZone,
      instant(asOf),
    );
    await writeFile(join(outDir, 'ledger.csv'), ledgerCsv(rows), 'utf8');
    await writeLedgerXlsx(rows, join(outDir, 'ledger.xlsx'));
    files.push(join(outDir, 'ledger.csv'), join(outDir, 'ledger.xlsx'));
    const md = join(outDir, 'summary.md');
    files.push(md);
    await writeFile(
      md,
      summaryMarkdown(
        summary,
        files.map((f) => relative(process.cwd(), f)),
      ),
      'utf8',
    );
    return { summary, files, outDir, definitionJson, steps, store: runtime.store };
  } finally {
    await runtime.close();
  }
};
