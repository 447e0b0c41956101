import type * as z from 'zod/mini';
import { keys } from '../../functions/shared/adapters/table-design.ts';
import { type CampaignDefinition, Unit } from '../../functions/shared/domain/definition.ts';
import { ConflictError, NotFoundError } from '../../functions/shared/domain/errors.ts';
import { HazardEvent, HazardRecord, isOpen } from '../../functions/shared/domain/hazard.ts';
import type {
  ArchiveDocument,
  BulletinArchive,
  CampaignStore,
  ControlChange,
  DeferReason,
  NotificationOutcome,
  Notifier,
  WorkflowEngine,
} from '../../functions/shared/domain/ports.ts';
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
} from '../../functions/shared/domain/records.ts';
import type { CampaignState, CampaignStateInput } from '../../functions/shared/domain/state.ts';
import type { Delivery } from '../../functions/shared/notify/delivery.ts';

/**
 * Test doubles of the secondary ports. `MemoryCampaignStore` follows the DynamoDB adapter
 * (functions/shared/adapters/dynamo-store.ts) closely enough that a use case cannot tell them apart:
 * the same keys and sort orders, the same conditional writes, values copied in and out as
 * DynamoDB marshalling does (undefined attributes dropped), and every read parsed through the
 * record's zod schema.
 */

type Item = Record<string, unknown>;

/** What DynamoDB raises when a ConditionExpression fails; the adapter lets it through on updates. */
export class ConditionalCheckFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionalCheckFailedException';
  }
}

/** A marshalling round trip: a fresh copy with undefined attributes removed (removeUndefinedValues). */
const marshal = (value: object): Item => JSON.parse(JSON.stringify(value)) as Item;

const read = <S extends z.ZodMiniType>(schema: S, item: Item): z.infer<S> => schema.parse(marshal(item));

/** Items of one partition in sort-key order, as a Query returns them. */
const bySortKey = (items: Map<string, Item>, prefix: string): Item[] =>
  [...items.entries()]
    .filter(([sk]) => sk.startsWith(prefix))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, item]) => item);

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The sort key of the sparse deadline index (keys.dueSort, keys.dueSortHazard); tasks and hazards share it. */
const dueSort = (sk: string, item: Item): string | null => {
  if (typeof item.nextCheckAt !== 'string') return null;
  if (sk.startsWith('TASK#')) return item.status === 'open' ? `${item.nextCheckAt}#TASK#${item.id}` : null;
  if (sk.startsWith('HAZARD#'))
    return isOpen(item as Pick<HazardRecord, 'state'>) ? `${item.nextCheckAt}#HAZARD#${item.id}` : null;
  return null;
};

/** The sort key of the sparse outbox index (keys.outboxSort); present only while pending. */
const outboxSort = (n: Item): string => `${String(n.notBefore ?? n.createdAt)}#${String(n.id)}`;

export class MemoryCampaignStore implements CampaignStore {
  /** Items per campaign, keyed by the adapter's sort keys (META, UNIT#…, TASK#…, OUTBOX#…). */
  private readonly partitions = new Map<string, Map<string, Item>>();
  /** Outbox sort keys of pending notifications per campaign (the sparse outbox index). */
  private readonly outbox = new Map<string, Map<string, string>>();
  private auditSequence = 0;
  private revisions = 0;
  /** Every mutating call that changed or attempted to change the table; lets tests assert "nothing written". */
  writes = 0;

  /**
   * Every item of every campaign, in key order, as one string: two equal snapshots, the same table.
   * Reads may leave an empty partition behind (as a Query of an unknown key leaves nothing); it is not content.
   */
  snapshot(): string {
    return JSON.stringify(
      [...this.partitions.entries()]
        .filter(([, items]) => items.size > 0)
        .sort(([a], [b]) => compare(a, b))
        .map(([id, items]) => [id, [...items.entries()].sort(([a], [b]) => compare(a, b))]),
    );
  }

