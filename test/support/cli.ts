import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The repository root, where `zhili` runs in the end-to-end tests. */
export const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules/.bin/tsx');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `zhili` as a user would, in a fresh process; a non-zero exit is a result, not a throw. */
export const zhili = async (args: string[], env: Record<string, string> = {}): Promise<Run> => {
  try {
    const { stdout, stderr } = await promisify(execFile)(tsx, ['bin/zhili.ts', ...args], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};
