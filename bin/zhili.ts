#!/usr/bin/env -S npx tsx
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { outboxLine } from '../functions/shared/adapters/notifiers.ts';
import { phaseGaps } from '../functions/shared/domain/definition.ts';
import { DefinitionError } from '../functions/shared/domain/errors.ts';
import { NotificationStatus } from '../functions/shared/domain/records.ts';
import { instant } from '../functions/shared/domain/schedule.ts';
import { CampaignState } from '../functions/shared/domain/state.ts';
import { notifyPending } from '../functions/shared/use-cases/notify.ts';
import { EXIT, fail, isoInstant, loadFile, printDefinitionError, stateDir } from './cli/common.ts';
import { hazardCommand } from './cli/hazard-commands.ts';
import { registerReportCommands } from './cli/report-commands.ts';
import { registerServeCommands } from './cli/serve-command.ts';
import { playCampaign } from './local/play.ts';
import { LocalRuntime } from './local/runtime.ts';

/**
 * zhili, the administrator's command. Against the local runtime (DynamoDB Local under .zhili/,
 * the synthesized state machine); the deployed API comes with the HTTP API issue.
 * Exit codes: 0 ok, 1 the input is wrong, 2 usage, 3 the runtime failed.
 */

const program = new Command()
  .name('zhili')
  .description('Run community-governance campaigns (专项整治) as workflows.')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));

program
  .command('validate')
  .description('Check campaign definition files; print what is wrong, field by field')
  .argument('<files...>', 'YAML campaign definitions')
  .option('--json', 'machine-readable output')
  .action(async (files: string[], opts: { json?: boolean }) => {
    let failed = false;
    for (const file of files) {
      try {
        const def = await loadFile(file);
        const warnings = phaseGaps(def);
        if (opts.json) console.log(JSON.stringify({ ok: true, file, id: def.id, warnings }));
        else {
          console.log(
            `✓ ${file}: ${def.id} · ${def.title} · ${def.organisation.units.length} units · ${def.tasks.length} tasks`,
          );
          for (const w of warnings) console.log(`  ! ${w}`);
        }
      } catch (error) {
        if (!(error instanceof DefinitionError)) fail(error, Boolean(opts.json));
        failed = true;
        printDefinitionError(error as DefinitionError, Boolean(opts.json));
      }
    }
    process.exit(failed ? EXIT.badInput : EXIT.ok);
  });

