import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hazardChartSvg } from '../../functions/shared/domain/bulletin/chart.ts';
import { type BulletinInput, compileBulletin } from '../../functions/shared/domain/bulletin/compile.ts';
import { bulletinCsv } from '../../functions/shared/domain/bulletin/csv.ts';
import { bulletinHtml } from '../../functions/shared/domain/bulletin/html.ts';
import { bulletinMarkdown } from '../../functions/shared/domain/bulletin/markdown.ts';
import { presentBulletin } from '../../functions/shared/domain/bulletin/present.ts';
import { CampaignDefinition, type Unit } from '../../functions/shared/domain/definition.ts';
import { parseDefinitionYaml } from '../../functions/shared/domain/load-definition.ts';
import type { ReportRecord } from '../../functions/shared/domain/records.ts';
import { daysAfter, instant, iso } from '../../functions/shared/domain/schedule.ts';
import { MAIL_ANNEX_ROWS } from '../../functions/shared/use-cases/publish-bulletin.ts';

/** The bulletin's figures and its three formats, as pure functions of reports and earlier bulletins. */

const fixture = join(import.meta.dirname, '../fixtures/minimal.yaml');
const minimal = () => parseDefinitionYaml(readFileSync(fixture, 'utf8'), fixture);
const CUTOFF = instant('2027-03-15T13:00:00+08:00');
const OPENS = instant('2027-03-08T13:00:00+08:00');

const unit = (id: string, name: string): Unit => ({
  id,
  name,
  kind: 'community',
  leader: { name: '负责人' },
  liaison: { name: '联络员' },
  gridWorkers: [],
  reports: true,
});

const reportOf = (unitId: string, over: Partial<ReportRecord> = {}, found = 3, fixed = 2): ReportRecord => ({
  campaignId: 'minimal-2027',
  unitId,
  period: '2027-03-15',
  cutoff: iso(CUTOFF),
  version: 1,
  submittedAt: '2027-03-14T02:00:00.000Z',
  submittedBy: '联络员',
  onTime: true,
  lateBySeconds: 0,
  content: {
    progress: '排查',
    problems: '',
    nextSteps: '',
    counts: {
      sitesChecked: 10,
      hazardsFound: found,
      hazardsFixed: fixed,
      householdsVisited: 0,
      publicityEvents: 1,
    },
    photos: [],
    extra: {},
  },
  ...over,
});

const input = (over: Partial<BulletinInput> = {}): BulletinInput => ({
  def: minimal(),
  period: '2027-03-15',
  opensAt: OPENS,
  cutoff: CUTOFF,
  compiledAt: daysAfter(CUTOFF, 1, 'UTC'),
  phase: 'rectify',
  round: 0,
  units: [unit('a', '甲社区'), unit('b', '乙社区'), unit('c', '丙社区')],
  reports: [reportOf('a'), reportOf('b', { onTime: false, lateBySeconds: 5400 }, 4, 4)],
  earlier: [],
  previousPeriodReports: [],
  escalated: [],
  items: { open: 5, overdue: 2 },
  ...over,
});

