import { describe, expect, it } from 'vitest';
import { CampaignDefinition } from '../../functions/shared/domain/definition.ts';
import { ConflictError } from '../../functions/shared/domain/errors.ts';
import { zodIssues } from '../../functions/shared/domain/load-definition.ts';
import { reportContentSchema } from '../../functions/shared/domain/report-content.ts';
import { instant } from '../../functions/shared/domain/schedule.ts';
import type { CampaignState } from '../../functions/shared/domain/state.ts';
import { collectReports } from '../../functions/shared/use-cases/collect-reports.ts';
import { MAX_REPORT_VERSIONS, submitReport } from '../../functions/shared/use-cases/submit-report.ts';
import { campaignWalk } from '../support/campaign-walk.ts';
import type { MemoryCampaignStore } from '../support/memory-store.ts';

/**
 * Issue 3: report content, versioned submissions, what happens at each cutoff (reminders only to
 * who has not reported, overdue notices, escalation after two silent periods) and the bulletin.
 * The minimal fixture reports weekly, Monday 13:00 Asia/Shanghai; rectify runs 03-01 → 03-21.
 */

const { CAMPAIGN, archive, minimal, walk, launched, nextIs, newSince, unitsOf, validationErrorOf } =
  campaignWalk();

const FIELDS = [
  {
    key: 'gasBottles',
    label: '检查液化气瓶',
    type: 'number',
    required: true,
    integer: true,
    min: 0,
    unit: '个',
  },
  { key: 'riskLevel', label: '风险等级', type: 'choice', options: ['低', '中', '高'] },
  { key: 'nextVisit', label: '下次走访', type: 'date' },
  { key: 'remark', label: '备注', type: 'text', maxLength: 20 },
] as const;

const withFields = () =>
  CampaignDefinition.parse({ ...minimal(), reporting: { ...minimal().reporting, fields: FIELDS } });

const report = (over: Record<string, unknown> = {}) => ({ progress: '排查沿街商铺12家', ...over });

const submitAs = (
  store: MemoryCampaignStore,
  at: string,
  over: { unitId?: string; period?: string; content?: unknown; actor?: string } = {},
) =>
  submitReport(
    store,
    {
      campaignId: CAMPAIGN,
      unitId: over.unitId ?? 'police-station',
      period: over.period ?? '2027-03-08',
      content: over.content ?? report(),
      actor: over.actor,
    },
    instant(at),
  );

