import { randomUUID } from 'node:crypto';
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod/mini';
import { type CampaignDefinition, Unit } from '../domain/definition.ts';
import { ConflictError, NotFoundError } from '../domain/errors.ts';
import { HazardEvent, HazardRecord, isOpen } from '../domain/hazard.ts';
import type { CampaignStore, ControlChange, DeferReason, NotificationOutcome } from '../domain/ports.ts';
import {
  AuditEvent,
  BulletinRecord,
  CampaignRecord,
  Checkpoint,
  InspectionRecord,
  Notification,
  type NotificationStatus,
  PeriodOutcome,
  PhaseRecord,
  ReportRecord,
  TaskRecord,
} from '../domain/records.ts';
import type { CampaignState } from '../domain/state.ts';
import type { DocumentCalls } from './dynamodb-calls.ts';
import { keys, TABLE } from './table-design.ts';

type Item = Record<string, unknown>;

const isConditionFailure = (error: unknown): boolean =>
  (error as Error).name === 'ConditionalCheckFailedException';

/** Strips the key attributes and validates the rest against the record's schema. */
const parseItem = <S extends z.ZodMiniType>(schema: S, item: Item): z.infer<S> => {
  const { pk, sk, duePk, dueSk, outboxPk, outboxSk, ...rest } = item;
  return schema.parse(rest);
};

/** A task as stored: on the sparse deadline index only while open with a next check. */
const taskItem = (campaignId: string, task: TaskRecord): Item => ({
  pk: keys.campaign(campaignId),
  sk: keys.task(task.id),
  ...task,
  ...(task.nextCheckAt && task.status === 'open'
    ? { duePk: keys.duePartition(campaignId), dueSk: keys.dueSort(task.nextCheckAt, task.id) }
    : {}),
});

/** A hazard as stored: on the sparse deadline index only while open with a next check. */
export const hazardItem = (campaignId: string, hazard: HazardRecord): Item => ({
  pk: keys.campaign(campaignId),
  sk: keys.hazard(hazard.id),
  ...hazard,
  ...(hazard.nextCheckAt && isOpen(hazard)
    ? { duePk: keys.duePartition(campaignId), dueSk: keys.dueSortHazard(hazard.nextCheckAt, hazard.id) }
    : {}),
});

/** DynamoDB's reasons, one per item of a cancelled transaction (dynamodb-calls.ts keeps them on the error). */
type CancelledTransaction = Error & { CancellationReasons?: { Code?: string }[] };

const isTransactionConflict = (error: unknown): boolean =>
  (error as Error).name === 'TransactionCanceledException' &&
  ((error as CancelledTransaction).CancellationReasons ?? []).some(
    // TransactionConflict: another transaction held one of the items; as good as changed meanwhile.
    (r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict',
  );

/**
 * The condition of a put that writes the version after `previous`: the first (previous 0) must not
 * exist yet, a later one must find `previous` stored; anything else was written meanwhile.
 */
const followsVersion = (previous: number) =>
  previous === 0
    ? { ConditionExpression: 'attribute_not_exists(pk)' }
    : {
        ConditionExpression: '#version = :previous',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':previous': previous },
      };

let auditWrites = 0;
/**
 * Entries of the same instant (a campaign created and launched at once) keep the order they were
 * written in: the write's own time and a counter of this process, then a random part against
 * another process writing in the same millisecond.
 */
const auditSuffix = (): string =>
  `${Date.now().toString(36).padStart(9, '0')}${(auditWrites++ % 1296).toString(36).padStart(2, '0')}${randomUUID().slice(0, 4)}`;

/** Conditional puts run this many at a time: enough to keep a 1,000-unit phase notice quick. */
const CONCURRENT_WRITES = 16;

