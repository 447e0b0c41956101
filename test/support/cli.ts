import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

/** The environment without the caller's own zhili settings (API, token, home, password). */
const cleanEnv = (env: Record<string, string>): NodeJS.ProcessEnv => {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ZHILI_')));
  return { ...base, ...env };
};

/** Runs `zhili` as a user would, in a fresh process; a non-zero exit is a result, not a throw. */
export const zhili = async (args: string[], env: Record<string, string> = {}): Promise<Run> => {
  try {
    const { stdout, stderr } = await promisify(execFile)(tsx, ['bin/zhili.ts', ...args], {
      cwd: root,
      env: cleanEnv(env),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

export interface Served {
  url: string;
  home: string;
  /** ZHILI_HOME and ZHILI_API for the CLI commands that talk to this server. */
  env: Record<string, string>;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGTERM, and its exit code. */
  stop(): Promise<number | null>;
}

/** Starts `zhili serve --port 0` in a fresh home (or the one given) and waits until it serves. */
export const serve = async (args: string[], home?: string): Promise<Served> => {
  const dir = home ?? (await mkdtemp(join(tmpdir(), 'zhili-serve-')));
  const child: ChildProcess = spawn(tsx, ['bin/zhili.ts', 'serve', '--port', '0', ...args], {
    cwd: root,
    env: cleanEnv({ ZHILI_HOME: dir }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /zhili API on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1] && output.includes('Ctrl-C')) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`zhili serve exited with ${code}: ${output}`)));
  });
  return {
    url,
    home: dir,
    env: { ZHILI_HOME: dir, ZHILI_API: url },
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
};