describe('report content', () => {
  it('fills the template defaults drawn from the seeds', () => {
    // Act
    const content = reportContentSchema([]).parse({ progress: '开展宣传' });

    // Assess
    expect(content).toEqual({
      progress: '开展宣传',
      problems: '',
      nextSteps: '',
      counts: { sitesChecked: 0, hazardsFound: 0, hazardsFixed: 0, householdsVisited: 0, publicityEvents: 0 },
      photos: [],
      extra: {},
    });
  });

  it("takes a campaign's own typed fields", () => {
    // Prepare
    const schema = reportContentSchema(withFields().reporting.fields);

    // Act
    const content = schema.parse(
      report({ extra: { gasBottles: 14, riskLevel: '中', nextVisit: '2027-03-12', remark: '已整改' } }),
    );

    // Assess
    expect(content.extra).toEqual({
      gasBottles: 14,
      riskLevel: '中',
      nextVisit: '2027-03-12',
      remark: '已整改',
    });
  });

  it.each([
    { name: 'a required field left out', over: { extra: {} }, path: 'extra.gasBottles' },
    { name: 'text for a number', over: { extra: { gasBottles: '十四' } }, path: 'extra.gasBottles' },
    { name: 'a fraction for a whole number', over: { extra: { gasBottles: 1.5 } }, path: 'extra.gasBottles' },
    { name: 'a number under its minimum', over: { extra: { gasBottles: -1 } }, path: 'extra.gasBottles' },
    {
      name: 'a choice not offered',
      over: { extra: { gasBottles: 1, riskLevel: '极高' } },
      path: 'extra.riskLevel',
    },
    {
      name: 'an impossible date',
      over: { extra: { gasBottles: 1, nextVisit: '2027-02-30' } },
      path: 'extra.nextVisit',
    },
    {
      name: 'text over its limit',
      over: { extra: { gasBottles: 1, remark: '长'.repeat(21) } },
      path: 'extra.remark',
    },
    { name: 'an unknown extra field', over: { extra: { gasBottles: 1, colour: 'red' } }, path: 'extra' },
    {
      name: 'a negative count',
      over: { extra: { gasBottles: 1 }, counts: { sitesChecked: -3 } },
      path: 'counts.sitesChecked',
    },
    {
      name: 'more hazards fixed than found',
      over: { extra: { gasBottles: 1 }, counts: { hazardsFound: 2, hazardsFixed: 3 } },
      path: 'counts.hazardsFixed',
    },
    {
      name: 'a photo that is not a reference',
      over: { extra: { gasBottles: 1 }, photos: ['C:\\a.jpg'] },
      path: 'photos[0]',
    },
    {
      name: 'progress over 10,000 characters',
      over: { extra: { gasBottles: 1 }, progress: '查'.repeat(10_001) },
      path: 'progress',
    },
    { name: 'an empty progress', over: { extra: { gasBottles: 1 }, progress: '   ' }, path: 'progress' },
  ])('refuses $name, naming $path', ({ over, path }) => {
    // Act
    const result = reportContentSchema(withFields().reporting.fields).safeParse(report(over));

    // Assess
    expect(result.success).toBe(false);
    if (!result.success) expect(zodIssues(result.error).map((i) => i.path)).toEqual([path]);
  });

  it('refuses a definition whose report fields repeat a key or have min above max', () => {
    // Act
    const result = CampaignDefinition.safeParse({
      ...minimal(),
      reporting: {
        ...minimal().reporting,
        fields: [
          { key: 'visits', label: '走访', type: 'number', min: 10, max: 1 },
          { key: 'visits', label: '走访2', type: 'text' },
        ],
      },
    });

    // Assess
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(zodIssues(result.error)).toEqual([
        { path: 'reporting.fields[0].max', message: 'max (1) is below min (10)' },
        { path: 'reporting.fields[1].key', message: 'duplicate report field "visits"' },
      ]);
    }
  });
});