  /** A store with a copy of this one's items and counters: a fresh world from a seeded one, without seeding again. */
  clone(): MemoryCampaignStore {
    const copy = new MemoryCampaignStore();
    for (const [id, items] of this.partitions) copy.partitions.set(id, structuredClone(items));
    for (const [id, index] of this.outbox) copy.outbox.set(id, new Map(index));
    for (const [key, sent] of this.robotMinutes) copy.robotMinutes.set(key, sent);
    copy.auditSequence = this.auditSequence;
    copy.revisions = this.revisions;
    copy.writes = this.writes;
    return copy;
  }

  private partition(campaignId: string): Map<string, Item> {
    let items = this.partitions.get(campaignId);
    if (!items) {
      items = new Map();
      this.partitions.set(campaignId, items);
    }
    return items;
  }

  private pendingIndex(campaignId: string): Map<string, string> {
    let index = this.outbox.get(campaignId);
    if (!index) {
      index = new Map();
      this.outbox.set(campaignId, index);
    }
    return index;
  }

  private put(campaignId: string, sk: string, value: object): void {
    this.writes++;
    this.partition(campaignId).set(sk, marshal(value));
  }

  private list<S extends z.ZodMiniType>(campaignId: string, prefix: string, schema: S): z.infer<S>[] {
    return bySortKey(this.partition(campaignId), prefix).map((item) => read(schema, item));
  }

  async createCampaign(
    def: CampaignDefinition,
    record: CampaignRecord,
    tasks: TaskRecord[],
  ): Promise<boolean> {
    if (await this.getCampaign(def.id)) return false;
    for (const unit of def.organisation.units) this.put(def.id, `UNIT#${unit.id}`, unit);
    for (const task of tasks) await this.putTask(def.id, task);
    if (this.partition(def.id).has('META')) return false;
    this.put(def.id, keys.checkpoint, {
      generation: record.generation,
      status: record.status,
      rev: String(++this.revisions),
    });
    this.put(def.id, 'META', record);
    return true;
  }

  async listCampaigns(): Promise<CampaignRecord[]> {
    const records = await Promise.all([...this.partitions.keys()].map((id) => this.getCampaign(id)));
    return records
      .filter((r): r is CampaignRecord => r !== null)
      .sort((a, b) => (b.createdAt ?? b.launchedAt ?? '').localeCompare(a.createdAt ?? a.launchedAt ?? ''));
  }

  async getCheckpoint(campaignId: string): Promise<Checkpoint | null> {
    const item = this.partitions.get(campaignId)?.get(keys.checkpoint);
    return item ? read(Checkpoint, item) : null;
  }

  async saveCheckpoint(state: CampaignState): Promise<boolean> {
    const item = this.partitions.get(state.campaignId)?.get(keys.checkpoint);
    this.writes++;
    if (!item || item.generation !== state.generation || item.status !== 'running') return false;
    this.partition(state.campaignId).set(
      keys.checkpoint,
      marshal({ ...item, state, rev: String(++this.revisions) }),
    );
    return true;
  }

  async applyControl(campaignId: string, change: ControlChange): Promise<void> {
    this.writes++;
    const meta = this.partitions.get(campaignId)?.get('META');
    const checkpoint = this.partitions.get(campaignId)?.get(keys.checkpoint);
    if (
      !meta ||
      meta.generation !== change.expect.generation ||
      !change.expect.status.includes(meta.status as CampaignRecord['status']) ||
      checkpoint?.rev !== change.expect.rev
    ) {
      throw new ConflictError(
        `campaign "${campaignId}" changed meanwhile (its workflow moved on); try again`,
      );
    }
    const next: Item = {
      ...meta,
      ...Object.fromEntries(Object.entries(change.set).filter(([, v]) => v !== undefined)),
    };
    for (const field of change.remove ?? []) delete next[field];
    const items = this.partition(campaignId);
    items.set('META', marshal(next));
    items.set(keys.checkpoint, marshal({ ...change.checkpoint, rev: String(++this.revisions) }));
    items.set(
      `AUDIT#${change.audit.at}#${String(++this.auditSequence).padStart(8, '0')}`,
      marshal(change.audit),
    );
    if (change.phase) items.set(`PHASE#${change.phase.phase}#${change.phase.round}`, marshal(change.phase));
  }

