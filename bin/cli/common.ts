import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { InvalidArgumentError } from 'commander';
import { parse } from 'yaml';
import { documentClient } from '../../functions/shared/adapters/clients.ts';
import { DynamoCampaignStore } from '../../functions/shared/adapters/dynamo-store.ts';
import {
  ConflictError,
  DefinitionError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../functions/shared/domain/errors.ts';
import { MAX_DEFINITION_BYTES, parseDefinitionYaml } from '../../functions/shared/domain/load-definition.ts';
import type { CampaignStore } from '../../functions/shared/domain/ports.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { LOCAL_TABLE } from '../local/runtime.ts';

/** What every zhili command shares: exit codes, where the local runtime lives, input files, errors. */

export const EXIT = { ok: 0, badInput: 1, usage: 2, runtime: 3 } as const;
const root = resolve(import.meta.dirname, '..', '..');
// Where the local runtime keeps its database between commands; ZHILI_HOME moves it (tests, several checkouts).
export const stateDir = resolve(process.env.ZHILI_HOME ?? join(root, '.zhili'));

export const loadFile = async (file: string) => {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw new DefinitionError(file, [{ path: '', message: 'no such file' }]);
  if (info.size > MAX_DEFINITION_BYTES) {
    throw new DefinitionError(file, [
      { path: '', message: `file is ${info.size} bytes; the limit is ${MAX_DEFINITION_BYTES} bytes` },
    ]);
  }
  return parseDefinitionYaml(await readFile(file, 'utf8'), file);
};

export const isoInstant = (value: string): string => {
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed))
    throw new InvalidArgumentError('expected an ISO date or instant, e.g. 2027-06-01T09:00+08:00');
  return new Date(parsed).toISOString();
};

export const printDefinitionError = (error: DefinitionError, json: boolean): void => {
  if (json) console.log(JSON.stringify({ ok: false, file: error.source, issues: error.issues }));
  else {
    console.error(`✗ ${error.source} is not a valid campaign definition:`);
    for (const issue of error.issues) console.error(`  - ${issue.path || '(file)'}: ${issue.message}`);
  }
};

export const fail = (error: unknown, json: boolean): never => {
  if (error instanceof DefinitionError) {
    printDefinitionError(error, json);
    if (!json)
      console.error('Fix the fields above and run `zhili validate` again; nothing was written or launched.');
    process.exit(EXIT.badInput);
  }
  // The use cases' refusals: the input was wrong (or the state forbids it), not the runtime.
  if (
    error instanceof ValidationError ||
    error instanceof NotFoundError ||
    error instanceof ConflictError ||
    error instanceof ForbiddenError
  ) {
    const issues = error instanceof ValidationError ? error.issues : [];
    if (json) console.log(JSON.stringify({ ok: false, error: error.name, message: error.message, issues }));
    else {
      console.error(`✗ ${error.message}`);
      for (const issue of issues) console.error(`  - ${issue.path || '(input)'}: ${issue.message}`);
      console.error('Nothing was written.');
    }
    process.exit(EXIT.badInput);
  }
  console.error(`✗ ${(error as Error).message}`);
  process.exit(EXIT.runtime);
};

/** Reads a small YAML or JSON input file (a report's content), refusing anything large or missing. */
export const readInputFile = async (file: string, maxBytes: number): Promise<unknown> => {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile())
    throw new ValidationError(`${file}: no such file`, [{ path: 'file', message: 'no such file' }]);
  if (info.size > maxBytes) {
    throw new ValidationError(`${file} is ${info.size} bytes; the limit is ${maxBytes}`, [
      { path: 'file', message: 'file too large' },
    ]);
  }
  try {
    return parse(await readFile(file, 'utf8'), { maxAliasCount: 10 });
  } catch (error) {
    throw new ValidationError(`${file} is not YAML or JSON: ${(error as Error).message}`, [
      { path: 'file', message: 'not YAML or JSON' },
    ]);
  }
};

/**
 * Runs one command on the table `zhili launch` left in the local runtime's database, and closes it
 * whatever happens. Only DynamoDB Local is started: commands between the workflow's wakes (reports,
 * the ledger) need no state machine and no synthesis.
 */
export const withLocalStore = async (
  json: boolean,
  act: (store: CampaignStore) => Promise<void>,
): Promise<never> => {
  let db: DynamoDbLocal | undefined;
  try {
    await mkdir(join(stateDir, 'db'), { recursive: true });
    db = await startDynamoDbLocal({ dbPath: join(stateDir, 'db') });
    const tables = await db.client.send(new ListTablesCommand({}));
    if (!tables.TableNames?.includes(LOCAL_TABLE)) {
      throw new NotFoundError('no campaign on the local runtime; launch one with `zhili launch <file>`');
    }
    await act(new DynamoCampaignStore(documentClient(db.client), LOCAL_TABLE));
  } catch (error) {
    await db?.stop();
    fail(error, json);
  }
  await db?.stop();
  process.exit(EXIT.ok);
};
