import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { zhiliProgram } from '../../bin/cli/program.ts';

/** `--help` of every zhili command, as Commander prints it (the command tree built, nothing run). */

/** Every command that runs something, by its path (`hazard verify`). */
const leaves = (command: Command, path: string[] = []): [string, Command][] =>
  command.commands.flatMap((sub) => {
    const here = [...path, sub.name()];
    return sub.commands.length > 0 ? leaves(sub, here) : [[here.join(' '), sub] as [string, Command]];
  });

const helpOf = (command: Command): string => {
  let text = '';
  command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  command.outputHelp();
  return text;
};

/** The local commands; every other one talks to the API. */
const LOCAL = new Set(['run', 'serve', 'token', 'login', 'logout']);

describe('zhili --help', () => {
  const commands = leaves(zhiliProgram());

  it('has the commands the API needs, and no others', () => {
    expect(commands.map(([path]) => path).sort()).toEqual(
      [
        'validate',
        'run',
        'campaigns',
        'launch',
        'status',
        'pause',
        'resume',
        'advance',
        'close',
        'extend',
        'audit',
        'units',
        'report submit',
        'report list',
        'bulletin',
        'inspect',
        'task done',
        ...[
          'report',
          'order',
          'accept',
          'fix',
          'update',
          'submit',
          'verify',
          'decline',
          'reassign',
          'close',
          'reopen',
          'show',
          'list',
          'export',
        ].map((c) => `hazard ${c}`),
        'outbox list',
        'outbox retry',
        'serve',
        'token',
        'clock',
        'login',
        'logout',
      ].sort(),
    );
  });

  it.each(commands)('%s: usage, a description, and the exit codes', (path, command) => {
    // Act
    const help = helpOf(command);

    // Assess
    expect(help).toContain(`Usage: zhili ${path}`);
    expect(command.description().length).toBeGreaterThan(10);
    expect(help).toContain('Exit codes: 0 ok · 1 refused input');
    if (!LOCAL.has(path)) {
      for (const option of ['--api <url>', '--token <jwt>', '--as <who>', '--json'])
        expect(help).toContain(option);
    }
  });
});
