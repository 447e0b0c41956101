import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Served, serve, zhili } from '../support/cli.ts';

/** `zhili hazard …` against one `zhili serve`: the ledger's paths as grid workers, liaisons and the office walk them. */

const CAMPAIGN = 'minimal-2027';
const GRID = ['--as', 'gridWorker:dongfeng-grid-1'];
const POLICE = ['--as', 'liaison:police-station'];
const OFFICE = ['--as', 'office'];

describe('zhili hazard against the local server', () => {
  let server: Served;
  const run = (...args: string[]) => zhili(args, server.env);
  const hazard = (...args: string[]) => run('hazard', ...args);
  const itemOf = (out: string) => JSON.parse(out) as { id: string; state: string; reportedBy: string };

  beforeAll(async () => {
    server = await serve([
      '--clock',
      '2027-02-20T09:00+08:00',
      '--unit',
      'dongfeng-grid-1',
      '--unit',
      'police-station',
    ]);
    expect((await run('launch', 'test/fixtures/minimal.yaml')).code).toBe(0);
    expect((await run('clock', '2027-03-02T09:00+08:00')).code).toBe(0);
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('reports, orders, rectifies and verifies an item; a refused command exits 1 and changes nothing', async () => {
    // Act
    const reported = await hazard(
      'report',
      CAMPAIGN,
      '--unit',
      'dongfeng-grid-1',
      '--location',
      '幸福路12号',
      '--category',
      '消防通道',
      '--description',
      '安全出口堆放杂物',
      '--urgency',
      'red',
      ...GRID,
      '--json',
    );
    const item = itemOf(reported.stdout);
    const pastDeadline = await hazard(
      'order',
      CAMPAIGN,
      item.id,
      '--measures',
      '清理',
      '--deadline',
      '2027-03-01T00:00+08:00',
      ...OFFICE,
    );
    const untouched = await hazard('show', CAMPAIGN, item.id, '--json');
    const ordered = await hazard(
      'order',
      CAMPAIGN,
      item.id,
      '--measures',
      '清理杂物',
      '--person',
      '陈刚',
      '--deadline',
      '2027-03-04T00:00+08:00',
      ...OFFICE,
    );
    const accepted = await hazard('accept', CAMPAIGN, item.id, ...GRID);
    const submitted = await hazard(
      'submit',
      CAMPAIGN,
      item.id,
      '--evidence',
      '已清理',
      '--photo',
      'photo:a',
      ...GRID,
    );
    const noVerdict = await hazard('verify', CAMPAIGN, item.id, ...OFFICE);
    const failed = await hazard(
      'verify',
      CAMPAIGN,
      item.id,
      '--fail',
      '--reason',
      '仍有杂物',
      '--deadline',
      '2027-03-05T00:00+08:00',
      ...OFFICE,
    );
    await hazard('submit', CAMPAIGN, item.id, '--evidence', '已全部清理', ...GRID);
    const verified = await hazard('verify', CAMPAIGN, item.id, '--pass', ...OFFICE, '--json');
    const shown = await hazard('show', CAMPAIGN, item.id);

    // Assess
    expect(reported.code).toBe(0);
    expect(item).toMatchObject({ state: 'reported', reportedBy: 'gridWorker-dongfeng-grid-1' });
    expect(pastDeadline.code).toBe(1);
    expect(pastDeadline.stderr).toMatch(/a deadline must be in the future/);
    expect(pastDeadline.stderr).toContain('Nothing was written.');
    expect(JSON.parse(untouched.stdout)).toMatchObject({ item: { state: 'reported' }, trail: [{ seq: 1 }] });
    expect(ordered.stdout).toContain(
      `✓ ${item.id} · 已下达整改通知 (ordered) · dongfeng-grid-1 · deadline 2027-03-04 00:00`,
    );
    expect(accepted.stdout).toContain('(rectifying)');
    expect(submitted.stdout).toContain('(submitted)');
    expect(noVerdict.code).toBe(2);
    expect(noVerdict.stderr).toContain('give exactly one of --pass and --fail');
    expect(failed.stdout).toContain('(rectifying) · dongfeng-grid-1 · deadline 2027-03-05 00:00');
    expect(itemOf(verified.stdout).state).toBe('verified');
    expect(shown.stdout).toContain('幸福路12号 · 消防通道 · 安全出口堆放杂物');
    expect(shown.stdout).toMatch(
      /5\. 2027-03-02 09:00 local-office: verify submitted → rectifying \(仍有杂物\)/,
    );
    expect(shown.stdout).toMatch(/7\. 2027-03-02 09:00 local-office: verify submitted → verified/);
  }, 240_000);

  it('takes a decline, a reassignment, a close and a reopen, and hides other units’ items from a grid worker', async () => {
    // Act
    const reported = await hazard(
      'report',
      CAMPAIGN,
      '--unit',
      'police-station',
      '--location',
      '东风路3号',
      '--category',
      '燃气安全',
      '--description',
      '燃气软管老化',
      ...POLICE,
      '--json',
    );
    const item = itemOf(reported.stdout);
    await hazard('order', CAMPAIGN, item.id, '--measures', '更换软管', ...OFFICE);
    const declined = await hazard('decline', CAMPAIGN, item.id, '--reason', '非本单位职责', ...POLICE);
    const reassigned = await hazard('reassign', CAMPAIGN, item.id, '--unit', 'dongfeng-community', ...OFFICE);
    const closed = await hazard('close', CAMPAIGN, item.id, '--reason', '商户已搬离', ...OFFICE);
    const reopened = await hazard('reopen', CAMPAIGN, item.id, '--reason', '商户回迁', ...OFFICE);
    const hidden = await hazard('show', CAMPAIGN, item.id, ...GRID);
    const spot = await hazard(
      'report',
      CAMPAIGN,
      '--unit',
      'dongfeng-grid-1',
      '--location',
      '幸福路20号',
      '--category',
      '消防器材',
      '--description',
      '灭火器过期',
      '--fixed',
      '当场更换灭火器',
      '--photo',
      'photo:b',
      ...GRID,
      '--json',
    );

    // Assess
    expect(declined.stdout).toContain('(declined)');
    expect(reassigned.stdout).toContain('(ordered) · dongfeng-community');
    expect(closed.stdout).toContain('(closedUnfixed)');
    expect(reopened.stdout).toContain('(rectifying)');
    expect(hidden.code).toBe(1);
    expect(hidden.stderr).toContain(`hazard "${item.id}" is not in the ledger of campaign "${CAMPAIGN}"`);
    expect(itemOf(spot.stdout).state).toBe('fixedOnSpot');
  }, 240_000);

  it('lists the ledger with its counts, scoped to a grid worker’s unit, and exports it as CSV and XLSX', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'zhili-ledger-'));

    // Act
    const all = await hazard('list', CAMPAIGN, '--json');
    const human = await hazard('list', CAMPAIGN, '--open');
    const mine = await hazard('list', CAMPAIGN, ...GRID, '--json');
    const otherUnit = await hazard('list', CAMPAIGN, '--unit', 'police-station', ...GRID);
    const csv = await hazard('export', CAMPAIGN, '--out', join(dir, 'ledger.csv'));
    const xlsx = await hazard('export', CAMPAIGN, '--out', join(dir, 'ledger.xlsx'), '--json');

    // Assess
    const ledger = JSON.parse(all.stdout) as { items: { state: string }[]; counts: { unitId: string }[] };
    expect(ledger.items.map((i) => i.state).sort()).toEqual(['fixedOnSpot', 'rectifying', 'verified']);
    expect(ledger.counts.map((c) => c.unitId)).toContain('dongfeng-grid-1');
    expect(human.stdout).toMatch(/hz-[0-9a-f]{10} {2}整改中 {2}东风社区居委会 {2}东风路3号 {2}燃气软管老化/);
    expect(human.stdout).toContain('1 item(s)');
    expect((JSON.parse(mine.stdout) as { items: unknown[] }).items).toHaveLength(2);
    expect(otherUnit.code).toBe(4);
    expect(csv.code).toBe(0);
    const text = await readFile(join(dir, 'ledger.csv'), 'utf8');
    expect(text.startsWith('\uFEFF编号,发现单位,位置')).toBe(true);
    expect(text).toContain(
      '东风社区第一网格,幸福路12号,消防通道,安全出口堆放杂物,红,gridWorker-dongfeng-grid-1,2027-03-02 09:00,复查合格（已销号）,东风社区第一网格,陈刚,清理杂物,2027-03-05 00:00,否,1,否,0,已全部清理',
    );
    expect(JSON.parse(xlsx.stdout)).toEqual({ file: join(dir, 'ledger.xlsx'), items: 3 });
    expect((await readFile(join(dir, 'ledger.xlsx'))).subarray(0, 2).toString()).toBe('PK');
  }, 240_000);
});
