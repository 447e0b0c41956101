import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { subHours } from 'date-fns';
import {
  createTableFromTemplate,
  type DynamoDbLocal,
  documentClient,
  localCalls,
} from '../bin/local/dynamodb-local.ts';
import { synthesize } from '../bin/local/synthesized.ts';
import { DynamoCampaignStore, hazardItem } from '../functions/shared/adapters/dynamo-store.ts';
import { withoutUnits } from '../functions/shared/domain/definition.ts';
import type { HazardRecord } from '../functions/shared/domain/hazard.ts';
import { parseDefinitionYaml } from '../functions/shared/domain/load-definition.ts';
import { daysAfter, instant, iso } from '../functions/shared/domain/schedule.ts';
import { CampaignState } from '../functions/shared/domain/state.ts';
import { checkDeadlines } from '../functions/shared/use-cases/check-deadlines.ts';
import { initialState } from '../functions/shared/use-cases/launch-campaign.ts';
import { fillTable } from './fill-table.ts';
import { meterReads } from './read-meter.ts';

/**
 * What the deadline check reads when 100 of 100,000 open ledger items are due: the read capacity
 * DynamoDB reports (ReturnConsumedCapacity) for the check as the code runs it — the campaign
 * GetItem, the due-index Query, the units Query, the next-due Query — against a Scan of the same
 * table that filters the same 100 items out. The table is the synthesized one (same keys and
 * sparse index) on DynamoDB Local, which computes consumed capacity as DynamoDB does (4 KB read
 * units, eventually consistent halves).
 */

export interface DeadlineReadsResult {
  items: number;
  due: number;
  /** Read capacity units consumed by the whole deadline check (every read it makes). */
  checkReadUnits: number;
  /** …of which the due-index Query. */
  indexQueryReadUnits: number;
  scanReadUnits: number;
  ratio: number;
  notificationsQueued: number;
}

const FIXTURE = join(import.meta.dirname, '..', 'test', 'fixtures', 'minimal.yaml');

export const measureDeadlineReads = async (
  db: DynamoDbLocal,
  options: { items: number; due: number; log?: (line: string) => void },
): Promise<DeadlineReadsResult> => {
  const log = options.log ?? (() => {});
  const tableName = `bench-due-${randomUUID().slice(0, 8)}`;
  await createTableFromTemplate(db.client, tableName, synthesize().tableProperties);
  const doc = documentClient(db.client);
  const { meter, calls } = meterReads(localCalls(db));
  const store = new DynamoCampaignStore(calls, tableName);
  const def = parseDefinitionYaml(await readFile(FIXTURE, 'utf8'), FIXTURE);
  const launchAt = instant('2027-02-20T09:00:00+08:00');
  await store.createCampaign(
    def,
    {
      id: def.id,
      title: def.title,
      definition: withoutUnits(def),
      status: 'running',
      generation: 1,
      executionName: `${def.id}-g1`,
      launchedAt: iso(launchAt),
      round: 0,
      reRectifyUnits: [],
      unitCount: def.organisation.units.length,
    },
    [],
  );

  // The check runs at T. Due items were ordered an hour before T with a deadline at T; the rest are
  // open with deadlines weeks later, so all 100,000 sit on the sparse index.
  const at = instant('2027-03-10T10:00:00+08:00');
  const units = def.organisation.units.map((u) => u.id);
  const item = (n: number): HazardRecord => {
    const due = n < options.due;
    const deadline = due ? at : daysAfter(at, 7 + (n % 30), def.timeZone);
    return {
      id: `hz-bench${String(n).padStart(6, '0')}`,
      unitId: units[n % units.length] as string,
      location: `幸福路${n}号`,
      category: '消防器材',
      description: '灭火器压力不足、已过检验期，需更换并建立月检记录',
      urgency: 'yellow',
      reportedBy: '陈刚',
      reportedAt: iso(daysAfter(at, -2, def.timeZone)),
      state: 'rectifying',
      lastAction: 'accept',
      responsibleUnit: units[n % units.length] as string,
      measures: '更换合格灭火器并建立月检记录',
      deadline: iso(deadline),
      deadlineSetAt: iso(daysAfter(at, -2, def.timeZone)),
      deadlineRound: 1,
      failedVerifications: 0,
      declines: 0,
      version: 3,
      updatedAt: iso(daysAfter(at, -2, def.timeZone)),
      // Notice and due-soon reminder already sent: next is rung 1 at the deadline.
      nextCheckAt: iso(deadline),
      sent: ['notice#1', 'dueSoon#1'],
    };
  };
  const started = Date.now();
  await fillTable(
    doc,
    tableName,
    Array.from({ length: options.items }, (_, n) => hazardItem(def.id, item(n))),
    { log },
  );
  log(`  table filled in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  // The due items found by scanning the table instead (before the check moves their next checks on).
  let scanReadUnits = 0;
  let scanned = 0;
  for await (const page of paginateScan(
    { client: doc, pageSize: 1000 },
    {
      TableName: tableName,
      FilterExpression: 'begins_with(sk, :hazard) AND nextCheckAt <= :at',
      ExpressionAttributeValues: { ':hazard': 'HAZARD#', ':at': iso(at) },
      ReturnConsumedCapacity: 'TOTAL',
    },
  )) {
    scanReadUnits += page.ConsumedCapacity?.CapacityUnits ?? 0;
    scanned += page.Count ?? 0;
  }
  // The deadline check as the workflow runs it, metered.
  const state = CampaignState.parse({
    ...initialState(def, launchAt),
    phase: 'rectify',
    phaseStatus: 'running',
    window: { start: '2027-02-28T16:00:00.000Z', end: '2027-03-21T16:00:00.000Z' },
    at: iso(subHours(at, 1)),
    lastMoment: 'deadlines',
    next: { at: iso(at), action: 'checkDeadlines', moment: 'deadlines' },
  });
  const before = { ...meter };
  const after = await checkDeadlines(store, state);
  const checkReadUnits = meter.total - before.total;
  const indexQueryReadUnits = meter.byIndex - before.byIndex;

  if (scanned !== options.due)
    throw new Error(`the scan found ${scanned} due items, expected ${options.due}`);
  const notificationsQueued = (await store.listNotifications(def.id)).length;
  if (after.pendingNotifications === 0 || notificationsQueued !== options.due) {
    throw new Error(`the check queued ${notificationsQueued} notices for ${options.due} due items`);
  }
  return {
    items: options.items,
    due: options.due,
    checkReadUnits,
    indexQueryReadUnits,
    scanReadUnits,
    ratio: scanReadUnits / checkReadUnits,
    notificationsQueued,
  };
};