program
  .command('run', { isDefault: true })
  .description('Play a whole campaign locally in virtual time, with simulated units (the main job)')
  .argument('[file]', 'campaign definition', 'examples/safety-production.yaml')
  .option('--out <dir>', 'where results go', 'out')
  .option('--json', 'print the summary as JSON')
  .action(async (file: string, opts: { out: string; json?: boolean }) => {
    try {
      const def = await loadFile(file);
      const started = Date.now();
      const result = await playCampaign(def, {
        outRoot: resolve(opts.out),
        print: opts.json ? undefined : (line) => console.log(line),
      });
      if (opts.json) console.log(JSON.stringify(result.summary, null, 2));
      else {
        console.log('');
        console.log(await readFile(join(result.outDir, 'summary.md'), 'utf8'));
        console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s (wall clock)`);
      }
      // An execution an administrator stopped (a close, a pause) ended as asked; only failures fail the run.
      const failedRun = result.summary.executions.some(
        (e) => e.status === 'FAILED' || e.status === 'TIMED_OUT',
      );
      process.exit(failedRun ? EXIT.runtime : EXIT.ok);
    } catch (error) {
      fail(error, Boolean(opts.json));
    }
  });

const executionsFile = join(stateDir, 'executions.json');

program
  .command('launch')
  .description('Launch a campaign on the local runtime; plays it in virtual time up to --until')
  .argument('<file>', 'campaign definition')
  .option('--at <instant>', 'launch instant (default: now)', isoInstant)
  .option(
    '--until <instant>',
    'pause the execution once its next step is due after this (default: now)',
    isoInstant,
  )
  .option('--json', 'machine-readable output')
  .action(async (file: string, opts: { at?: string; until?: string; json?: boolean }) => {
    let runtime: LocalRuntime | undefined;
    try {
      const def = await loadFile(file);
      const now = new Date().toISOString();
      await mkdir(join(stateDir, 'db'), { recursive: true });
      runtime = await LocalRuntime.start({
        outDir: join(stateDir, 'out', def.id),
        dbPath: join(stateDir, 'db'),
        pauseAt: opts.until ?? now,
      });
      const result = await runtime.launch(def, opts.at ?? now, { actor: process.env.USER ?? 'local-admin' });
      const previous = JSON.parse(await readFile(executionsFile, 'utf8').catch(() => '{}')) as Record<
        string,
        unknown
      >;
      if (result.started) {
        await writeFile(
          executionsFile,
          JSON.stringify({ ...previous, [def.id]: runtime.executions }, null, 2),
        );
      }
      if (opts.json) console.log(JSON.stringify({ ...result, executions: runtime.executions }));
      else if (!result.started) {
        console.log(`${def.id} was already launched (execution ${result.executionName}); nothing started.`);
      } else {
        const last = runtime.executions.at(-1);
        const waiting = last?.waitingAt?.next;
        console.log(`✓ launched ${def.id} as execution ${result.executionName}`);
        if (waiting)
          console.log(`  waiting: ${waiting.action} at ${waiting.at} (${last?.status.toLowerCase()})`);
        else console.log(`  execution ${last?.status.toLowerCase()}`);
      }
    } catch (error) {
      await runtime?.close();
      fail(error, Boolean(opts.json));
    }
    await runtime?.close();
    // An execution paused mid-flight leaves the engine's pending work behind; the command is done.
    process.exit(EXIT.ok);
  });

program
  .command('status')
  .description('Show a campaign on the local runtime: status, phases, executions')
  .argument('<id>', 'campaign id')
  .option('--json', 'machine-readable output')
  .action(async (id: string, opts: { json?: boolean }) => {
    let runtime: LocalRuntime | undefined;
    try {
      await mkdir(join(stateDir, 'db'), { recursive: true });
      runtime = await LocalRuntime.start({ outDir: join(stateDir, 'out', id), dbPath: join(stateDir, 'db') });
      const record = await runtime.store.getCampaign(id);
      if (!record) {
        console.error(`✗ no campaign "${id}" on the local runtime; launch it with \`zhili launch <file>\``);
        await runtime.close();
        process.exit(EXIT.badInput);
      }
      const phases = await runtime.store.listPhases(id);
      const executions = (
        JSON.parse(await readFile(executionsFile, 'utf8').catch(() => '{}')) as Record<string, unknown>
      )[id];
      const status = { campaign: record, phases, executions: executions ?? [] };
      if (opts.json) console.log(JSON.stringify(status, null, 2));
      else {
        const zone = String((record.definition as { timeZone?: string }).timeZone ?? 'Asia/Shanghai');
        const local = (iso: string) => instant(iso).setZone(zone).toFormat('yyyy-MM-dd HH:mm');
        console.log(`${record.id} · ${record.title} · ${record.status} · execution ${record.executionName}`);
        for (const p of phases) {
          console.log(
            `  ${p.phase} r${p.round}: ${local(p.startedAt)} → ${p.closedAt ? local(p.closedAt) : 'running'}`,
          );
        }
      }
    } catch (error) {
      await runtime?.close();
      fail(error, Boolean(opts.json));
    }
    await runtime?.close();
    // An execution paused mid-flight leaves the engine's pending work behind; the command is done.
    process.exit(EXIT.ok);
  });

