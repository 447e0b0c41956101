import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { FileBulletinArchive } from '../../functions/shared/adapters/bulletin-archive.ts';
import { ValidationError } from '../../functions/shared/domain/errors.ts';
import type { CampaignStore } from '../../functions/shared/domain/ports.ts';
import { ROLES, type Role } from '../../functions/shared/http/api-routes.ts';
import {
  DEV_TOKEN_LIFETIME,
  type DevIdentity,
  defaultName,
  devSecret,
  mintDevToken,
} from '../local/dev-tokens.ts';
import type { ExecutionRecord, LocalRuntime } from '../local/runtime.ts';
import { ApiError } from './api-client.ts';
import { EXIT, EXIT_CODES_HELP, fail, isoInstant, stateDir } from './common.ts';
import { type ApiOptions, withApi, withApiOptions } from './connection.ts';

/**
 * `zhili serve`: the HTTP API on 127.0.0.1 over the local runtime (DynamoDB Local under the state
 * directory, the synthesized state machine, a virtual clock), with dev tokens; `zhili token`: one
 * dev token. Both sign with the secret in `<stateDir>/dev-secret`. `zhili clock`: the local
 * server's clock, read or moved forward.
 */

const executionsFile = join(stateDir, 'executions.json');
const tokensFile = join(stateDir, 'dev-tokens.json');

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const parsePort = (value: string): number => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidArgumentError('expected a port 0–65535');
  return port;
};

/** Executions `zhili launch` (or an earlier serve) left, by campaign; played on from where they wait. */
const readExecutions = async (): Promise<Record<string, ExecutionRecord[]>> =>
  JSON.parse(await readFile(executionsFile, 'utf8').catch(() => '{}')) as Record<string, ExecutionRecord[]>;

const saveExecutions = async (executions: ExecutionRecord[]): Promise<void> => {
  const byCampaign: Record<string, ExecutionRecord[]> = {};
  for (const execution of executions) {
    const campaignId = execution.name.replace(/-g\d+$/, '');
    byCampaign[campaignId] = [...(byCampaign[campaignId] ?? []), execution];
  }
  await writeFile(executionsFile, JSON.stringify({ ...(await readExecutions()), ...byCampaign }, null, 2));
};

interface DevPerson extends DevIdentity {
  key: string;
  name: string;
}

/** Who gets a dev token: admin, office and leader, and a liaison and a grid worker per unit; named after the campaign's people when there is one. */
const devPeople = async (
  store: CampaignStore,
  campaignId: string | undefined,
  units: string[],
): Promise<DevPerson[]> => {
  const record = campaignId ? await store.getCampaign(campaignId) : null;
  if (campaignId && !record)
    throw new Error(`no campaign "${campaignId}" on the local runtime; create it through the API first`);
  const def = record?.definition as
    | {
        organisation?: {
          office?: { head?: { name?: string } };
          leadingGroup?: { leader?: { name?: string } };
        };
      }
    | undefined;
  const campaignUnits = campaignId ? await store.listUnits(campaignId) : [];
  const unitIds = units.length > 0 ? units : campaignUnits.map((u) => u.id);
  const person = (role: Role, name: string | undefined, unit?: string): DevPerson => ({
    key: unit ? `${role}:${unit}` : role,
    role,
    ...(unit ? { unit } : {}),
    name: name ?? defaultName(role, unit),
  });
  return [
    person('admin', process.env.USER ? `${process.env.USER} (admin)` : undefined),
    person('office', def?.organisation?.office?.head?.name),
    person('leader', def?.organisation?.leadingGroup?.leader?.name),
    ...unitIds.flatMap((id) => {
      const unit = campaignUnits.find((u) => u.id === id);
      return [
        person('liaison', unit?.liaison.name, id),
        person('gridWorker', unit?.gridWorkers[0]?.name, id),
      ];
    }),
  ];
};