describe('submitReport: versions and punctuality', () => {
  it('replaces the current version before the cutoff and keeps every earlier one', async () => {
    // Prepare
    const { store } = await launched();
    await submitAs(store, '2027-03-05T10:00:00+08:00', { content: report({ counts: { sitesChecked: 5 } }) });

    // Act
    const second = await submitAs(store, '2027-03-07T10:00:00+08:00', {
      content: report({ counts: { sitesChecked: 9 } }),
      actor: 'sun-wei',
    });

    // Assess
    expect(second).toMatchObject({
      version: 2,
      onTime: true,
      lateBySeconds: 0,
      submittedBy: 'sun-wei',
      submittedAt: '2027-03-07T02:00:00.000Z',
      firstSubmittedAt: '2027-03-05T02:00:00.000Z',
    });
    expect(await store.listReports(CAMPAIGN, '2027-03-08')).toEqual([second]);
    const history = await store.listReportVersions(CAMPAIGN, '2027-03-08', 'police-station');
    expect(history.map((v) => [v.version, v.content.counts.sitesChecked, v.submittedBy])).toEqual([
      [1, 5, '孙伟'],
      [2, 9, 'sun-wei'],
    ]);
  });

  it('keeps an on-time period on time when the unit revises it after the cutoff', async () => {
    // Prepare
    const { store } = await launched();
    await submitAs(store, '2027-03-08T12:59:59+08:00');

    // Act
    const revised = await submitAs(store, '2027-03-08T15:00:00+08:00');

    // Assess
    expect(revised).toMatchObject({ version: 2, onTime: true, lateBySeconds: 0 });
  });

  it('marks a first submission after the cutoff late by how late, and a revision does not change it', async () => {
    // Prepare
    const { store } = await launched();
    const late = await submitAs(store, '2027-03-09T15:30:00+08:00');

    // Act
    const revised = await submitAs(store, '2027-03-10T09:00:00+08:00');

    // Assess
    expect(late).toMatchObject({ version: 1, onTime: false, lateBySeconds: (26 * 60 + 30) * 60 });
    expect(revised).toMatchObject({ version: 2, onTime: false, lateBySeconds: late.lateBySeconds });
  });

  it(`refuses a version beyond ${MAX_REPORT_VERSIONS} with a ConflictError, keeping the last`, async () => {
    // Prepare
    const { store } = await launched();
    for (let i = 0; i < MAX_REPORT_VERSIONS; i++) await submitAs(store, '2027-03-05T10:00:00+08:00');

    // Act
    const act = submitAs(store, '2027-03-05T11:00:00+08:00');

    // Assess
    await expect(act).rejects.toBeInstanceOf(ConflictError);
    expect((await store.getReport(CAMPAIGN, '2027-03-08', 'police-station'))?.version).toBe(
      MAX_REPORT_VERSIONS,
    );
  });

  it('refuses a unit that reports through its parent (reports: false), naming unitId', async () => {
    // Prepare
    const def = minimal();
    const grid = def.organisation.units.find((u) => u.id === 'dongfeng-grid-1');
    if (grid) grid.reports = false;
    const { store } = await launched({ def });

    // Act
    const error = await validationErrorOf(() =>
      submitAs(store, '2027-03-05T10:00:00+08:00', { unitId: 'dongfeng-grid-1' }),
    );

    // Assess
    expect(error.issues.map((i) => i.path)).toEqual(['unitId']);
    expect(error.message).toContain('东风社区第一网格');
    expect(await store.listReports(CAMPAIGN)).toEqual([]);
  });

  it('refuses a period whose cutoff falls in a phase that does not report (mobilisation)', async () => {
    // Prepare
    const { store } = await launched();

    // Act: Monday 2027-02-22 13:00 is in mobilize (02-22 → 02-28); reports start with rectify.
    const error = await validationErrorOf(() =>
      submitAs(store, '2027-02-21T10:00:00+08:00', { period: '2027-02-22' }),
    );

    // Assess
    expect(error.issues).toEqual([{ path: 'period', message: 'not a reporting period of this campaign' }]);
    expect(error.message).toMatch(/rectify, inspect/);
    expect(await store.listReports(CAMPAIGN)).toEqual([]);
  });

  it('refuses content naming the field under content., and stores nothing', async () => {
    // Prepare
    const { store } = await launched({ def: withFields() });

    // Act
    const error = await validationErrorOf(() =>
      submitAs(store, '2027-03-05T10:00:00+08:00', { content: report({ extra: { riskLevel: '中' } }) }),
    );

    // Assess
    expect(error.issues.map((i) => i.path)).toEqual(['content.extra.gasBottles']);
    expect(error.message).toContain('content.extra.gasBottles');
    expect(await store.listReports(CAMPAIGN)).toEqual([]);
    expect(await store.listReportVersions(CAMPAIGN, '2027-03-08', 'police-station')).toEqual([]);
  });

  describe('a campaign in another time zone (America/New_York, Monday 13:00 local)', () => {
    const newYork = () => CampaignDefinition.parse({ ...minimal(), timeZone: 'America/New_York' });

    it('takes 12:59:59 local as on time and 13:00:01 local as 1 second late', async () => {
      // Prepare
      const { store } = await launched({ def: newYork() });

      // Act
      const onTime = await submitAs(store, '2027-03-08T12:59:59-05:00');
      const late = await submitAs(store, '2027-03-08T13:00:01-05:00', { unitId: 'dongfeng-community' });

      // Assess: the period key is the cutoff's local date; the cutoff is 18:00 UTC.
      expect(onTime).toMatchObject({ cutoff: '2027-03-08T18:00:00.000Z', onTime: true });
      expect(late).toMatchObject({ onTime: false, lateBySeconds: 1 });
    });

    it('opens the next period at the previous cutoff across the DST change (2027-03-14)', async () => {
      // Prepare
      const { store } = await launched({ def: newYork() });

      // Act: the 03-15 period opens at 03-08 13:00 EST; 03-15 13:00 is EDT (17:00 UTC).
      const error = await validationErrorOf(() =>
        submitAs(store, '2027-03-08T12:59:59-05:00', { period: '2027-03-15' }),
      );
      const first = await submitAs(store, '2027-03-08T13:00:00-05:00', { period: '2027-03-15' });

      // Assess
      expect(error.issues.map((i) => i.path)).toEqual(['period']);
      expect(first).toMatchObject({ cutoff: '2027-03-15T17:00:00.000Z', onTime: true });
    });
  });
});