/** The CampaignStore port on DynamoDB: every read is a GetItem or a Query, never a Scan. */
export class DynamoCampaignStore implements CampaignStore {
  constructor(
    private readonly db: DocumentCalls,
    private readonly tableName: string,
  ) {}

  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.db.query({ TableName: this.tableName, ...input, ExclusiveStartKey: start });
      items.push(...((page.Items as Item[] | undefined) ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private queryPrefix(campaignId: string, prefix: string): Promise<Item[]> {
    return this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.campaign(campaignId), ':prefix': prefix },
    });
  }

  /** Every item of a campaign under a sort-key prefix, validated against its record's schema. */
  private async listOf<S extends z.ZodMiniType>(
    schema: S,
    campaignId: string,
    prefix: string,
  ): Promise<z.infer<S>[]> {
    return (await this.queryPrefix(campaignId, prefix)).map((item) => parseItem(schema, item));
  }

  /** One item of a campaign by its sort key, validated; null when absent. */
  private async getOne<S extends z.ZodMiniType>(
    schema: S,
    campaignId: string,
    sk: string,
    consistent = false,
  ): Promise<z.infer<S> | null> {
    const out = await this.db.get({
      TableName: this.tableName,
      Key: { pk: keys.campaign(campaignId), sk },
      ...(consistent ? { ConsistentRead: true } : {}),
    });
    return out.Item ? parseItem(schema, out.Item) : null;
  }

  private put(campaignId: string, sk: string, value: Item, extra: Item = {}): Promise<unknown> {
    return this.db.put({
      TableName: this.tableName,
      Item: { pk: keys.campaign(campaignId), sk, ...value, ...extra },
    });
  }

  private async batchPut(items: Item[]): Promise<void> {
    for (let i = 0; i < items.length; i += 25) {
      let requests: { PutRequest: { Item: Item } }[] = items
        .slice(i, i + 25)
        .map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 8) throw new Error(`DynamoDB left ${requests.length} writes unprocessed after retries`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 2 ** attempt * 25));
        const out = await this.db.batchWrite({ RequestItems: { [this.tableName]: requests } });
        requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      }
    }
  }

  async createCampaign(
    def: CampaignDefinition,
    record: CampaignRecord,
    tasks: TaskRecord[],
  ): Promise<boolean> {
    if (await this.getCampaign(def.id)) return false;
    // Units and tasks first and idempotently, the campaign item last and conditionally: a crash in
    // between leaves no campaign, and the retry writes the same items again.
    await this.batchPut([
      ...def.organisation.units.map((unit) => ({
        pk: keys.campaign(def.id),
        sk: keys.unit(unit.id),
        ...unit,
      })),
      ...tasks.map((task) => taskItem(def.id, task)),
      { pk: keys.registry, sk: keys.campaign(def.id), id: def.id, createdAt: record.createdAt ?? null },
      {
        pk: keys.campaign(def.id),
        sk: keys.checkpoint,
        generation: record.generation,
        status: record.status,
        rev: randomUUID(),
      },
    ]);
    try {
      await this.db.put({
        TableName: this.tableName,
        Item: { pk: keys.campaign(def.id), sk: keys.meta, ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async getCampaign(campaignId: string): Promise<CampaignRecord | null> {
    return this.getOne(CampaignRecord, campaignId, keys.meta);
  }

  async listCampaigns(): Promise<CampaignRecord[]> {
    const entries = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.registry },
      ProjectionExpression: 'id',
    });
    // A registry entry whose campaign item is missing is a create that stopped half-way: not a campaign.
    const records = await Promise.all(entries.map((e) => this.getCampaign(String(e.id))));
    return records
      .filter((r): r is CampaignRecord => r !== null)
      .sort((a, b) => (b.createdAt ?? b.launchedAt ?? '').localeCompare(a.createdAt ?? a.launchedAt ?? ''));
  }

  async getCheckpoint(campaignId: string): Promise<Checkpoint | null> {
    return this.getOne(Checkpoint, campaignId, keys.checkpoint, true);
  }

  /**
   * A control's transaction on the checkpoint is waited for by the calls (dynamodb-calls.ts retries
   * TransactionConflictException); then the condition decides, so a step does not end its execution
   * for a control that was refused.
   */
  async saveCheckpoint(state: CampaignState): Promise<boolean> {
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: { pk: keys.campaign(state.campaignId), sk: keys.checkpoint },
        UpdateExpression: 'SET #state = :state, #rev = :rev',
        ConditionExpression: '#generation = :generation AND #status = :running',
        ExpressionAttributeNames: {
          '#state': 'state',
          '#rev': 'rev',
          '#generation': 'generation',
          '#status': 'status',
        },
        ExpressionAttributeValues: {
          ':state': state,
          ':rev': randomUUID(),
          ':generation': state.generation,
          ':running': 'running',
        },
      });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async applyControl(campaignId: string, change: ControlChange): Promise<void> {
    const pk = keys.campaign(campaignId);
    const set = Object.entries(change.set).filter(([, v]) => v !== undefined);
    const names: Record<string, string> = { '#generation': 'generation', '#status': 'status' };
    const values: Record<string, unknown> = { ':generation': change.expect.generation };
    set.forEach(([k, v], i) => {
      names[`#s${i}`] = k;
      values[`:s${i}`] = v;
    });
    const statuses = change.expect.status.map((status, i) => {
      values[`:status${i}`] = status;
      return `:status${i}`;
    });
    const remove = (change.remove ?? []).map((k, i) => {
      names[`#r${i}`] = k;
      return `#r${i}`;
    });
    const update = [
      set.length > 0 ? `SET ${set.map((_, i) => `#s${i} = :s${i}`).join(', ')}` : '',
      remove.length > 0 ? `REMOVE ${remove.join(', ')}` : '',
    ].join(' ');
    try {
      await this.db.transactWrite({
        TransactItems: [
          {
            Update: {
              TableName: this.tableName,
              Key: { pk, sk: keys.meta },
              UpdateExpression: update,
              ConditionExpression: `#generation = :generation AND #status IN (${statuses.join(', ')})`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { pk, sk: keys.checkpoint, ...change.checkpoint, rev: randomUUID() },
              ConditionExpression: '#rev = :rev',
              ExpressionAttributeNames: { '#rev': 'rev' },
              ExpressionAttributeValues: { ':rev': change.expect.rev },
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { pk, sk: keys.audit(change.audit.at, auditSuffix()), ...change.audit },
            },
          },
          ...(change.phase
            ? [
                {
                  Put: {
                    TableName: this.tableName,
                    Item: { pk, sk: keys.phase(change.phase.phase, change.phase.round), ...change.phase },
                  },
                },
              ]
            : []),
        ],
      });
    } catch (error) {
      if (isTransactionConflict(error)) {
        throw new ConflictError(
          `campaign "${campaignId}" changed meanwhile (its workflow moved on); try again`,
        );
      }
      throw error;
    }
  }

  async updateCampaign(campaignId: string, changes: Partial<CampaignRecord>): Promise<void> {
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return;
    await this.db.update({
      TableName: this.tableName,
      Key: { pk: keys.campaign(campaignId), sk: keys.meta },
      UpdateExpression: `SET ${entries.map((_, i) => `#k${i} = :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([k], i) => [`#k${i}`, k])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
      ConditionExpression: 'attribute_exists(pk)',
    });
  }

  async listUnits(campaignId: string): Promise<Unit[]> {
    return this.listOf(Unit, campaignId, 'UNIT#');
  }

  async getUnit(campaignId: string, unitId: string): Promise<Unit | null> {
    return this.getOne(Unit, campaignId, keys.unit(unitId));
  }

  async putUnit(campaignId: string, unit: Unit): Promise<void> {
    try {
      await this.db.put({
        TableName: this.tableName,
        Item: { pk: keys.campaign(campaignId), sk: keys.unit(unit.id), ...unit },
        ConditionExpression: 'attribute_exists(pk)',
      });
    } catch (error) {
      if (isConditionFailure(error))
        throw new NotFoundError(`unit "${unit.id}" is not a unit of campaign "${campaignId}"`);
      throw error;
    }
  }

  async putPhase(campaignId: string, record: PhaseRecord): Promise<void> {
    await this.put(campaignId, keys.phase(record.phase, record.round), record);
  }

  async listPhases(campaignId: string): Promise<PhaseRecord[]> {
    const phases = await this.listOf(PhaseRecord, campaignId, 'PHASE#');
    return phases.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  async saveReportVersion(record: ReportRecord): Promise<boolean> {
    const pk = keys.campaign(record.campaignId);
    try {
      await this.db.transactWrite({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: { pk, sk: keys.report(record.period, record.unitId), ...record },
              ...followsVersion(record.version - 1),
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { pk, sk: keys.reportVersion(record.period, record.unitId, record.version), ...record },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      });
      return true;
    } catch (error) {
      // A condition failed, or DynamoDB refused two transactions on the same item at once: either
      // way another submission moved the report on, and the caller reads it again.
      if ((error as Error).name === 'TransactionCanceledException') return false;
      throw error;
    }
  }

  async getReport(campaignId: string, period: string, unitId: string): Promise<ReportRecord | null> {
    return this.getOne(ReportRecord, campaignId, keys.report(period, unitId), true);
  }

  async listReportVersions(campaignId: string, period: string, unitId: string): Promise<ReportRecord[]> {
    return this.listOf(ReportRecord, campaignId, keys.reportVersions(period, unitId));
  }

  async putBulletin(record: BulletinRecord): Promise<void> {
    await this.put(record.campaignId, keys.bulletin(record.period), record);
  }

  async getBulletin(campaignId: string, period: string): Promise<BulletinRecord | null> {
    return this.getOne(BulletinRecord, campaignId, keys.bulletin(period));
  }

  async listBulletins(campaignId: string): Promise<BulletinRecord[]> {
    return this.listOf(BulletinRecord, campaignId, 'BULLETIN#');
  }

  async listReports(campaignId: string, period?: string): Promise<ReportRecord[]> {
    const prefix = period ? `REPORT#${period}#` : 'REPORT#';
    return this.listOf(ReportRecord, campaignId, prefix);
  }

  async putPeriodOutcome(campaignId: string, outcome: PeriodOutcome): Promise<void> {
    await this.put(campaignId, keys.period(outcome.period), outcome);
  }

  async listPeriodOutcomes(campaignId: string): Promise<PeriodOutcome[]> {
    return this.listOf(PeriodOutcome, campaignId, 'PERIOD#');
  }

  async getTask(campaignId: string, taskId: string): Promise<TaskRecord | null> {
    return this.getOne(TaskRecord, campaignId, keys.task(taskId));
  }

  async putTask(campaignId: string, task: TaskRecord): Promise<void> {
    await this.db.put({ TableName: this.tableName, Item: taskItem(campaignId, task) });
  }

  async listTasks(campaignId: string): Promise<TaskRecord[]> {
    return this.listOf(TaskRecord, campaignId, 'TASK#');
  }

  async itemsDue(campaignId: string, upTo: string): Promise<TaskRecord[]> {
    const items = await this.queryAll({
      IndexName: TABLE.dueIndex.name,
      KeyConditionExpression: 'duePk = :pk AND dueSk <= :upTo',
      // '~' sorts after '#', so every item due exactly at `upTo` is included.
      ExpressionAttributeValues: { ':pk': keys.duePartition(campaignId), ':upTo': `${upTo}~` },
    });
    // Hazards share the index: this one is the tasks' view of it.
    return items.filter((i) => String(i.sk).startsWith('TASK#')).map((item) => parseItem(TaskRecord, item));
  }

  async dueItems(
    campaignId: string,
    upTo: string,
  ): Promise<{ tasks: TaskRecord[]; hazards: HazardRecord[] }> {
    const items = await this.queryAll({
      IndexName: TABLE.dueIndex.name,
      KeyConditionExpression: 'duePk = :pk AND dueSk <= :upTo',
      ExpressionAttributeValues: { ':pk': keys.duePartition(campaignId), ':upTo': `${upTo}~` },
    });
    const isHazard = (item: Item) => String(item.sk).startsWith('HAZARD#');
    return {
      tasks: items.filter((i) => !isHazard(i)).map((item) => parseItem(TaskRecord, item)),
      hazards: items.filter(isHazard).map((item) => parseItem(HazardRecord, item)),
    };
  }

  async saveHazard(
    campaignId: string,
    hazard: HazardRecord,
    event: HazardEvent,
    audit: AuditEvent,
  ): Promise<void> {
    const pk = keys.campaign(campaignId);
    const first = event.seq === 1;
    try {
      await this.db.transactWrite({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: hazardItem(campaignId, hazard),
              ...followsVersion(event.seq - 1),
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { pk, sk: keys.hazardEvent(hazard.id, event.seq), ...event },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { pk, sk: keys.audit(audit.at, auditSuffix()), ...audit },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      });
    } catch (error) {
      if (!isTransactionConflict(error)) throw error;
      throw new ConflictError(
        first
          ? `hazard ${hazard.id} has already been reported`
          : `hazard ${hazard.id} was changed by someone else meanwhile; read it again and retry`,
      );
    }
  }

  async markHazardChecked(
    campaignId: string,
    hazard: Pick<HazardRecord, 'id' | 'version' | 'sent' | 'nextCheckAt'>,
  ): Promise<boolean> {
    const onIndex = hazard.nextCheckAt !== undefined;
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: { pk: keys.campaign(campaignId), sk: keys.hazard(hazard.id) },
        UpdateExpression: onIndex
          ? 'SET sent = :sent, nextCheckAt = :next, duePk = :duePk, dueSk = :dueSk'
          : 'SET sent = :sent REMOVE nextCheckAt, duePk, dueSk',
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: {
          ':sent': hazard.sent,
          ':version': hazard.version,
          ...(onIndex && hazard.nextCheckAt
            ? {
                ':next': hazard.nextCheckAt,
                ':duePk': keys.duePartition(campaignId),
                ':dueSk': keys.dueSortHazard(hazard.nextCheckAt, hazard.id),
              }
            : {}),
        },
      });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async getHazard(campaignId: string, hazardId: string): Promise<HazardRecord | null> {
    return this.getOne(HazardRecord, campaignId, keys.hazard(hazardId));
  }

  async listHazards(campaignId: string): Promise<HazardRecord[]> {
    return this.listOf(HazardRecord, campaignId, 'HAZARD#');
  }

  async listHazardEvents(campaignId: string, hazardId: string): Promise<HazardEvent[]> {
    return this.listOf(HazardEvent, campaignId, `HZEVENT#${hazardId}#`);
  }

  async earliestItemDue(campaignId: string): Promise<string | null> {
    const out = await this.db.query({
      TableName: this.tableName,
      IndexName: TABLE.dueIndex.name,
      KeyConditionExpression: 'duePk = :pk',
      ExpressionAttributeValues: { ':pk': keys.duePartition(campaignId) },
      ProjectionExpression: 'nextCheckAt',
      Limit: 1,
    });
    const first = out.Items?.[0];
    return typeof first?.nextCheckAt === 'string' ? first.nextCheckAt : null;
  }

  async putInspection(campaignId: string, record: InspectionRecord): Promise<void> {
    await this.put(campaignId, keys.inspection(record.round, record.unitId), record);
  }

  async listInspections(campaignId: string, round: number): Promise<InspectionRecord[]> {
    return this.listOf(InspectionRecord, campaignId, `INSPECTION#${String(round).padStart(2, '0')}#`);
  }

  async enqueueNotifications(notifications: Notification[]): Promise<number> {
    let added = 0;
    const enqueue = async (n: Notification): Promise<void> => {
      const notBefore = n.notBefore ?? n.createdAt;
      try {
        await this.db.put({
          TableName: this.tableName,
          Item: {
            pk: keys.campaign(n.campaignId),
            sk: keys.outbox(n.id),
            outboxPk: keys.outboxPartition(n.campaignId),
            outboxSk: keys.outboxSort(notBefore, n.id),
            ...n,
            notBefore,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        });
        added++;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    };
    for (let i = 0; i < notifications.length; i += CONCURRENT_WRITES) {
      await Promise.all(notifications.slice(i, i + CONCURRENT_WRITES).map(enqueue));
    }
    return added;
  }

  async pendingNotifications(campaignId: string, limit: number, upTo?: string): Promise<Notification[]> {
    const out = await this.db.query({
      TableName: this.tableName,
      IndexName: TABLE.outboxIndex.name,
      KeyConditionExpression: upTo ? 'outboxPk = :pk AND outboxSk <= :upTo' : 'outboxPk = :pk',
      ExpressionAttributeValues: {
        ':pk': keys.outboxPartition(campaignId),
        // '~' sorts after '#': everything not before `upTo` itself is included.
        ...(upTo ? { ':upTo': `${upTo}~` } : {}),
      },
      Limit: limit,
    });
    return ((out.Items as Item[] | undefined) ?? []).map((item) => parseItem(Notification, item));
  }

  async earliestPending(campaignId: string): Promise<string | null> {
    const out = await this.db.query({
      TableName: this.tableName,
      IndexName: TABLE.outboxIndex.name,
      KeyConditionExpression: 'outboxPk = :pk',
      ExpressionAttributeValues: { ':pk': keys.outboxPartition(campaignId) },
      ProjectionExpression: 'notBefore, createdAt',
      Limit: 1,
    });
    const first = out.Items?.[0];
    if (!first) return null;
    return String(first.notBefore ?? first.createdAt);
  }

  async claimNotification(
    campaignId: string,
    id: string,
    now: string,
    until: string,
    by: DeferReason,
  ): Promise<boolean> {
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: { pk: keys.campaign(campaignId), sk: keys.outbox(id) },
        UpdateExpression: 'SET notBefore = :until, deferredBy = :by, outboxSk = :sk',
        ConditionExpression: '#status = :pending AND notBefore <= :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':until': until,
          ':by': by,
          ':sk': keys.outboxSort(until, id),
          ':pending': 'pending',
          ':now': now,
        },
      });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async markNotification(campaignId: string, id: string, outcome: NotificationOutcome): Promise<void> {
    const names: Record<string, string> = { '#status': 'status' };
    let update: string;
    let values: Item;
    if (outcome.status === 'sent') {
      update =
        'SET #status = :status, sentAt = :at, deliveryId = :delivery, attempts = attempts + :one REMOVE outboxPk, outboxSk, notBefore, deferredBy';
      values = { ':status': 'sent', ':at': outcome.at, ':delivery': outcome.deliveryId, ':one': 1 };
    } else if (outcome.status === 'dead') {
      update =
        'SET #status = :status, deadAt = :at, lastError = :error, attempts = attempts + :one REMOVE outboxPk, outboxSk, notBefore, deferredBy';
      values = { ':status': 'dead', ':at': outcome.at, ':error': outcome.error, ':one': 1 };
    } else {
      update = `SET notBefore = :nb, deferredBy = :by, outboxSk = :sk, attempts = attempts + :inc${outcome.error ? ', lastError = :error' : ''}`;
      values = {
        ':nb': outcome.notBefore,
        ':by': outcome.by,
        ':sk': keys.outboxSort(outcome.notBefore, id),
        ':inc': outcome.attempted ? 1 : 0,
        ...(outcome.error ? { ':error': outcome.error } : {}),
      };
    }
    await this.db.update({
      TableName: this.tableName,
      Key: { pk: keys.campaign(campaignId), sk: keys.outbox(id) },
      UpdateExpression: update,
      ExpressionAttributeNames: outcome.status === 'pending' ? undefined : names,
      ExpressionAttributeValues: values,
      ConditionExpression: 'attribute_exists(pk)',
    });
  }

  async listNotifications(campaignId: string, status?: NotificationStatus): Promise<Notification[]> {
    const all = await this.listOf(Notification, campaignId, 'OUTBOX#');
    return status ? all.filter((n) => n.status === status) : all;
  }

  async retryDeadNotifications(campaignId: string, at: string, ids?: string[]): Promise<string[]> {
    const targets = ids ?? (await this.listNotifications(campaignId, 'dead')).map((n) => n.id);
    const retried: string[] = [];
    for (const id of targets) {
      try {
        await this.db.update({
          TableName: this.tableName,
          Key: { pk: keys.campaign(campaignId), sk: keys.outbox(id) },
          UpdateExpression:
            'SET #status = :pending, notBefore = :at, outboxPk = :opk, outboxSk = :osk, attempts = :zero, retriedAt = :at REMOVE deadAt, deferredBy',
          ConditionExpression: '#status = :dead',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':dead': 'dead',
            ':at': at,
            ':opk': keys.outboxPartition(campaignId),
            ':osk': keys.outboxSort(at, id),
            ':zero': 0,
          },
        });
        retried.push(id);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return retried;
  }

  async takeRobotSlot(robotKey: string, minute: string, limit: number): Promise<boolean> {
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: { pk: keys.robot(robotKey), sk: keys.robotMinute(minute) },
        UpdateExpression: 'ADD sent :one',
        ConditionExpression: 'attribute_not_exists(sent) OR sent < :limit',
        ExpressionAttributeValues: { ':one': 1, ':limit': limit },
      });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async appendAudit(campaignId: string, event: AuditEvent): Promise<void> {
    await this.db.put({
      TableName: this.tableName,
      Item: { pk: keys.campaign(campaignId), sk: keys.audit(event.at, auditSuffix()), ...event },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  }

  async listAudit(campaignId: string): Promise<AuditEvent[]> {
    return this.listOf(AuditEvent, campaignId, 'AUDIT#');
  }

  async recentAudit(campaignId: string, limit: number): Promise<AuditEvent[]> {
    const out = await this.db.query({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.campaign(campaignId), ':prefix': 'AUDIT#' },
      ScanIndexForward: false,
      Limit: limit,
    });
    return ((out.Items as Item[] | undefined) ?? []).map((item) => parseItem(AuditEvent, item));
  }
}