registerReportCommands(program);
registerServeCommands(program);
program.addCommand(hazardCommand());
const withLocalRuntime = async (id: string, json: boolean, run: (runtime: LocalRuntime) => Promise<void>) => {
  let runtime: LocalRuntime | undefined;
  try {
    await mkdir(join(stateDir, 'db'), { recursive: true });
    runtime = await LocalRuntime.start({ outDir: join(stateDir, 'out', id), dbPath: join(stateDir, 'db') });
    if (!(await runtime.store.getCampaign(id))) {
      console.error(`✗ no campaign "${id}" on the local runtime; launch it with \`zhili launch <file>\``);
      await runtime.close();
      process.exit(EXIT.badInput);
    }
    await run(runtime);
  } catch (error) {
    await runtime?.close();
    fail(error, json);
  }
  await runtime?.close();
  process.exit(EXIT.ok);
};

const outbox = program
  .command('outbox')
  .description(
    "A campaign's notifications on the local runtime: what was sent, what waits, what was given up",
  );

outbox
  .command('list', { isDefault: true })
  .description('List notifications with their channel, status, attempts and last error')
  .argument('<id>', 'campaign id')
  .option('--status <status>', 'only pending, sent or dead', (v) => {
    const parsed = NotificationStatus.safeParse(v);
    if (!parsed.success) throw new InvalidArgumentError('expected pending, sent or dead');
    return parsed.data;
  })
  .option('--json', 'machine-readable output (one JSON line per notification)')
  .action(async (id: string, opts: { status?: NotificationStatus; json?: boolean }) =>
    withLocalRuntime(id, Boolean(opts.json), async (runtime) => {
      const all = await runtime.store.listNotifications(id, opts.status);
      all.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
      if (opts.json) {
        for (const n of all) console.log(JSON.stringify(outboxLine(n)));
        return;
      }
      const byStatus = new Map<string, number>();
      for (const n of all) byStatus.set(n.status, (byStatus.get(n.status) ?? 0) + 1);
      const counts = [...byStatus].map(([status, n]) => `${n} ${status}`).join(', ');
      console.log(`${id}: ${all.length} notification(s)${counts ? ` — ${counts}` : ''}`);
      for (const n of all) {
        const extra =
          n.status === 'pending' && n.notBefore
            ? ` not before ${n.notBefore} (${n.deferredBy ?? 'new'})`
            : '';
        console.log(
          `  ${n.id}  ${n.status.padEnd(7)} ${n.channel.padEnd(5)} ${n.kind.padEnd(19)} ${n.recipient.person.name}  attempts ${n.attempts}${extra}${n.lastError ? `  ✗ ${n.lastError}` : ''}`,
        );
      }
    }),
  );

outbox
  .command('retry')
  .description('Put dead-lettered notifications back in the outbox (all, or the ids given) and send them now')
  .argument('<id>', 'campaign id')
  .argument('[ids...]', 'notification ids (default: every dead letter)')
  .option('--at <instant>', 'the instant to retry at (default: now)', isoInstant)
  .option('--json', 'machine-readable output')
  .action(async (id: string, ids: string[], opts: { at?: string; json?: boolean }) =>
    withLocalRuntime(id, Boolean(opts.json), async (runtime) => {
      const at = opts.at ?? new Date().toISOString();
      const retried = await runtime.store.retryDeadNotifications(id, at, ids.length > 0 ? ids : undefined);
      // Sent now through the local notifier, from the state the paused execution waits in; a
      // running workflow would pick them up at its next wake anyway.
      const executions = (
        JSON.parse(await readFile(executionsFile, 'utf8').catch(() => '{}')) as Record<
          string,
          { waitingAt?: unknown }[]
        >
      )[id];
      const waiting = CampaignState.safeParse(executions?.at(-1)?.waitingAt);
      const sent =
        waiting.success && retried.length > 0
          ? (await notifyPending(runtime.store, runtime.notifier, waiting.data, { now: at })).result
          : undefined;
      if (opts.json) console.log(JSON.stringify({ retried, result: sent ?? null }));
      else {
        console.log(`${retried.length} dead letter(s) back in the outbox of ${id}`);
        if (sent)
          console.log(
            `  sent ${sent.sent} in ${sent.messages} message(s); ${sent.retrying} retrying, ${sent.deferred} deferred, ${sent.dead} dead`,
          );
        else if (retried.length > 0) console.log("  they go out at the campaign's next step");
      }
    }),
  );

await program.parseAsync();
