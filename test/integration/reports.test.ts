import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DynamoCampaignStore } from '../../functions/shared/adapters/dynamo-store.ts';
import { parseDefinitionYaml } from '../../functions/shared/domain/load-definition.ts';
import { instant } from '../../functions/shared/domain/schedule.ts';
import { reportHazard } from '../../functions/shared/use-cases/hazards.ts';
import { launchCampaign } from '../../functions/shared/use-cases/launch-campaign.ts';
import { publishBulletin } from '../../functions/shared/use-cases/publish-bulletin.ts';
import { submitReport } from '../../functions/shared/use-cases/submit-report.ts';
import { freshStore } from '../support/local-db.ts';
import { MemoryBulletinArchive, RecordingEngine } from '../support/memory-store.ts';

/**
 * Weekly reports on DynamoDB Local: concurrent submissions for one unit and period race through
 * the conditional transaction for real, and the bulletin is compiled from what the table holds.
 */

const fixture = join(import.meta.dirname, '../fixtures/minimal.yaml');
const def = parseDefinitionYaml(readFileSync(fixture, 'utf8'), fixture);
const CAMPAIGN = def.id;

describe('weekly reports on DynamoDB Local', () => {
  let store: DynamoCampaignStore;

  beforeAll(async () => {
    store = (await freshStore()).store;
    await launchCampaign(store, new RecordingEngine(), def, instant('2027-02-20T09:00:00+08:00'), {
      actor: 'office-admin',
    });
  });

  it('leaves exactly one current version and a complete history after 12 simultaneous submissions', async () => {
    // Prepare
    const submissions = Array.from({ length: 12 }, (_, i) => ({
      campaignId: CAMPAIGN,
      unitId: 'police-station',
      period: '2027-03-08',
      content: { progress: `第${i + 1}稿`, counts: { sitesChecked: i + 1 } },
      actor: `writer-${i + 1}`,
    }));

    // Act
    const saved = await Promise.all(
      submissions.map((s) => submitReport(store, s, instant('2027-03-05T10:00:00+08:00'))),
    );

    // Assess
    expect(saved.map((r) => r.version).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    const current = await store.listReports(CAMPAIGN, '2027-03-08');
    expect(current).toHaveLength(1);
    expect(current[0]?.version).toBe(12);
    const history = await store.listReportVersions(CAMPAIGN, '2027-03-08', 'police-station');
    expect(history.map((v) => v.version)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    // Every writer's text is kept exactly once, and the current one is the last version's.
    expect(new Set(history.map((v) => v.submittedBy)).size).toBe(12);
    expect(current[0]?.content.progress).toBe(history.at(-1)?.content.progress);
  });

  it('refuses a bad report without writing anything to the table', async () => {
    // Act
    const act = submitReport(
      store,
      {
        campaignId: CAMPAIGN,
        unitId: 'dongfeng-community',
        period: '2027-03-08',
        content: { progress: '已排查', counts: { hazardsFound: 1, hazardsFixed: 2 } },
      },
      instant('2027-03-05T10:00:00+08:00'),
    );

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'ValidationError',
      issues: [{ path: 'content.counts.hazardsFixed' }],
    });
    expect(await store.getReport(CAMPAIGN, '2027-03-08', 'dongfeng-community')).toBeNull();
    expect(await store.listReportVersions(CAMPAIGN, '2027-03-08', 'dongfeng-community')).toEqual([]);
  });

  it('compiles and stores the bulletin from the table, and reads it back', async () => {
    // Prepare
    const archive = new MemoryBulletinArchive();
    await submitReport(
      store,
      {
        campaignId: CAMPAIGN,
        unitId: 'dongfeng-community',
        period: '2027-03-08',
        content: { progress: '补报' },
      },
      instant('2027-03-08T14:00:00+08:00'),
    );

    await reportHazard(
      store,
      {
        campaignId: CAMPAIGN,
        actor: '陈刚',
        report: {
          unitId: 'dongfeng-grid-1',
          location: '幸福路12号便利店',
          category: '消防通道',
          description: '安全出口堆放杂物',
          urgency: 'yellow',
          reportedBy: '陈刚',
        },
      },
      instant('2027-03-06T10:00:00+08:00'),
    );

    // Act
    const published = await publishBulletin(store, archive, {
      def,
      period: '2027-03-08',
      at: instant('2027-03-09T09:00:00+08:00'),
      phase: 'rectify',
      round: 0,
      units: def.organisation.units,
      accountable: def.organisation.units,
    });

    // Assess
    expect(published.record).toMatchObject({
      expected: 3,
      onTime: [{ id: 'police-station' }],
      late: [{ id: 'dongfeng-community', lateBySeconds: 3600 }],
      missing: [{ id: 'dongfeng-grid-1' }],
    });
    // The totals count the police station's current version, whichever of the 12 won.
    const police = await store.getReport(CAMPAIGN, '2027-03-08', 'police-station');
    expect(published.record.totals.sitesChecked).toBe(police?.content.counts.sitesChecked);
    expect(await store.getBulletin(CAMPAIGN, '2027-03-08')).toEqual(published.record);
    expect(await store.listBulletins(CAMPAIGN)).toEqual([published.record]);
    const lines = published.csv.split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(4);
    // The grid's hazard is open in the ledger: counted in the items and in its annex row.
    expect(published.record.items.open).toBe(3 + 1);
    const header = lines[0]?.split(',') ?? [];
    const grid = lines.find((l) => l.startsWith('dongfeng-grid-1,'))?.split(',') ?? [];
    expect(grid[header.indexOf('未销号隐患')]).toBe('1');
  });
});