  async getCampaign(campaignId: string): Promise<CampaignRecord | null> {
    const item = this.partitions.get(campaignId)?.get('META');
    return item ? read(CampaignRecord, item) : null;
  }

  async updateCampaign(campaignId: string, changes: Partial<CampaignRecord>): Promise<void> {
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return;
    const item = this.partitions.get(campaignId)?.get('META');
    this.writes++;
    if (!item) throw new ConditionalCheckFailed(`campaign "${campaignId}" does not exist`);
    this.partition(campaignId).set('META', marshal({ ...item, ...Object.fromEntries(entries) }));
  }

  async listUnits(campaignId: string): Promise<Unit[]> {
    return this.list(campaignId, 'UNIT#', Unit);
  }

  async getUnit(campaignId: string, unitId: string): Promise<Unit | null> {
    return (await this.listUnits(campaignId)).find((u) => u.id === unitId) ?? null;
  }

  async putUnit(campaignId: string, unit: Unit): Promise<void> {
    this.writes++;
    if (!this.partitions.get(campaignId)?.has(`UNIT#${unit.id}`)) {
      throw new NotFoundError(`unit "${unit.id}" is not a unit of campaign "${campaignId}"`);
    }
    this.partition(campaignId).set(`UNIT#${unit.id}`, marshal(unit));
  }

  async putPhase(campaignId: string, record: PhaseRecord): Promise<void> {
    this.put(campaignId, `PHASE#${record.phase}#${record.round}`, record);
  }

  async listPhases(campaignId: string): Promise<PhaseRecord[]> {
    return this.list(campaignId, 'PHASE#', PhaseRecord).sort((a, b) =>
      a.startedAt.localeCompare(b.startedAt),
    );
  }

  async saveReportVersion(record: ReportRecord): Promise<boolean> {
    this.writes++;
    const items = this.partition(record.campaignId);
    const current = items.get(keys.report(record.period, record.unitId));
    const expected = record.version === 1 ? undefined : record.version - 1;
    if ((current?.version as number | undefined) !== expected) return false;
    if (items.has(keys.reportVersion(record.period, record.unitId, record.version))) return false;
    items.set(keys.report(record.period, record.unitId), marshal(record));
    items.set(keys.reportVersion(record.period, record.unitId, record.version), marshal(record));
    return true;
  }

  async getReport(campaignId: string, period: string, unitId: string): Promise<ReportRecord | null> {
    const item = this.partitions.get(campaignId)?.get(keys.report(period, unitId));
    return item ? read(ReportRecord, item) : null;
  }

  async listReportVersions(campaignId: string, period: string, unitId: string): Promise<ReportRecord[]> {
    return this.list(campaignId, keys.reportVersions(period, unitId), ReportRecord);
  }

  async putBulletin(record: BulletinRecord): Promise<void> {
    this.put(record.campaignId, keys.bulletin(record.period), record);
  }

  async getBulletin(campaignId: string, period: string): Promise<BulletinRecord | null> {
    const item = this.partitions.get(campaignId)?.get(keys.bulletin(period));
    return item ? read(BulletinRecord, item) : null;
  }

  async listBulletins(campaignId: string): Promise<BulletinRecord[]> {
    return this.list(campaignId, 'BULLETIN#', BulletinRecord);
  }

  async listReports(campaignId: string, period?: string): Promise<ReportRecord[]> {
    return this.list(campaignId, period ? `REPORT#${period}#` : 'REPORT#', ReportRecord);
  }

  async putPeriodOutcome(campaignId: string, outcome: PeriodOutcome): Promise<void> {
    this.put(campaignId, `PERIOD#${outcome.period}`, outcome);
  }

  async listPeriodOutcomes(campaignId: string): Promise<PeriodOutcome[]> {
    return this.list(campaignId, 'PERIOD#', PeriodOutcome);
  }

  async getTask(campaignId: string, taskId: string): Promise<TaskRecord | null> {
    const item = this.partitions.get(campaignId)?.get(`TASK#${taskId}`);
    return item ? read(TaskRecord, item) : null;
  }

  async putTask(campaignId: string, task: TaskRecord): Promise<void> {
    this.put(campaignId, `TASK#${task.id}`, task);
  }