describe('compileBulletin', () => {
  it('sorts units into on time, late (with how late) and missing, and totals the counts', () => {
    // Act
    const { record, rows } = compileBulletin(input());

    // Assess
    expect(record).toMatchObject({
      number: 1,
      expected: 3,
      onTime: [{ id: 'a', name: '甲社区' }],
      late: [{ id: 'b', name: '乙社区', lateBySeconds: 5400 }],
      missing: [{ id: 'c', name: '丙社区' }],
      totals: { sitesChecked: 20, hazardsFound: 7, hazardsFixed: 6, publicityEvents: 2 },
      items: { open: 5, overdue: 2 },
    });
    expect(record.previousTotals).toBeUndefined();
    expect(rows.map((r) => r.status)).toEqual(['onTime', 'late', 'missing']);
  });

  it('numbers it after the earlier bulletins, trends against the last, and names last period’s late reports', () => {
    // Prepare
    const first = compileBulletin(
      input({
        period: '2027-03-08',
        cutoff: OPENS,
        opensAt: daysAfter(OPENS, -7, 'UTC'),
        reports: [reportOf('a', { period: '2027-03-08' }, 10, 1)],
      }),
    ).record;
    const lateForFirst = reportOf('b', { period: '2027-03-08', onTime: false, lateBySeconds: 7200 });

    // Act
    const { record, series } = compileBulletin(
      input({
        earlier: [first],
        previousPeriodReports: [reportOf('a', { period: '2027-03-08' }), lateForFirst],
      }),
    );

    // Assess
    expect(record.number).toBe(2);
    expect(record.previousTotals).toEqual(first.totals);
    expect(record.previousLate).toEqual([{ id: 'b', name: '乙社区', lateBySeconds: 7200 }]);
    expect(series).toEqual([
      { period: '2027-03-08', found: 10, fixed: 1 },
      { period: '2027-03-15', found: 7, fixed: 6 },
    ]);
  });

  it("carries each unit's open and overdue ledger items into its row", () => {
    // Act
    const { rows } = compileBulletin(input({ ledger: new Map([['b', { open: 4, overdue: 1 }]]) }));

    // Assess
    expect(rows.map((r) => [r.unitId, r.hazardsOpen, r.hazardsOverdue])).toEqual([
      ['a', 0, 0],
      ['b', 4, 1],
      ['c', 0, 0],
    ]);
  });

  it('ignores its own earlier copy when recompiled (a retried tick)', () => {
    // Prepare
    const once = compileBulletin(input()).record;

    // Act
    const again = compileBulletin(input({ earlier: [once] })).record;

    // Assess
    expect(again).toEqual(once);
  });
});

