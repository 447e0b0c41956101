import { access, chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import * as z from 'zod/mini';
import { DefinitionError, ValidationError } from '../../functions/shared/domain/errors.ts';
import { ROLES, type Role, UNIT_ROLES } from '../../functions/shared/http/api-routes.ts';
import {
  ApiClient,
  ApiError,
  DEFAULT_TIMEOUT_MS,
  isLoopback,
  LOCAL_API,
  printFailure,
} from './api-client.ts';
import { EXIT, EXIT_CODES_HELP, printDefinitionError, stateDir, UsageError } from './common.ts';

/**
 * Which API a command talks to and with which token: `--api` / ZHILI_API (the local server by
 * default), then `--token`, `--as` (a dev token of the local server), ZHILI_TOKEN, what `zhili
 * login` stored for that API, and on the local server its admin. Tokens are never printed.
 */

export interface ApiOptions {
  api?: string;
  token?: string;
  as?: string;
  json?: boolean;
}

/** The options every command that talks to the API takes, and the exit codes in its help. */
export const withApiOptions = (command: Command): Command =>
  command
    .option('--api <url>', `the zhili API (default: $ZHILI_API, else the local server ${LOCAL_API})`)
    .option(
      '--token <jwt>',
      'bearer token (default: $ZHILI_TOKEN, else what `zhili login` stored for the API, else the local admin)',
    )
    .option(
      '--as <who>',
      'local server only: act with its dev token for admin, office, leader, liaison:<unit> or gridWorker:<unit>',
    )
    .option('--json', "print the API's JSON answer")
    .addHelpText('after', EXIT_CODES_HELP);

export const credentialsFile = (): string => join(stateDir, 'credentials.json');
const devTokensFile = (): string => join(stateDir, 'dev-tokens.json');

/** What `zhili login` keeps per API: the Cognito ID token (it carries the groups and custom:unit). */
const StoredLogin = z.object({
  idToken: z.string(),
  expiresAt: z.string(),
  user: z.string(),
  clientId: z.string(),
  region: z.string(),
});
export type StoredLogin = z.infer<typeof StoredLogin>;
const Credentials = z.record(z.string(), StoredLogin);

export const readCredentials = async (): Promise<Record<string, StoredLogin>> => {
  const text = await readFile(credentialsFile(), 'utf8').catch(() => null);
  if (text === null) return {};
  const parsed = Credentials.safeParse(JSON.parse(text));
  if (!parsed.success) throw new UsageError(`${credentialsFile()} is damaged; delete it and sign in again`);
  return parsed.data;
};

/** Writes the credentials readable by their owner only (0600), replacing the file in one step. */
export const writeCredentials = async (credentials: Record<string, StoredLogin>): Promise<void> => {
  const file = credentialsFile();
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(partial, 0o600);
  await rename(partial, file);
};

/** An API address as the key of its credentials: http(s), no trailing slash. */
export const apiUrl = (value: string | undefined): string => {
  const raw = value ?? process.env.ZHILI_API ?? LOCAL_API;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--api ${raw} is not a URL; e.g. ${LOCAL_API} or https://api.example.com`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--api ${raw}: use http:// or https://`);
  if (url.protocol === 'http:' && !isLoopback(url.href))
    throw new UsageError(`--api ${raw}: a deployed API takes https:// (tokens are not sent in clear)`);
  return url.href.replace(/\/+$/, '');
};

/** `--as admin`, `--as liaison:<unit>`: which dev token, checked against the roles. */
const devKey = (who: string): { key: string; role: Role; unit?: string } => {
  const [role, unit, ...rest] = who.split(':');
  if (!ROLES.includes(role as Role) || rest.length > 0) {
    throw new UsageError(
      `--as ${who}: give a role (${ROLES.join(', ')}), and for a unit role its unit: liaison:<unit>`,
    );
  }
  if (UNIT_ROLES.has(role as Role) !== (unit !== undefined)) {
    throw new UsageError(
      UNIT_ROLES.has(role as Role)
        ? `--as ${who}: a ${role} acts for one unit: --as ${role}:<unit>`
        : `--as ${who}: a ${role} acts for every unit: --as ${role}`,
    );
  }
  return { key: who, role: role as Role, ...(unit ? { unit } : {}) };
};

const notSignedIn = (message: string, hint: string) =>
  new ApiError({ error: 'NotSignedIn', message, hint }, EXIT.denied, false);

/**
 * A dev token of the local server: from the dev-tokens file `zhili serve` wrote, or, for a unit it
 * did not list, minted with the same home's dev secret (what `zhili token` does).
 */
const devToken = async (who: string): Promise<string> => {
  const { key, role, unit } = devKey(who);
  const file = devTokensFile();
  const text = await readFile(file, 'utf8').catch(() => null);
  const listed = text ? (JSON.parse(text) as { tokens?: Record<string, string> }).tokens?.[key] : undefined;
  if (listed) return listed;
  const hasSecret = await access(join(stateDir, 'dev-secret')).then(
    () => true,
    () => false,
  );
  if (!hasSecret) {
    throw notSignedIn(
      `no dev tokens in ${stateDir}`,
      'start the local server with `zhili serve` (with the same ZHILI_HOME), or pass --token',
    );
  }
  const { devSecret, mintDevToken } = await import('../local/dev-tokens.ts');
  return mintDevToken(await devSecret(stateDir), { role, ...(unit ? { unit } : {}) });
};

/** The bearer token for a request to `url`, or none (the API then answers 401, with a hint). */
const tokenFor = async (url: string, opts: ApiOptions): Promise<string | undefined> => {
  if (opts.token !== undefined && opts.as !== undefined)
    throw new UsageError('give --token or --as, not both');
  if (opts.token !== undefined) return opts.token;
  if (opts.as !== undefined) {
    if (!isLoopback(url)) {
      throw new UsageError(
        `--as picks a dev token of the local server; ${url} is not local: sign in with \`zhili login --api ${url} …\``,
      );
    }
    return devToken(opts.as);
  }
  if (process.env.ZHILI_TOKEN) return process.env.ZHILI_TOKEN;
  const stored = (await readCredentials())[url];
  if (stored) {
    if (Date.parse(stored.expiresAt) <= Date.now()) {
      throw notSignedIn(
        `your sign-in to ${url} as ${stored.user} expired at ${stored.expiresAt}`,
        `sign in again: zhili login --api ${url} --client-id ${stored.clientId} --region ${stored.region} --user ${stored.user}`,
      );
    }
    return stored.idToken;
  }
  return isLoopback(url) ? devToken('admin') : undefined;
};

const timeoutMs = (): number => {
  const seconds = Number(process.env.ZHILI_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_TIMEOUT_MS;
};

const connect = async (opts: ApiOptions): Promise<ApiClient> => {
  const baseUrl = apiUrl(opts.api);
  return new ApiClient({ baseUrl, token: await tokenFor(baseUrl, opts), timeoutMs: timeoutMs() });
};

/** Prints the API's JSON answer with --json, or the human lines otherwise. */
export const emit = (opts: { json?: boolean }, raw: unknown, human: () => void): void => {
  if (opts.json) console.log(JSON.stringify(raw, null, 2));
  else human();
};

/** Ends a command that failed with the exit code its failure means, having said what to do. */
export const exitWith = (error: unknown, json: boolean): never => {
  if (error instanceof ApiError) {
    printFailure(error, json);
    process.exit(error.exitCode);
  }
  if (error instanceof UsageError) {
    if (json) console.log(JSON.stringify({ error: 'UsageError', message: error.message }));
    console.error(`✗ ${error.message}`);
    process.exit(EXIT.usage);
  }
  if (error instanceof DefinitionError) {
    printDefinitionError(error, json);
    console.error('Nothing was sent or written; `zhili validate` checks a file.');
    process.exit(EXIT.badInput);
  }
  if (error instanceof ValidationError) {
    if (json)
      console.log(JSON.stringify({ error: error.name, message: error.message, issues: error.issues }));
    console.error(`✗ ${error.message}`);
    process.exit(EXIT.badInput);
  }
  console.error(`✗ ${(error as Error).message ?? String(error)}`);
  process.exit(EXIT.runtime);
};

/** Runs a command against the API and exits: 0 when it went through, its failure's code otherwise. */
export const withApi = async (opts: ApiOptions, act: (api: ApiClient) => Promise<void>): Promise<never> => {
  try {
    await act(await connect(opts));
  } catch (error) {
    exitWith(error, Boolean(opts.json));
  }
  process.exit(EXIT.ok);
};