  async listTasks(campaignId: string): Promise<TaskRecord[]> {
    return this.list(campaignId, 'TASK#', TaskRecord);
  }

  /** The deadline index: open tasks and hazards with a next check, in (nextCheckAt, kind, id) order. */
  private dueIndex(campaignId: string): { key: string; sk: string; item: Item }[] {
    return [...this.partition(campaignId).entries()]
      .map(([sk, item]) => ({ key: dueSort(sk, item), sk, item }))
      .filter((e): e is { key: string; sk: string; item: Item } => e.key !== null)
      .sort((a, b) => compare(a.key, b.key));
  }

  /** Every index entry read; lets tests assert that the deadline check reads only what is due. */
  dueEntriesRead = 0;

  private dueUpTo(campaignId: string, upTo: string) {
    // As the adapter: dueSk <= `${upTo}~`, and '~' sorts after '#', so items due exactly at upTo are in.
    const entries = this.dueIndex(campaignId).filter((e) => e.key <= `${upTo}~`);
    this.dueEntriesRead += entries.length;
    return entries;
  }

  async itemsDue(campaignId: string, upTo: string): Promise<TaskRecord[]> {
    return this.dueUpTo(campaignId, upTo)
      .filter((e) => e.sk.startsWith('TASK#'))
      .map((e) => read(TaskRecord, e.item));
  }

  async dueItems(
    campaignId: string,
    upTo: string,
  ): Promise<{ tasks: TaskRecord[]; hazards: HazardRecord[] }> {
    const entries = this.dueUpTo(campaignId, upTo);
    return {
      tasks: entries.filter((e) => e.sk.startsWith('TASK#')).map((e) => read(TaskRecord, e.item)),
      hazards: entries.filter((e) => e.sk.startsWith('HAZARD#')).map((e) => read(HazardRecord, e.item)),
    };
  }

  async saveHazard(
    campaignId: string,
    hazard: HazardRecord,
    event: HazardEvent,
    audit: AuditEvent,
  ): Promise<void> {
    const items = this.partition(campaignId);
    const stored = items.get(`HAZARD#${hazard.id}`);
    const first = event.seq === 1;
    this.writes++;
    // All or nothing, as the adapter's TransactWriteItems: check every condition before writing any.
    if (first ? stored !== undefined : stored?.version !== event.seq - 1) {
      throw new ConflictError(
        first
          ? `hazard ${hazard.id} has already been reported`
          : `hazard ${hazard.id} was changed by someone else meanwhile; read it again and retry`,
      );
    }
    items.set(`HAZARD#${hazard.id}`, marshal(hazard));
    items.set(`HZEVENT#${hazard.id}#${String(event.seq).padStart(4, '0')}`, marshal(event));
    this.auditSequence++;
    items.set(`AUDIT#${audit.at}#${String(this.auditSequence).padStart(8, '0')}`, marshal(audit));
  }

  async markHazardChecked(
    campaignId: string,
    hazard: Pick<HazardRecord, 'id' | 'version' | 'sent' | 'nextCheckAt'>,
  ): Promise<boolean> {
    const items = this.partition(campaignId);
    const stored = items.get(`HAZARD#${hazard.id}`);
    this.writes++;
    if (stored?.version !== hazard.version) return false;
    items.set(
      `HAZARD#${hazard.id}`,
      marshal({ ...stored, sent: hazard.sent, nextCheckAt: hazard.nextCheckAt }),
    );
    return true;
  }

  async getHazard(campaignId: string, hazardId: string): Promise<HazardRecord | null> {
    const item = this.partitions.get(campaignId)?.get(`HAZARD#${hazardId}`);
    return item ? read(HazardRecord, item) : null;
  }

  async listHazards(campaignId: string): Promise<HazardRecord[]> {
    return this.list(campaignId, 'HAZARD#', HazardRecord);
  }

  async listHazardEvents(campaignId: string, hazardId: string): Promise<HazardEvent[]> {
    return this.list(campaignId, `HZEVENT#${hazardId}#`, HazardEvent);
  }

  async earliestItemDue(campaignId: string): Promise<string | null> {
    const first = this.dueIndex(campaignId)[0];
    return first ? (first.item.nextCheckAt as string) : null;
  }

