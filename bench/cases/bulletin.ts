import { subHours } from 'date-fns';
import { createTableFromTemplate, documentClient, localCalls } from '../../bin/local/dynamodb-local.ts';
import { synthesize } from '../../bin/local/synthesized.ts';
import { FileBulletinArchive } from '../../functions/shared/adapters/bulletin-archive.ts';
import { DynamoCampaignStore } from '../../functions/shared/adapters/dynamo-store.ts';
import { keys } from '../../functions/shared/adapters/table-design.ts';
import type { ReportRecord } from '../../functions/shared/domain/records.ts';
import {
  cutoffsFrom,
  daysAfter,
  definedWindow,
  type Instant,
  instant,
  iso,
  localDate,
} from '../../functions/shared/domain/schedule.ts';
import { launchCampaign } from '../../functions/shared/use-cases/launch-campaign.ts';
import { publishBulletin } from '../../functions/shared/use-cases/publish-bulletin.ts';
import { benchCampaign } from '../campaigns.ts';
import { fillTable } from '../fill-table.ts';
import { type BenchCase, median } from '../harness.ts';
import { meterReads } from '../read-meter.ts';

/**
 * Compiling one period's bulletin for 1,000 units (issue 3: under 2 s, reads by Query only), on
 * DynamoDB Local: wall time as the median of several compiles, and the read capacity it consumes
 * (ReturnConsumedCapacity) against the floor, one Query of the period's reports. The documents go
 * to a scratch folder, as they go to out/ in the local run.
 */

const COMPILES = 5;

const bulletinCase: BenchCase = {
  section: 'dynamodb',
  name: 'bulletin',
  async run(ctx) {
    const units = ctx.quick ? 20 : 1000;
    const db = await ctx.dynamodb();
    const tableName = `bench-bulletin-${units}`;
    await createTableFromTemplate(db.client, tableName, synthesize().tableProperties);
    const { meter, calls } = meterReads(localCalls(db));
    const store = new DynamoCampaignStore(calls, tableName);
    const def = await benchCampaign({
      id: `bench-bulletin-${units}`,
      units,
      weeks: { mobilize: 1, rectify: 8, inspect: 2 },
    });
    const launchAt = daysAfter(instant(`${def.phases.mobilize.start}T09:00:00+08:00`), -3, def.timeZone);
    await launchCampaign(store, { start: async () => true, stop: async () => {} }, def, launchAt, {
      actor: 'bench',
    });

    // The period: the first cutoff in rectification; every unit reports, one in seven late.
    const reporting = def.organisation.units.filter((u) => u.reports);
    const cutoff = cutoffsFrom(
      def.reporting,
      def.timeZone,
      daysAfter(definedWindow(def, 'rectify').start, 1, def.timeZone),
    ).next().value as Instant;
    const period = localDate(cutoff, def.timeZone);
    const cutoffIso = iso(cutoff);
    const reports: ReportRecord[] = reporting.map((u, i) => ({
      campaignId: def.id,
      unitId: u.id,
      period,
      cutoff: cutoffIso,
      version: 1,
      submittedAt: iso(subHours(cutoff, 5)),
      submittedBy: u.liaison.name,
      firstSubmittedAt: iso(subHours(cutoff, 5)),
      onTime: i % 7 !== 0,
      lateBySeconds: i % 7 === 0 ? 3600 : 0,
      content: {
        progress: `${u.name}本周开展排查整治，完成入户走访和宣传，督促商户落实主体责任。`,
        problems: i % 3 === 0 ? '部分商户整改进度偏慢。' : '',
        nextSteps: '继续排查，督促整改到位。',
        counts: {
          sitesChecked: 10 + (i % 30),
          hazardsFound: 3,
          hazardsFixed: 2,
          householdsVisited: 40,
          publicityEvents: 1,
        },
        photos: [],
        extra: { gasCylinders: 12 },
      },
    }));
    // Written in batches (setup, not measured); the items are what submitReport writes.
    const items = reports.map((r) => ({
      pk: keys.campaign(def.id),
      sk: keys.report(period, r.unitId),
      ...r,
    }));
    await fillTable(documentClient(db.client), tableName, items);

    const archive = new FileBulletinArchive(`${ctx.workDir}/bulletin-${units}`);
    const compile = () =>
      publishBulletin(store, archive, {
        def,
        period,
        at: cutoff,
        phase: 'rectify',
        round: 0,
        units: def.organisation.units,
        accountable: def.organisation.units,
      });
    await compile(); // warm-up: module and connection set-up are not the bulletin's cost
    const times: number[] = [];
    const readsBefore = meter.total;
    for (let i = 0; i < COMPILES; i++) {
      const started = performance.now();
      await compile();
      times.push(performance.now() - started);
    }
    const compileRead = (meter.total - readsBefore) / COMPILES;
    const floorBefore = meter.total;
    const floorStarted = performance.now();
    const read = await store.listReports(def.id, period);
    const floorMs = performance.now() - floorStarted;
    const floorRead = meter.total - floorBefore;
    if (read.length !== reports.length)
      throw new Error(`read ${read.length} reports, wrote ${reports.length}`);
    if (meter.scans > 0) throw new Error('compiling the bulletin scanned the table');

    return {
      figures: [
        {
          name: `compile the bulletin, ${units} units: wall time (median of ${COMPILES})`,
          value: median(times),
          unit: 'ms',
          baseline: { name: "one Query of the period's reports", value: floorMs },
          target: { max: 2000, of: 'value' },
        },
        {
          name: `compile the bulletin, ${units} units: read capacity`,
          value: compileRead,
          unit: 'count',
          baseline: { name: "one Query of the period's reports", value: floorRead },
        },
      ],
      json: {
        bulletin: {
          units,
          compileMs: times,
          medianMs: median(times),
          readCapacity: compileRead,
          floorReadCapacity: floorRead,
          scans: meter.scans,
        },
      },
    };
  },
};

export default bulletinCase;