describe('bulletin documents', () => {
  const render = (over: Partial<BulletinInput> = {}) => {
    const compiled = compileBulletin(input(over));
    const def = over.def ?? minimal();
    const view = presentBulletin(def, compiled.record, '2027-03-22T05:00:00.000Z');
    const svg = hazardChartSvg(compiled.series, { title: 't', found: 'f', fixed: 'x' });
    return {
      view,
      html: bulletinHtml(view, compiled.rows, def.reporting.fields, svg, def.language),
      markdown: bulletinMarkdown(view, 's3://bucket/minimal-2027/bulletins/2027-03-15.html'),
      csv: bulletinCsv(view, compiled.rows, def.reporting.fields),
      svg,
    };
  };

  it('cuts the annex of a mailed copy for a 1,000-unit campaign, pointing at the whole document', () => {
    // Prepare
    const units = Array.from({ length: 1000 }, (_, i) => unit(`u${i}`, `第${i + 1}网格`));
    const reports = units.slice(0, 900).map((u) => reportOf(u.id));
    const compiled = compileBulletin(input({ units, reports }));
    const def = minimal();
    const view = presentBulletin(def, compiled.record, '2027-03-22T05:00:00.000Z');
    const address = 's3://bucket/minimal-2027/bulletins/2027-03-15.html';

    // Act
    const whole = bulletinHtml(view, compiled.rows, def.reporting.fields, '<svg></svg>', 'zh-CN');
    const mailed = bulletinHtml(view, compiled.rows, def.reporting.fields, '<svg></svg>', 'zh-CN', {
      rows: MAIL_ANNEX_ROWS,
      address,
    });

    // Assess: the whole annex would not fit an outbox item (400 KB); the mailed copy does, with room
    expect(Buffer.byteLength(whole)).toBeGreaterThan(400 * 1024);
    expect(Buffer.byteLength(mailed)).toBeLessThan(150 * 1024);
    expect(mailed).toContain(`本邮件附表列出前100个单位（共1000个），完整附表见：${address}`);
    expect(mailed).toContain('第100网格');
    expect(mailed).not.toContain('第101网格');
    expect(mailed).toContain('本期应报送单位1000个');
  });

  it('reads as the office writes it, in Chinese by default', () => {
    // Act
    const { html, markdown } = render();

    // Assess
    expect(html).toContain('东风街道社区安全生产专项整治（测试）工作情况通报');
    expect(html).toContain('本期应报送单位3个，按时报送1个，迟报1个，未报1个，按时报送率33%。');
    expect(html).toContain('乙社区（迟报1小时30分钟）');
    expect(html).toContain('截至本期，未办结事项5项，其中逾期2项。');
    expect(html).toContain('并于2027年3月22日 13:00前按时向东风街道安委办报送下期工作进展');
    expect(markdown).toContain('- **未报单位**：丙社区');
    expect(markdown).toContain('[通报全文](s3://bucket/minimal-2027/bulletins/2027-03-15.html)');
    expect(markdown).not.toContain('|');
  });

  it('leaves out the late line when compiled at the cutoff, where nobody can be late yet', () => {
    // Act
    const { view, html } = render({ compiledAt: CUTOFF, reports: [reportOf('a')] });

    // Assess
    expect(view.late).toBeNull();
    expect(html).toContain('截至报送截止时间按时报送1个，未报2个');
    expect(html).not.toContain('<b>迟报单位');
  });

  it('speaks English when the campaign says so', () => {
    // Prepare
    const def = CampaignDefinition.parse({ ...minimal(), language: 'en' });

    // Act
    const { html, markdown } = render({ def });

    // Assess
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('3 units were due to report: 1 on time, 1 late, 1 missing (33% on time).');
    expect(markdown).toContain('乙社区 (1h 30m late)');
    expect(html).not.toMatch(/报送情况|未报单位/);
  });

  it('escapes what units write, so a name cannot inject markup', () => {
    // Act
    const { html, svg } = render({ units: [unit('a', '<script>alert(1)</script>'), unit('b', '乙&"丙"')] });

    // Assess
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('乙&amp;&quot;丙&quot;');
    expect(svg).not.toContain('<script>');
  });

  it('cuts long name lists in the robot Markdown and points to the annex', () => {
    // Prepare
    const units = Array.from({ length: 45 }, (_, i) => unit(`u${i}`, `第${i + 1}网格`));

    // Act
    const { markdown } = render({ units, reports: [] });

    // Assess
    expect(markdown).toContain('第20网格等（另有25个单位见附表）');
    expect(markdown).not.toContain('第21网格');
    expect(Buffer.byteLength(markdown)).toBeLessThan(4096);
  });

  it('writes the annex as CSV with a byte-order mark, CRLF rows, and formulas kept as text', () => {
    // Prepare
    const def = CampaignDefinition.parse({
      ...minimal(),
      reporting: { ...minimal().reporting, fields: [{ key: 'remark', label: '备注', type: 'text' }] },
    });
    const a = reportOf('a');
    a.content.extra = { remark: '=HYPERLINK("http://x")' };

    // Act
    const { csv } = render({ def, reports: [a] });

    // Assess
    const lines = csv.split('\r\n');
    expect(csv.startsWith('\uFEFFunitId,单位,报送情况,报送时间,迟报时长,版本,检查点位（处）')).toBe(true);
    expect(lines[0]?.endsWith(',备注')).toBe(true);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(lines[3]).toMatch(/^c,丙社区,未报,,,,/);
  });

  it('quotes a CSV field with a comma, a double quote or a CRLF, as csv-stringify did', () => {
    // Prepare
    const def = CampaignDefinition.parse({
      ...minimal(),
      reporting: {
        ...minimal().reporting,
        fields: ['a', 'b', 'c', 'd', 'e'].map((key) => ({ key, label: key, type: 'text' })),
      },
    });
    const a = reportOf('a');
    a.content.extra = { a: '甲,乙', b: '说"好"', c: '一\r\n二', d: '一\n二', e: 'plain' };

    // Act
    const { csv } = render({ def, reports: [a] });

    // Assess
    expect(csv).toContain(',"甲,乙","说""好""","一\r\n二",一\n二,plain\r\n');
    expect(csv.endsWith('\r\n')).toBe(true);
  });
});

describe('hazardChartSvg', () => {
  it('draws a bar per series and period with round ticks', () => {
    // Act
    const svg = hazardChartSvg(
      [
        { period: '2027-03-08', found: 37, fixed: 20 },
        { period: '2027-03-15', found: 12, fixed: 30 },
      ],
      { title: '各期发现隐患与整改隐患', found: '发现隐患', fixed: '整改隐患' },
    );

    // Assess
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect x=/g)).toHaveLength(4 + 2);
    for (const tick of ['0', '10', '20', '30', '40', '50']) expect(svg).toContain(`>${tick}</text>`);
    expect(svg).toContain('>03-15</text>');
  });

  it('draws an empty chart without dividing by zero', () => {
    // Act
    const svg = hazardChartSvg([], { title: 't', found: 'f', fixed: 'x' });

    // Assess
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});