  async putInspection(campaignId: string, record: InspectionRecord): Promise<void> {
    this.put(campaignId, `INSPECTION#${String(record.round).padStart(2, '0')}#${record.unitId}`, record);
  }

  async listInspections(campaignId: string, round: number): Promise<InspectionRecord[]> {
    return this.list(campaignId, `INSPECTION#${String(round).padStart(2, '0')}#`, InspectionRecord);
  }

  async enqueueNotifications(notifications: Notification[]): Promise<number> {
    let added = 0;
    for (const n of notifications) {
      const items = this.partition(n.campaignId);
      const sk = `OUTBOX#${n.id}`;
      this.writes++;
      if (items.has(sk)) continue;
      const item = marshal({ ...n, notBefore: n.notBefore ?? n.createdAt });
      items.set(sk, item);
      this.pendingIndex(n.campaignId).set(n.id, outboxSort(item));
      added++;
    }
    return added;
  }

  async pendingNotifications(campaignId: string, limit: number, upTo?: string): Promise<Notification[]> {
    const items = this.partition(campaignId);
    return [...this.pendingIndex(campaignId).entries()]
      .filter(([, sort]) => upTo === undefined || sort <= `${upTo}~`)
      .sort(([, a], [, b]) => compare(a, b))
      .slice(0, limit)
      .map(([id]) => read(Notification, items.get(`OUTBOX#${id}`) ?? {}));
  }

  async earliestPending(campaignId: string): Promise<string | null> {
    const first = [...this.pendingIndex(campaignId).values()].sort(compare)[0];
    return first ? (first.split('#')[0] as string) : null;
  }

  private updateOutbox(campaignId: string, id: string, change: (item: Item) => Item | null): boolean {
    const items = this.partition(campaignId);
    const sk = `OUTBOX#${id}`;
    const item = items.get(sk);
    this.writes++;
    if (!item) throw new ConditionalCheckFailed(`notification "${id}" does not exist`);
    const next = change(item);
    if (!next) return false;
    const stored = marshal(next);
    items.set(sk, stored);
    if (stored.status === 'pending') this.pendingIndex(campaignId).set(id, outboxSort(stored));
    else this.pendingIndex(campaignId).delete(id);
    return true;
  }

  async claimNotification(
    campaignId: string,
    id: string,
    now: string,
    until: string,
    by: DeferReason,
  ): Promise<boolean> {
    return this.updateOutbox(campaignId, id, (item) =>
      item.status === 'pending' && String(item.notBefore) <= now
        ? { ...item, notBefore: until, deferredBy: by }
        : null,
    );
  }

  async markNotification(campaignId: string, id: string, outcome: NotificationOutcome): Promise<void> {
    this.updateOutbox(campaignId, id, (item) => {
      const attempts = Number(item.attempts);
      if (outcome.status === 'sent') {
        const { notBefore: _n, deferredBy: _d, ...rest } = item;
        return {
          ...rest,
          status: 'sent',
          sentAt: outcome.at,
          deliveryId: outcome.deliveryId,
          attempts: attempts + 1,
        };
      }
      if (outcome.status === 'dead') {
        const { notBefore: _n, deferredBy: _d, ...rest } = item;
        return {
          ...rest,
          status: 'dead',
          deadAt: outcome.at,
          lastError: outcome.error,
          attempts: attempts + 1,
        };
      }
      return {
        ...item,
        notBefore: outcome.notBefore,
        deferredBy: outcome.by,
        attempts: attempts + (outcome.attempted ? 1 : 0),
        ...(outcome.error ? { lastError: outcome.error } : {}),
      };
    });
  }

  async listNotifications(campaignId: string, status?: NotificationStatus): Promise<Notification[]> {
    const all = this.list(campaignId, 'OUTBOX#', Notification);
    return status ? all.filter((n) => n.status === status) : all;
  }

