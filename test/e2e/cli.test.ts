import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { root, zhili } from '../support/cli.ts';

describe('zhili validate', () => {
  it('accepts both examples', async () => {
    const run = await zhili([
      'validate',
      'examples/safety-production.yaml',
      'examples/estate-environment.yaml',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('✓ examples/safety-production.yaml: safety-2027');
    expect(run.stdout).toContain('✓ examples/estate-environment.yaml: estate-env-2027');
  });

  it('rejects each bad input with the file, the field and what is wrong, and exits 1', async () => {
    const bad = (name: string) => `test/fixtures/bad/${name}.yaml`;
    const run = await zhili([
      'validate',
      bad('phases-out-of-order'),
      bad('unknown-task-unit'),
      bad('duplicate-unit'),
      bad('impossible-date'),
      bad('cutoff-25h'),
      bad('unknown-timezone'),
      bad('not-yaml'),
      bad('alias-bomb'),
    ]);
    expect(run.code).toBe(1);
    const expectations: [string, RegExp][] = [
      ['phases-out-of-order', /phases\.inspect\.start: phases out of order/],
      ['unknown-task-unit', /tasks\[2\]\.lead: unknown unit/],
      ['duplicate-unit', /organisation\.units\[4\]\.id: duplicate unit id/],
      ['impossible-date', /phases\.mobilize\.end: must be a real calendar date/],
      ['cutoff-25h', /reporting\.cutoff\.time: must be a time of day/],
      ['unknown-timezone', /timeZone: must be an IANA time zone/],
      ['not-yaml', /not valid YAML/],
      ['alias-bomb', /alias/i],
    ];
    for (const [file, message] of expectations) {
      const block = run.stderr.split('✗ ').find((b) => b.startsWith(bad(file)));
      expect(block, file).toBeDefined();
      expect(block, file).toMatch(message);
    }
  });

  it('prints machine-readable results with --json', async () => {
    const run = await zhili(['validate', '--json', 'test/fixtures/bad/cutoff-25h.yaml']);
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout) as { ok: boolean; issues: { path: string }[] };
    expect(out.ok).toBe(false);
    expect(out.issues.map((i) => i.path)).toEqual(['reporting.cutoff.time']);
  });

  it('refuses a missing file and an oversized one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhili-cli-'));
    const big = join(dir, 'big.yaml');
    await writeFile(big, `# ${'x'.repeat(1024 * 1024 + 10)}\n`);
    const run = await zhili(['validate', join(dir, 'missing.yaml'), big]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no such file');
    expect(run.stderr).toMatch(/the limit is 1048576 bytes/);
  });

  it('exits 2 on a usage error', async () => {
    const run = await zhili(['frobnicate', 'x', 'y']);
    expect(run.code).toBe(2);
  });
});

