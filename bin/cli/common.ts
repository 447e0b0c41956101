import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { parse } from 'yaml';
import { DefinitionError, ValidationError } from '../../functions/shared/domain/errors.ts';
import {
  MAX_DEFINITION_BYTES,
  parseDefinition,
  parseYamlMapping,
} from '../../functions/shared/domain/load-definition.ts';

/** What every zhili command shares: exit codes, where the local runtime lives, input files, errors. */

/** 1: the input was refused (nothing written); 4: not signed in, or not allowed. */
export const EXIT = { ok: 0, badInput: 1, usage: 2, runtime: 3, denied: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `
Exit codes: 0 ok · 1 refused input (the API's 400/404/409/413/415; nothing was written) · 2 usage ·
3 runtime (5xx, no server, a bad answer) · 4 not signed in or not allowed (401/403).`;

/** A wrong combination of options or arguments, found after Commander parsed them: exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const root = resolve(import.meta.dirname, '..', '..');
// Where the local runtime keeps its database between commands; ZHILI_HOME moves it (tests, several checkouts).
export const stateDir = resolve(process.env.ZHILI_HOME ?? join(root, '.zhili'));

/** A campaign file's YAML mapping, not yet validated; a missing, oversized or unreadable file is a DefinitionError. */
export const readDefinitionFile = async (file: string): Promise<Record<string, unknown>> => {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw new DefinitionError(file, [{ path: '', message: 'no such file' }]);
  if (info.size > MAX_DEFINITION_BYTES) {
    throw new DefinitionError(file, [
      { path: '', message: `file is ${info.size} bytes; the limit is ${MAX_DEFINITION_BYTES} bytes` },
    ]);
  }
  return parseYamlMapping(await readFile(file, 'utf8'), file);
};

/** A campaign file, validated: every problem names the file and the field. */
export const loadFile = async (file: string) => parseDefinition(await readDefinitionFile(file), file);

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

/** How the local commands (run, validate, serve, token) fail: a refused definition or input exits 1, anything else 3. */
export const fail = (error: unknown, json: boolean): never => {
  if (error instanceof DefinitionError) {
    printDefinitionError(error, json);
    if (!json)
      console.error('Fix the fields above and run `zhili validate` again; nothing was written or launched.');
    process.exit(EXIT.badInput);
  }
  if (error instanceof ValidationError) {
    if (json)
      console.log(
        JSON.stringify({ ok: false, error: error.name, message: error.message, issues: error.issues }),
      );
    else {
      console.error(`✗ ${error.message}`);
      for (const issue of error.issues) console.error(`  - ${issue.path || '(input)'}: ${issue.message}`);
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