  async retryDeadNotifications(campaignId: string, at: string, ids?: string[]): Promise<string[]> {
    const targets = ids ?? (await this.listNotifications(campaignId, 'dead')).map((n) => n.id);
    // As the adapter's conditional update: an id that is not in the outbox is skipped, not created.
    const known = targets.filter((id) => this.partition(campaignId).has(`OUTBOX#${id}`));
    return known.filter((id) =>
      this.updateOutbox(campaignId, id, (item) => {
        if (item.status !== 'dead') return null;
        const { deadAt: _d, deferredBy: _b, ...rest } = item;
        return { ...rest, status: 'pending', notBefore: at, attempts: 0, retriedAt: at };
      }),
    );
  }

  private readonly robotMinutes = new Map<string, number>();

  async takeRobotSlot(robotKey: string, minute: string, limit: number): Promise<boolean> {
    const key = `${robotKey}#${minute}`;
    const sent = this.robotMinutes.get(key) ?? 0;
    if (sent >= limit) return false;
    this.robotMinutes.set(key, sent + 1);
    return true;
  }

  async appendAudit(campaignId: string, event: AuditEvent): Promise<void> {
    // The adapter adds a random suffix; a sequence keeps same-instant events in the order they came.
    this.auditSequence++;
    this.put(campaignId, `AUDIT#${event.at}#${String(this.auditSequence).padStart(8, '0')}`, event);
  }

  async listAudit(campaignId: string): Promise<AuditEvent[]> {
    return this.list(campaignId, 'AUDIT#', AuditEvent);
  }

  async recentAudit(campaignId: string, limit: number): Promise<AuditEvent[]> {
    return (await this.listAudit(campaignId)).reverse().slice(0, limit);
  }
}

/** Documents kept in memory by name; `memory://` addresses stand for S3 or out/. */
export class MemoryBulletinArchive implements BulletinArchive {
  readonly documents = new Map<string, { contentType: string; body: string }>();

  clone(): MemoryBulletinArchive {
    const copy = new MemoryBulletinArchive();
    for (const [address, document] of this.documents) copy.documents.set(address, { ...document });
    return copy;
  }

  async put(document: ArchiveDocument): Promise<string> {
    const address = `memory://${document.campaignId}/${document.name}`;
    this.documents.set(address, { contentType: document.contentType, body: document.body });
    return address;
  }

  async get(campaignId: string, name: string): Promise<ArchiveDocument | null> {
    const document = this.documents.get(`memory://${campaignId}/${name}`);
    return document ? { campaignId, name, ...document } : null;
  }
}

/** A WorkflowEngine that records what it starts and stops and, like Step Functions, refuses a name it has seen. */
export class RecordingEngine implements WorkflowEngine {
  readonly starts: { name: string; input: CampaignStateInput }[] = [];
  readonly refused: string[] = [];
  readonly stops: { name: string; cause: string }[] = [];

  clone(): RecordingEngine {
    const copy = new RecordingEngine();
    copy.starts.push(...structuredClone(this.starts));
    copy.refused.push(...this.refused);
    copy.stops.push(...this.stops.map((s) => ({ ...s })));
    return copy;
  }

  async stop(executionName: string, cause: string): Promise<void> {
    this.stops.push({ name: executionName, cause });
  }

  async start(executionName: string, input: CampaignStateInput): Promise<boolean> {
    if (this.starts.some((s) => s.name === executionName)) {
      this.refused.push(executionName);
      return false;
    }
    this.starts.push({ name: executionName, input: structuredClone(input) });
    return true;
  }
}

/** A Notifier that records what it sends and fails, with an Error, for deliveries carrying the ids it is told to. */
export class RecordingNotifier implements Notifier {
  readonly sent: Delivery[] = [];
  private readonly failing: Set<string>;

  constructor(failFor: Iterable<string> = []) {
    this.failing = new Set(failFor);
  }

  failFor(...ids: string[]): void {
    for (const id of ids) this.failing.add(id);
  }

  /** The notification ids that went out, in order. */
  get sentIds(): string[] {
    return this.sent.flatMap((d) => d.notificationIds);
  }

  async send(delivery: Delivery): Promise<void> {
    const refused = delivery.notificationIds.find((id) => this.failing.has(id));
    if (refused) throw new Error(`channel refused ${refused}`);
    this.sent.push(structuredClone(delivery));
  }
}