describe('collectReports at the cutoff', () => {
  const toCutoff = async (period: string) => {
    const run = await launched();
    const { state } = await walk(run.store, run.state, nextIs('collectReports', 'cutoff', period));
    return { store: run.store, state };
  };

  it('sends no overdue notice to a unit that reported after the reminder', async () => {
    // Prepare
    const run = await launched();
    const { state: atReminder } = await walk(
      run.store,
      run.state,
      nextIs('collectReports', 'reminder', '2027-03-08'),
    );
    const { state: lastReminder } = await walk(
      run.store,
      await collectReports(run.store, archive, atReminder),
      (s) => s.next.moment === 'reminder',
    );
    const afterReminders = await collectReports(run.store, archive, lastReminder);
    await submitAs(run.store, '2027-03-08T12:30:00+08:00', { unitId: 'dongfeng-community' });
    const before = await run.store.listNotifications(CAMPAIGN);

    // Act
    await collectReports(run.store, archive, afterReminders);

    // Assess
    expect(afterReminders.next).toMatchObject({ moment: 'cutoff', period: '2027-03-08' });
    const sent = newSince(before, await run.store.listNotifications(CAMPAIGN));
    expect(unitsOf(sent.filter((n) => n.kind === 'reportOverdue'))).toEqual([
      'dongfeng-grid-1',
      'police-station',
    ]);
    const reminded = (await run.store.listNotifications(CAMPAIGN)).filter((n) => n.kind === 'reportReminder');
    expect(reminded.length).toBeGreaterThan(0);
  });

  it('escalates a unit silent two periods in a row to its leader and the office, once', async () => {
    // Prepare: nobody reported 03-01; for 03-08 the police station reports and the community
    // reports 03-01 late, so only the grid stays silent twice.
    const { store, state } = await toCutoff('2027-03-08');
    await submitAs(store, '2027-03-05T09:00:00+08:00', { unitId: 'police-station' });
    await submitAs(store, '2027-03-03T09:00:00+08:00', {
      unitId: 'dongfeng-community',
      period: '2027-03-01',
    });
    const before = await store.listNotifications(CAMPAIGN);

    // Act
    await collectReports(store, archive, state);
    const afterFirst = await store.listNotifications(CAMPAIGN);
    await collectReports(store, archive, state);

    // Assess
    const escalations = newSince(before, afterFirst).filter((n) => n.kind === 'reportEscalation');
    expect(escalations.map((n) => [n.recipient.role, n.recipient.unitId])).toEqual(
      expect.arrayContaining([
        ['unitLeader', 'dongfeng-grid-1'],
        ['office', undefined],
      ]),
    );
    expect(escalations).toHaveLength(2);
    expect(escalations.find((n) => n.recipient.role === 'office')?.body).toContain('东风社区第一网格');
    expect(await store.listNotifications(CAMPAIGN)).toEqual(afterFirst);
    const outcome = (await store.listPeriodOutcomes(CAMPAIGN)).find((o) => o.period === '2027-03-08');
    expect(outcome?.escalated).toEqual(['dongfeng-grid-1']);
  });

  it('compiles the bulletin in four documents and sends its Markdown to the leading group and office', async () => {
    // Prepare
    const { store, state } = await toCutoff('2027-03-08');
    await submitAs(store, '2027-03-05T09:00:00+08:00', {
      content: report({ counts: { sitesChecked: 12, hazardsFound: 3, hazardsFixed: 2 } }),
    });
    const before = await store.listNotifications(CAMPAIGN);

    // Act
    await collectReports(store, archive, state);

    // Assess
    const bulletin = await store.getBulletin(CAMPAIGN, '2027-03-08');
    expect(bulletin).toMatchObject({
      period: '2027-03-08',
      number: 2,
      expected: 3,
      onTime: [{ id: 'police-station', name: '东风派出所' }],
      late: [],
      missing: [
        { id: 'dongfeng-community', name: '东风社区居委会' },
        { id: 'dongfeng-grid-1', name: '东风社区第一网格' },
      ],
      totals: { sitesChecked: 12, hazardsFound: 3, hazardsFixed: 2 },
      previousTotals: { sitesChecked: 0 },
      items: { open: 3, overdue: 0 },
    });
    expect(Object.keys(bulletin?.files ?? {}).sort()).toEqual(['csv', 'html', 'markdown', 'svg']);
    for (const address of Object.values(bulletin?.files ?? {}))
      expect(archive.documents.has(address)).toBe(true);
    const sent = newSince(before, await store.listNotifications(CAMPAIGN)).filter(
      (n) => n.kind === 'weeklyBulletin',
    );
    expect(sent.map((n) => n.recipient.role).sort()).toEqual(['leadingGroup', 'office']);
    expect(sent[0]?.subject).toContain('第2期');
    // Robots get the bulletin's Markdown, mail its HTML; the text (SMS) carries the figures.
    expect(sent[0]?.markdown).toBe(archive.documents.get(bulletin?.files.markdown ?? '')?.body.trim());
    expect(sent[0]?.html).toBe(archive.documents.get(bulletin?.files.html ?? '')?.body);
    expect(sent[0]?.body).toContain('按时上报');
  });
});

