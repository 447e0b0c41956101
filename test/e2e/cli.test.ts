import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, type Served, serve, zhili } from '../support/cli.ts';

/**
 * The zhili CLI as a user runs it: `validate` offline, and every other command against one
 * `zhili serve` (fresh home, fixed clock), driving a campaign from its launch to its close.
 */

const CAMPAIGN = 'minimal-2027';
const UNREACHABLE = 'unreachable-2027';

describe('zhili validate (offline)', () => {
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

  it('exits 2 on a usage error, and 0 with the exit codes on --help', async () => {
    const unknown = await zhili(['frobnicate', 'x', 'y']);
    const help = await zhili(['--help']);
    const verifyHelp = await zhili(['hazard', 'verify', '--help']);
    expect(unknown.code).toBe(2);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes: 0 ok · 1 refused input');
    expect(help.stdout).toContain('zhili login');
    expect(verifyHelp.code).toBe(0);
    expect(verifyHelp.stdout).toMatch(/Usage: zhili hazard verify \[options\] <campaign> <item>/);
    expect(verifyHelp.stdout).toContain('--as <who>');
    expect(verifyHelp.stdout).toContain('4 not signed in or not allowed');
  }, 60_000);
});

describe('zhili against the local server', () => {
  let server: Served;
  let dir: string;
  const run = (...args: string[]) => zhili(args, server.env);
  const json = <T>(out: string): T => JSON.parse(out) as T;

  beforeAll(async () => {
    server = await serve([
      '--clock',
      '2027-02-20T09:00+08:00',
      '--unit',
      'police-station',
      '--unit',
      'dongfeng-grid-1',
    ]);
    dir = await mkdtemp(join(tmpdir(), 'zhili-cli-files-'));
    // A second campaign whose office head nobody can reach: its notices to him end as dead letters.
    const minimal = await readFile(join(root, 'test/fixtures/minimal.yaml'), 'utf8');
    await writeFile(
      join(dir, 'unreachable.yaml'),
      minimal
        .replace(`id: ${CAMPAIGN}`, `id: ${UNREACHABLE}`)
        .replace('head: { name: 李明, title: 安委办主任, phone: "13800000002" }', 'head: { name: 李明 }'),
    );
    await writeFile(
      join(dir, 'report.yaml'),
      'progress: 排查沿街商铺12家\ncounts: { sitesChecked: 12, hazardsFound: 3, hazardsFixed: 2 }\n',
    );
    await writeFile(join(dir, 'bad.yaml'), 'progress: 排查\ncounts: { hazardsFound: 1, hazardsFixed: 2 }\n');
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('launches a campaign once from its file, and shows it in the list and its status', async () => {
    // Act
    const before = await run('campaigns', '--json');
    const first = await run('launch', 'test/fixtures/minimal.yaml');
    const again = await run('launch', 'test/fixtures/minimal.yaml', '--json');
    const other = await run('launch', join(dir, 'unreachable.yaml'), '--json');
    const list = await run('campaigns');
    const status = await run('status', CAMPAIGN);
    const statusJson = await run('status', CAMPAIGN, '--json');

    // Assess
    expect(json(before.stdout)).toEqual({ campaigns: [] });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`✓ created and launched ${CAMPAIGN} as execution ${CAMPAIGN}-g1`);
    expect(first.stdout).toContain('next: phaseStart at 2027-02-22 00:00');
    expect(again.code).toBe(0);
    expect(json(again.stdout)).toEqual({
      created: false,
      campaignId: CAMPAIGN,
      executionName: `${CAMPAIGN}-g1`,
      started: false,
    });
    expect(json(other.stdout)).toMatchObject({ created: true, started: true });
    expect(list.stdout).toMatch(new RegExp(`${CAMPAIGN}\\s+running`));
    expect(list.stdout).toContain('2 campaign(s)');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('phases (times in Asia/Shanghai):');
    expect(status.stdout).toMatch(
      /planned mobilize r0 +动员部署 +planned 2027-02-22 00:00 → 2027-03-01 00:00/,
    );
    expect(status.stdout).toContain('next: phaseStart at 2027-02-22 00:00');
    const view = json<{
      campaign: { status: string; timeZone: string };
      timeline: { phase: string }[];
      workflow: { upcoming: { moment: string }[] };
    }>(statusJson.stdout);
    expect(view.campaign).toMatchObject({ status: 'running', timeZone: 'Asia/Shanghai' });
    expect(view.timeline.map((p) => p.phase)).toEqual(['mobilize', 'rectify', 'inspect', 'longTerm']);
    expect(view.workflow.upcoming[0]?.moment).toBe('phaseStart');
  }, 180_000);

  it('validates a definition through the API with --remote', async () => {
    // Act
    const good = await run('validate', '--remote', 'examples/estate-environment.yaml');
    const bad = await run('validate', '--remote', '--json', 'test/fixtures/bad/cutoff-25h.yaml');

    // Assess
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('✓ examples/estate-environment.yaml: estate-env-2027');
    expect(bad.code).toBe(1);
    expect(json<{ issues: { path: string }[] }>(bad.stdout).issues.map((i) => i.path)).toEqual([
      'reporting.cutoff.time',
    ]);
  }, 60_000);

  it('moves the clock, takes a liaison’s report for their unit only, and lists the period', async () => {
    // Prepare
    const submit = (file: string, unit: string, ...more: string[]) =>
      run('report', 'submit', CAMPAIGN, '--unit', unit, '--period', '2027-03-08', '--file', file, ...more);

    // Act
    const moved = await run('clock', '2027-03-02T09:00+08:00');
    const clock = await run('clock', '--json');
    const first = await submit(join(dir, 'report.yaml'), 'police-station', '--as', 'liaison:police-station');
    const second = await submit(
      join(dir, 'report.yaml'),
      'police-station',
      '--as',
      'liaison:police-station',
      '--json',
    );
    const refused = await submit(
      join(dir, 'bad.yaml'),
      'police-station',
      '--as',
      'liaison:police-station',
      '--json',
    );
    const otherUnit = await submit(
      join(dir, 'report.yaml'),
      'dongfeng-community',
      '--as',
      'liaison:police-station',
    );
    // A unit serve did not list: its dev token is minted with the home's secret.
    const minted = await submit(
      join(dir, 'report.yaml'),
      'dongfeng-community',
      '--as',
      'liaison:dongfeng-community',
    );
    const list = await run('report', 'list', CAMPAIGN, '--period', '2027-03-08');
    const listJson = await run('report', 'list', CAMPAIGN, '--unit', 'police-station', '--json');

    // Assess
    expect(moved.stdout).toContain('✓ clock moved to 2027-03-02T01:00:00.000Z');
    expect(json(clock.stdout)).toEqual({ clock: '2027-03-02T01:00:00.000Z', fixed: true });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('✓ police-station · period 2027-03-08 · version 1 · on time');
    expect(json(second.stdout)).toMatchObject({ unitId: 'police-station', version: 2, onTime: true });
    expect(refused.code).toBe(1);
    expect(json(refused.stdout)).toMatchObject({
      error: 'ValidationError',
      status: 400,
      issues: [{ path: 'content.counts.hazardsFixed' }],
    });
    expect(refused.stderr).toContain(
      'content.counts.hazardsFixed: hazardsFixed must not exceed hazardsFound',
    );
    expect(refused.stderr).toContain('Nothing was written.');
    expect(otherUnit.code).toBe(4);
    expect(otherUnit.stderr).toContain('acts for unit "police-station" only');
    expect(minted.code).toBe(0);
    expect(list.stdout).toMatch(/onTime +v2 2027-03-02 09:00 +police-station/);
    expect(list.stdout).toMatch(/onTime +v1 2027-03-02 09:00 +dongfeng-community/);
    expect(list.stdout).toMatch(/missing +v0 +dongfeng-grid-1/);
    expect(json<{ reports: { unitId: string }[] }>(listJson.stdout).reports.map((r) => r.unitId)).toEqual([
      'police-station',
    ]);
  }, 180_000);

  it('prints the bulletin compiled at the cutoff as Markdown, CSV and JSON', async () => {
    // Act
    await run('clock', '2027-03-09T09:00+08:00');
    const md = await run('bulletin', CAMPAIGN);
    const csv = await run('bulletin', CAMPAIGN, '--period', '2027-03-08', '--format', 'csv');
    const figures = await run('bulletin', CAMPAIGN, '--json');
    const notYet = await run('bulletin', CAMPAIGN, '--period', '2027-03-15');

    // Assess
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('工作情况通报');
    expect(csv.stdout).toContain('unitId,单位,报送情况');
    expect(json(figures.stdout)).toMatchObject({ campaignId: CAMPAIGN, period: '2027-03-08' });
    expect(notYet.code).toBe(1);
    expect(notYet.stderr).toContain('no bulletin for period 2027-03-15');
  }, 120_000);

  it('lists the dead letters of the outbox and puts them back', async () => {
    // Act
    const dead = await run('outbox', UNREACHABLE, '--status', 'dead', '--json');
    const human = await run('outbox', UNREACHABLE);
    const retried = await run('outbox', 'retry', UNREACHABLE, '--json');
    const byLeader = await run('outbox', UNREACHABLE, '--as', 'leader');

    // Assess
    const letters = json<{ notifications: { id: string; status: string; lastError: string }[] }>(
      dead.stdout,
    ).notifications;
    expect(letters.length).toBeGreaterThan(0);
    expect(letters[0]?.lastError).toContain('no channel: 李明');
    expect(human.stdout).toMatch(/dead +none .*李明 .*✗ no channel/);
    const { retried: ids } = json<{ retried: string[] }>(retried.stdout);
    expect(ids.sort()).toEqual(letters.map((l) => l.id).sort());
    expect(byLeader.code).toBe(4);
    expect(byLeader.stderr).toContain('this needs the role admin or office; you act as leader');
  }, 120_000);

  it('pauses, resumes, extends and advances the campaign, each recorded with who and why', async () => {
    // Act
    const byOffice = await run('pause', CAMPAIGN, '--reason', '区里检查', '--as', 'office');
    const paused = await run('pause', CAMPAIGN, '--reason', '区里检查');
    const status = await run('status', CAMPAIGN, '--json');
    const resumed = await run('resume', CAMPAIGN, '--reason', '检查结束', '--json');
    const extended = await run('extend', CAMPAIGN, '--days', '2', '--reason', '连续降雨');
    const advanced = await run('advance', CAMPAIGN, '--reason', '提前完成整治');
    const after = await run('status', CAMPAIGN);

    // Assess
    expect(byOffice.code).toBe(4);
    expect(byOffice.stderr).toContain(
      'this needs the role admin; you act as office (on the local server: --as admin)',
    );
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain(`✓ paused ${CAMPAIGN}: paused · rectify round 0`);
    expect(paused.stdout).toContain('campaign.paused — 区里检查');
    expect(json<{ campaign: { status: string } }>(status.stdout).campaign.status).toBe('paused');
    expect(json(resumed.stdout)).toMatchObject({
      status: 'running',
      executionName: `${CAMPAIGN}-g2`,
      audit: { action: 'campaign.resumed', detail: { reason: '检查结束' } },
    });
    expect(extended.stdout).toContain('phase.extended — 连续降雨');
    expect(advanced.code).toBe(0);
    expect(after.stdout).toMatch(/running inspect r0/);
  }, 180_000);

  it('records an inspection as the office and a finished task as its lead unit’s liaison', async () => {
    // Act
    const scored = await run(
      'inspect',
      CAMPAIGN,
      '--unit',
      'police-station',
      '--score',
      '90',
      '--as',
      'office',
    );
    const checklist = await run('inspect', CAMPAIGN, '--unit', 'police-station', '--item', 'exits=10');
    const noScore = await run('inspect', CAMPAIGN, '--unit', 'police-station');
    const done = await run(
      'task',
      'done',
      CAMPAIGN,
      'anti-fraud-publicity',
      '--as',
      'liaison:police-station',
    );
    const notTheirs = await run(
      'task',
      'done',
      CAMPAIGN,
      'shop-fire-check',
      '--as',
      'liaison:police-station',
    );

    // Assess
    expect(scored.stdout).toContain('✓ police-station scored 90 in round 0 by local-office');
    expect(checklist.code).toBe(1);
    expect(checklist.stderr).toContain('this campaign has no checklist');
    expect(noScore.code).toBe(2);
    expect(done.stdout).toContain('✓ task anti-fraud-publicity (防盗、防诈骗宣传) done at 2027-03-09 09:00');
    expect(notTheirs.code).toBe(4);
  }, 120_000);

  it('shows the units and closes the campaign; a control after the close is refused with exit 1', async () => {
    // Act
    const units = await run('units', CAMPAIGN, '--as', 'liaison:police-station', '--json');
    const unit = await run('units', CAMPAIGN, 'dongfeng-grid-1');
    const closed = await run('close', CAMPAIGN, '--reason', '整治结束');
    const again = await run('resume', CAMPAIGN, '--reason', '再来');
    const audit = await run('audit', CAMPAIGN);
    const auditJson = await run('audit', CAMPAIGN, '--json');

    // Assess
    expect(json<{ units: { id: string }[] }>(units.stdout).units.map((u) => u.id)).toEqual([
      'police-station',
    ]);
    expect(unit.stdout).toContain('dongfeng-grid-1 · 东风社区第一网格 · grid in dongfeng-community');
    expect(closed.stdout).toContain(`✓ closed ${CAMPAIGN}: closed`);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is closed');
    expect(again.stderr).toContain('Nothing was written.');
    for (const line of [
      'campaign.paused — 区里检查',
      'campaign.resumed — 检查结束',
      'phase.extended — 连续降雨',
    ]) {
      expect(audit.stdout).toContain(line);
    }
    const actions = json<{ events: { action: string; actor: string }[] }>(auditJson.stdout).events;
    expect(actions.filter((e) => e.actor === 'local-admin').map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'campaign.paused',
        'campaign.resumed',
        'phase.extended',
        'phase.advanced',
        'campaign.closed',
      ]),
    );
  }, 120_000);

  it('exits 2 on usage errors and 4 without a token, with a wrong one, or with a role the route refuses', async () => {
    // Prepare
    const emptyHome = await mkdtemp(join(tmpdir(), 'zhili-nobody-'));

    // Act
    const noReason = await run('pause', CAMPAIGN);
    const badRole = await run('campaigns', '--as', 'mayor');
    const liaisonNoUnit = await run('campaigns', '--as', 'liaison');
    const both = await run('campaigns', '--as', 'admin', '--token', 'x');
    const notHttps = await run('campaigns', '--api', 'http://api.example.com');
    const noToken = await zhili(['campaigns'], { ZHILI_HOME: emptyHome, ZHILI_API: server.url });
    const wrongToken = await run('campaigns', '--token', 'not-a-jwt', '--json');
    const unknown = await run('status', 'no-such-campaign');

    // Assess
    for (const usage of [noReason, badRole, liaisonNoUnit, both, notHttps]) expect(usage.code).toBe(2);
    expect(badRole.stderr).toContain('--as mayor: give a role (admin, office, liaison, gridWorker, leader)');
    expect(notHttps.stderr).toContain('a deployed API takes https://');
    expect(noToken.code).toBe(4);
    expect(noToken.stderr).toContain(`no dev tokens in ${emptyHome}`);
    expect(noToken.stderr).toContain('zhili serve');
    expect(wrongToken.code).toBe(4);
    expect(json(wrongToken.stdout)).toMatchObject({ error: 'UnauthorizedError', status: 401 });
    expect(wrongToken.stderr).toContain('--as <role>');
    expect(wrongToken.stdout + wrongToken.stderr).not.toContain('not-a-jwt');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('campaign "no-such-campaign" does not exist');
  }, 120_000);

  it('exits 3 once no server answers, saying how to start one', async () => {
    // Act
    await server.stop();
    const gone = await run('campaigns');

    // Assess
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain(`no zhili API at ${server.url}`);
    expect(gone.stderr).toContain('start one with `zhili serve` (or pass --api)');
  }, 60_000);
});
