import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { phaseGaps } from '../../functions/shared/domain/definition.ts';
import { DefinitionError } from '../../functions/shared/domain/errors.ts';
import { LOCAL_API } from './api-client.ts';
import { registerCampaignCommands } from './campaign-commands.ts';
import { EXIT, EXIT_CODES_HELP, fail, loadFile, printDefinitionError, readDefinitionFile } from './common.ts';
import { type ApiOptions, exitWith, withApi, withApiOptions } from './connection.ts';
import { registerHazardCommands } from './hazard-commands.ts';
import { registerLoginCommands } from './login-command.ts';
import { registerOutboxCommands } from './outbox-commands.ts';
import { registerServeCommands } from './serve-command.ts';
import { registerWorkCommands } from './work-commands.ts';

/**
 * zhili, the administrator's command. `run` plays a campaign locally and `validate` checks files
 * offline; `serve` and `token` are the local server; every other command talks HTTP to the API:
 * the local server by default, or a deployed one (`--api`, `zhili login`).
 */

const validate = (program: Command): void => {
  withApiOptions(
    program
      .command('validate')
      .description(
        'Check campaign definition files; print what is wrong, field by field (--remote: ask the API)',
      )
      .argument('<files...>', 'YAML campaign definitions')
      .option('--remote', 'validate through the API (POST /definitions/validate) instead of here'),
  ).action(async (files: string[], opts: ApiOptions & { remote?: boolean }) => {
    const json = Boolean(opts.json);
    let failed = false;
    const ok = (
      file: string,
      id: string,
      title: string,
      units: number,
      tasks: number,
      warnings: string[],
    ) => {
      if (json) console.log(JSON.stringify({ ok: true, file, id, warnings }));
      else {
        console.log(`✓ ${file}: ${id} · ${title} · ${units} units · ${tasks} tasks`);
        for (const w of warnings) console.log(`  ! ${w}`);
      }
    };
    const refused = (error: DefinitionError) => {
      failed = true;
      printDefinitionError(error, json);
    };
    if (opts.remote) {
      await withApi(opts, async (api) => {
        for (const file of files) {
          const definition = await readDefinitionFile(file).catch((error: unknown) => {
            if (error instanceof DefinitionError) return refused(error);
            throw error;
          });
          if (!definition) continue;
          const { data } = await api.call('validateDefinition', { body: { definition } });
          if (data.valid)
            ok(file, data.id ?? '', data.title ?? '', data.units ?? 0, data.tasks ?? 0, data.warnings);
          else refused(new DefinitionError(file, data.issues));
        }
        if (failed) process.exit(EXIT.badInput);
      });
    }
    for (const file of files) {
      try {
        const def = await loadFile(file);
        ok(file, def.id, def.title, def.organisation.units.length, def.tasks.length, phaseGaps(def));
      } catch (error) {
        if (!(error instanceof DefinitionError)) exitWith(error, json);
        refused(error as DefinitionError);
      }
    }
    process.exit(failed ? EXIT.badInput : EXIT.ok);
  });
};

const run = (program: Command): void => {
  program
    .command('run', { isDefault: true })
    .description('Play a whole campaign locally in virtual time, with simulated units (the main job)')
    .argument('[file]', 'campaign definition', 'examples/safety-production.yaml')
    .option('--out <dir>', 'where results go', 'out')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (file: string, opts: { out: string; json?: boolean }) => {
      try {
        const def = await loadFile(file);
        const started = Date.now();
        // Loaded here: the other commands need neither the runtime nor the simulation.
        const { playCampaign } = await import('../local/play.ts');
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
};

/** The whole command tree; `bin/zhili.ts` parses the arguments with it. */
export const zhiliProgram = (): Command => {
  const program = new Command()
    .name('zhili')
    .description('Run community-governance campaigns (专项整治) as workflows.')
    .showHelpAfterError('(run with --help for usage)')
    // Set before the subcommands are made, so that they inherit it: usage errors exit 2 everywhere.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage))
    .addHelpText(
      'after',
      `
Every command but run, validate, serve and token talks to the zhili API: the local server
(\`zhili serve\`, ${LOCAL_API}) by default, or --api / ZHILI_API with \`zhili login\`.
${EXIT_CODES_HELP}`,
    );
  validate(program);
  run(program);
  registerCampaignCommands(program);
  registerWorkCommands(program);
  registerHazardCommands(program);
  registerOutboxCommands(program);
  registerServeCommands(program);
  registerLoginCommands(program);
  return program;
};