export const registerServeCommands = (program: Command): void => {
  program
    .command('serve')
    .description('Serve the HTTP API on 127.0.0.1 over the local runtime, with dev tokens (Ctrl-C stops it)')
    .argument('[campaign]', 'a campaign id: dev tokens for its units, named after its people')
    .option('--port <port>', 'port on 127.0.0.1; 0 takes any free port', parsePort, 8787)
    .option('--unit <id>', 'mint liaison and grid worker tokens for this unit (repeatable)', collect, [])
    .option(
      '--clock <instant>',
      "fix the server's clock here (default: the wall clock); POST /_local/clock moves it",
      isoInstant,
    )
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (campaign: string | undefined, opts: { port: number; unit: string[]; clock?: string }) => {
      let runtime: LocalRuntime | undefined;
      try {
        // Loaded here: the other commands need neither the runtime nor the handlers.
        const [{ LocalRuntime }, { startApiServer }] = await Promise.all([
          import('../local/runtime.ts'),
          import('../local/server.ts'),
        ]);
        await mkdir(join(stateDir, 'db'), { recursive: true });
        const secret = await devSecret(stateDir);
        const clock = opts.clock ?? new Date().toISOString();
        runtime = await LocalRuntime.start({
          outDir: join(stateDir, 'out'),
          dbPath: join(stateDir, 'db'),
          pauseAt: clock,
          executions: Object.values(await readExecutions()).flat(),
          // One runtime, many campaigns: each campaign's bulletins in its own folder.
          archive: new FileBulletinArchive((campaignId) => join(stateDir, 'out', campaignId)),
        });
        const local = runtime;
        const play = async (to: string) => {
          await local.playUntil(to);
          await saveExecutions(local.executions);
        };
        // What fell due while no server ran is played now.
        await play(clock);
        const server = await startApiServer({
          store: local.store,
          engine: local,
          archive: local.archive,
          play,
          secret,
          openApi: async () => (await import('../../openapi.json', { with: { type: 'json' } })).default,
          clock: opts.clock,
          port: opts.port,
          onRequest: (line) => console.log(line),
        });
        const people = await devPeople(local.store, campaign, opts.unit);
        const tokens = Object.fromEntries(
          await Promise.all(
            people.map(async ({ key, ...who }) => [key, await mintDevToken(secret, who)] as const),
          ),
        );
        await writeFile(
          tokensFile,
          JSON.stringify(
            {
              url: server.url,
              expiresIn: DEV_TOKEN_LIFETIME,
              tokens,
              people: Object.fromEntries(people.map(({ key, ...who }) => [key, who])),
            },
            null,
            2,
          ),
          { mode: 0o600 },
        );
        console.log(
          `zhili API on ${server.url} (clock ${server.now()}${opts.clock ? ', fixed' : ', wall clock'})`,
        );
        console.log(`dev tokens in ${tokensFile}:`);
        for (const p of people) console.log(`  ${p.key.padEnd(32)} ${p.name}`);
        console.log(
          `try: curl -H "Authorization: Bearer $(jq -r .tokens.admin ${tokensFile})" ${server.url}/campaigns`,
        );
        console.log(
          `or:  zhili token --role liaison --unit <id> --name <name>; the API is described at ${server.url}/openapi.json`,
        );
        console.log('Ctrl-C stops the server and DynamoDB Local.');
        const stop = async (signal: string) => {
          console.log(`${signal}: stopping`);
          await server.close().catch(() => {});
          await saveExecutions(local.executions).catch(() => {});
          await local.close();
          process.exit(EXIT.ok);
        };
        process.once('SIGINT', () => void stop('SIGINT'));
        process.once('SIGTERM', () => void stop('SIGTERM'));
      } catch (error) {
        await runtime?.close();
        fail(error, false);
      }
    });

  program
    .command('token')
    .description('Mint a dev token for `zhili serve` and print it (signed with this home’s dev secret)')
    .addOption(new Option('--role <role>', 'the role').choices([...ROLES]).makeOptionMandatory())
    .option('--unit <id>', 'the unit (liaison, grid worker)')
    .option('--name <name>', 'the person: the actor in audit trails and the ledger')
    .option('--expires <span>', 'how long it lasts, e.g. 12h or 30d', DEV_TOKEN_LIFETIME)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts: { role: Role; unit?: string; name?: string; expires: string }) => {
      try {
        if (!/^\d+\s*(s|m|h|d|w)$/.test(opts.expires))
          throw new InvalidArgumentError('--expires: e.g. 12h or 30d');
        const token = await mintDevToken(
          await devSecret(stateDir),
          { role: opts.role, unit: opts.unit, name: opts.name },
          opts.expires,
        );
        console.log(token);
      } catch (error) {
        // A wrong combination of options (a liaison without --unit) is a usage error, like a wrong option.
        if (error instanceof InvalidArgumentError || error instanceof ValidationError) {
          console.error(`✗ ${error.message}`);
          process.exit(EXIT.usage);
        }
        fail(error, false);
      }
    });

  withApiOptions(
    program
      .command('clock')
      .description(
        "The local server's clock: show it, or move it forward (admin) and play every campaign's workflow up to it",
      )
      .argument('[instant]', 'where to move it, e.g. 2027-03-02T09:00+08:00', isoInstant),
  ).action(async (to: string | undefined, opts: ApiOptions) =>
    withApi(opts, async (api) => {
      let answer: unknown;
      try {
        answer = to
          ? await api.local('POST', '/_local/clock', { to }, ['admin'])
          : await api.local('GET', '/_local/clock');
      } catch (error) {
        if (!(error instanceof ApiError && error.failure.status === 404)) throw error;
        throw new ApiError(
          {
            ...error.failure,
            hint: 'the clock is the local server’s (`zhili serve`); a deployed API runs on the wall clock',
          },
          error.exitCode,
          false,
        );
      }
      const { clock, fixed } = answer as { clock: string; fixed: boolean };
      if (opts.json) console.log(JSON.stringify(answer, null, 2));
      else if (to) console.log(`✓ clock moved to ${clock}; the workflows have played up to it`);
      else
        console.log(
          `clock ${clock} (${fixed ? 'fixed: POST /_local/clock or `zhili clock <instant>` moves it' : 'the wall clock'})`,
        );
    }),
  );
};