describe('zhili launch and status on the local runtime', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'zhili-home-'));
  });

  // Four processes, each starting Java for DynamoDB Local: minutes on a loaded machine.
  it('launches once, plays up to --until, and reports the status from the persisted table', async () => {
    const env = { ZHILI_HOME: home };
    const args = [
      'examples/safety-production.yaml',
      '--at',
      '2027-05-10T09:00:00+08:00',
      '--until',
      '2027-06-15T00:00:00+08:00',
    ];
    const first = await zhili(['launch', ...args], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('launched safety-2027 as execution safety-2027-g1');
    expect(first.stdout).toContain('(paused)');

    const second = await zhili(['launch', ...args], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('already launched');

    const status = await zhili(['status', 'safety-2027', '--json'], env);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.stdout) as { campaign: { status: string }; phases: { phase: string }[] };
    expect(parsed.campaign.status).toBe('running');
    expect(parsed.phases.map((p) => p.phase)).toEqual(['mobilize', 'rectify']);

    const unknown = await zhili(['status', 'no-such-campaign'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no campaign "no-such-campaign"');
  }, 180_000);

  it('submits, resubmits and lists reports, refuses bad ones, and prints the bulletin', async () => {
    // Prepare: the campaign launched above is paused on 2027-06-15, in rectify (reports from 06-07).
    const env = { ZHILI_HOME: home };
    const good = join(home, 'report.yaml');
    const bad = join(home, 'bad.yaml');
    await writeFile(
      good,
      'progress: 排查沿街商铺12家\ncounts: { sitesChecked: 12, hazardsFound: 3, hazardsFixed: 2 }\nextra: { gasCylinders: 40 }\n',
    );
    await writeFile(
      bad,
      'progress: 排查\ncounts: { hazardsFound: 1, hazardsFixed: 2 }\nextra: { gasCylinders: 1 }\n',
    );
    const submit = (file: string, ...more: string[]) =>
      zhili(
        [
          'report',
          'submit',
          'safety-2027',
          '--unit',
          'tianshan-community',
          '--period',
          '2027-06-21',
          '--file',
          file,
          ...more,
        ],
        env,
      );

    // Act
    const first = await submit(good, '--at', '2027-06-16T10:00:00+08:00');
    const second = await submit(good, '--at', '2027-06-17T10:00:00+08:00', '--json');
    const refused = await submit(bad, '--at', '2027-06-17T11:00:00+08:00');
    const list = await zhili(['report', 'list', 'safety-2027', '--period', '2027-06-21', '--json'], env);
    const bulletin = await zhili(['bulletin', 'safety-2027', '--period', '2027-06-14'], env);
    const noBulletin = await zhili(['bulletin', 'safety-2027', '--period', '2027-06-21'], env);

    // Assess
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('version 1 · on time');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ ok: true, report: { version: 2, onTime: true } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('content.counts.hazardsFixed');
    expect(refused.stderr).toContain('Nothing was written.');
    const rows = (
      JSON.parse(list.stdout) as { reports: { unitId: string; version: number; status: string }[] }
    ).reports;
    expect(rows.find((r) => r.unitId === 'tianshan-community')).toMatchObject({
      version: 2,
      status: 'onTime',
    });
    expect(bulletin.code).toBe(0);
    expect(bulletin.stdout).toContain('工作情况通报');
    expect(noBulletin.code).toBe(1);
    expect(noBulletin.stderr).toContain('no bulletin for period 2027-06-21 yet');
  }, 180_000);
});

describe('zhili outbox and outbox retry on the local runtime', () => {
  it('shows a dead letter with its error, and retry puts it back and tries it again', async () => {
    // Prepare: an office head nobody can reach (no phone, email or robot)
    const home = await mkdtemp(join(tmpdir(), 'zhili-home-'));
    const env = { ZHILI_HOME: home };
    const minimal = await readFile(join(root, 'test/fixtures/minimal.yaml'), 'utf8');
    const file = join(home, 'unreachable.yaml');
    await writeFile(
      file,
      minimal.replace(
        'head: { name: 李明, title: 安委办主任, phone: "13800000002" }',
        'head: { name: 李明 }',
      ),
    );
    const launch = await zhili(
      ['launch', file, '--at', '2027-02-20T09:00:00+08:00', '--until', '2027-02-23T00:00:00+08:00'],
      env,
    );
    expect(launch.code).toBe(0);

    // Act
    const dead = await zhili(['outbox', 'minimal-2027', '--status', 'dead', '--json'], env);
    const retry = await zhili(
      ['outbox', 'retry', 'minimal-2027', '--at', '2027-02-22T09:00:00+08:00', '--json'],
      env,
    );
    const after = await zhili(['outbox', 'minimal-2027', '--json'], env);

    // Assess
    const deadLines = dead.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; status: string; channel: string; lastError: string });
    expect(deadLines).toHaveLength(1);
    expect(deadLines[0]).toMatchObject({
      status: 'dead',
      channel: 'none',
      lastError: expect.stringContaining('no channel: 李明'),
    });
    expect(JSON.parse(retry.stdout)).toMatchObject({ retried: [deadLines[0]?.id], result: { dead: 1 } });
    const lines = after.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; status: string; attempts: number });
    expect(new Set(lines.map((l) => l.id)).size).toBe(5);
    expect(lines.find((l) => l.id === deadLines[0]?.id)).toMatchObject({ status: 'dead', attempts: 1 });
    expect(lines.filter((l) => l.status === 'sent')).toHaveLength(4);
  }, 240_000);
});
