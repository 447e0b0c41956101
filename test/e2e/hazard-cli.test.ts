import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { zhili } from '../support/cli.ts';

describe('zhili hazard on the local runtime', () => {
  it('reports an item, refuses a bad command with exit 1 and changes nothing, exports the ledger', async () => {
    // Prepare
    const home = await mkdtemp(join(tmpdir(), 'zhili-hazard-'));
    const env = { ZHILI_HOME: home };
    const launched = await zhili(
      [
        'launch',
        'test/fixtures/minimal.yaml',
        '--at',
        '2027-02-20T09:00+08:00',
        '--until',
        '2027-03-02T09:00+08:00',
      ],
      env,
    );
    expect(launched.code).toBe(0);

    // Act
    const report = await zhili(
      [
        'hazard',
        'report',
        'minimal-2027',
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
        '--by',
        '陈刚',
        '--at',
        '2027-03-02T09:00+08:00',
        '--json',
      ],
      env,
    );
    const item = JSON.parse(report.stdout) as { id: string; state: string };
    const pastDeadline = await zhili(
      [
        'hazard',
        'order',
        'minimal-2027',
        item.id,
        '--measures',
        '清理',
        '--deadline',
        '2027-03-01T00:00+08:00',
      ].concat(['--by', '李明', '--at', '2027-03-02T09:10+08:00']),
      env,
    );
    const csv = join(home, 'ledger.csv');
    const exported = await zhili(['hazard', 'export', 'minimal-2027', '--out', csv], env);

    // Assess
    expect(report.code).toBe(0);
    expect(item.state).toBe('reported');
    expect(pastDeadline.code).toBe(1);
    expect(pastDeadline.stderr).toMatch(/a deadline must be in the future/);
    expect(pastDeadline.stderr).toContain('Nothing was written.');
    expect(exported.code).toBe(0);
    const text = await readFile(csv, 'utf8');
    // The refused order changed nothing: the item is still as reported, with no measures or deadline.
    expect(text).toContain(
      `${item.id},东风社区第一网格,幸福路12号,消防通道,安全出口堆放杂物,红,陈刚,2027-03-02 09:00,已上报,东风社区第一网格,,,,否`,
    );
    expect(text).toContain(`${item.id},东风社区第一网格,幸福路12号,消防通道,安全出口堆放杂物,红,陈刚`);
    // Four commands, each starting DynamoDB Local and synthesizing the app: slow on a shared machine.
  }, 180_000);
});
