#!/usr/bin/env -S npx tsx
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { phaseGaps } from '../functions/shared/domain/definition.ts';
import { DefinitionError } from '../functions/shared/domain/errors.ts';
import { instant } from '../functions/shared/domain/schedule.ts';
import { EXIT, fail, isoInstant, loadFile, printDefinitionError, stateDir } from './cli/common.ts';
import { hazardCommand } from './cli/hazard-commands.ts';
import { registerReportCommands } from './cli/report-commands.ts';
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
      const failedRun = result.summary.executions.some((e) => e.status !== 'SUCCEEDED');
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
      await runtime?.stop();
      fail(error, Boolean(opts.json));
    }
    await runtime?.stop();
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
        await runtime.stop();
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
      await runtime?.stop();
      fail(error, Boolean(opts.json));
    }
    await runtime?.stop();
    // An execution paused mid-flight leaves the engine's pending work behind; the command is done.
    process.exit(EXIT.ok);
  });

registerReportCommands(program);
program.addCommand(hazardCommand());

await program.parseAsync();