describe('collectReports with a second stage (plan 6: units by Friday 12:00, bulletin Monday 17:00)', () => {
  const secondStage = () =>
    CampaignDefinition.parse({
      ...minimal(),
      reporting: {
        ...minimal().reporting,
        cutoff: { weekday: 'friday', time: '12:00' },
        secondStage: { weekday: 'monday', time: '17:00', to: '领导小组' },
      },
    });

  it('compiles the bulletin at the second stage, naming units that reported after the cutoff as late', async () => {
    // Prepare
    const run = await launched({ def: secondStage() });
    const { state: atCutoff } = await walk(
      run.store,
      run.state,
      nextIs('collectReports', 'cutoff', '2027-03-05'),
    );
    const afterCutoff = await collectReports(run.store, archive, atCutoff);
    const bulletinAtCutoff = await run.store.getBulletin(CAMPAIGN, '2027-03-05');
    await submitAs(run.store, '2027-03-06T12:00:00+08:00', { period: '2027-03-05' });
    const { state: atStage } = await walk(
      run.store,
      afterCutoff,
      (s: CampaignState) => s.next.moment === 'bulletin',
    );

    // Act
    await collectReports(run.store, archive, atStage);

    // Assess
    expect(bulletinAtCutoff).toBeNull();
    expect(atStage.next).toMatchObject({ at: '2027-03-08T09:00:00.000Z', period: '2027-03-05' });
    const bulletin = await run.store.getBulletin(CAMPAIGN, '2027-03-05');
    expect(bulletin?.late).toEqual([{ id: 'police-station', name: '东风派出所', lateBySeconds: 24 * 3600 }]);
    expect(bulletin?.missing.map((u) => u.id)).toEqual(['dongfeng-community', 'dongfeng-grid-1']);
  });
});
