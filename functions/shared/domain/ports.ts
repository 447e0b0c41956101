import type { Delivery } from '../notify/delivery.ts';
import type { CampaignDefinition, Phase, Unit } from './definition.ts';
import type { HazardEvent, HazardRecord } from './hazard.ts';
import type {
  AuditEvent,
  BulletinRecord,
  CampaignRecord,
  CampaignStatus,
  Checkpoint,
  InspectionRecord,
  Notification,
  NotificationStatus,
  PeriodOutcome,
  PhaseRecord,
  ReportRecord,
  TaskRecord,
} from './records.ts';
import type { CampaignState, CampaignStateInput } from './state.ts';

/** Secondary ports: the use cases call these; DynamoDB, SNS, Step Functions and the local runtime implement them. */

export interface CampaignStore {
  /**
   * Writes the campaign's units and tasks, then the campaign item last and only if absent: `false`
   * when it already exists (nothing changed). A crash before the last write leaves no campaign.
   */
  createCampaign(def: CampaignDefinition, record: CampaignRecord, tasks: TaskRecord[]): Promise<boolean>;
  getCampaign(campaignId: string): Promise<CampaignRecord | null>;
  /** Every campaign, newest first (from a registry partition: a Query, not a Scan). */
  listCampaigns(): Promise<CampaignRecord[]>;
  getCheckpoint(campaignId: string): Promise<Checkpoint | null>;
  /**
   * Records the state a step returned, only while its generation is current and the campaign
   * runs: `false` when a control (pause, advance, extend, close) moved the campaign on meanwhile,
   * and the step's execution must end.
   */
  saveCheckpoint(state: CampaignState): Promise<boolean>;
  /**
   * An administrator's control in one transaction: the campaign item (only if still at the
   * generation, status and checkpoint revision read), the new checkpoint, the audit entry, and
   * the phase record when one changes. ConflictError when the campaign moved on meanwhile.
   */
  applyControl(campaignId: string, change: ControlChange): Promise<void>;
  updateCampaign(
    campaignId: string,
    changes: Partial<
      Pick<
        CampaignRecord,
        | 'status'
        | 'closedAt'
        | 'phase'
        | 'round'
        | 'reRectifyUnits'
        | 'generation'
        | 'executionName'
        | 'executionStartedAt'
      >
    >,
  ): Promise<void>;
  listUnits(campaignId: string): Promise<Unit[]>;
  /** One unit by id (a GetItem: a report must not read all 1,000 units). */
  getUnit(campaignId: string, unitId: string): Promise<Unit | null>;
  /** Replaces a unit of an existing campaign (its members changed); the unit must exist. */
  putUnit(campaignId: string, unit: Unit): Promise<void>;

  putPhase(campaignId: string, record: PhaseRecord): Promise<void>;
  listPhases(campaignId: string): Promise<PhaseRecord[]>;

  /**
   * Writes one version of a unit's report in one transaction: the current item, only if it is still
   * at `record.version - 1` (absent for version 1), and the version into the history. `false` when
   * another submission got there first (nothing written): read again and retry.
   */
  saveReportVersion(record: ReportRecord): Promise<boolean>;
  getReport(campaignId: string, period: string, unitId: string): Promise<ReportRecord | null>;
  /** Current versions only, in unit order within a period. */
  listReports(campaignId: string, period?: string): Promise<ReportRecord[]>;
  /** Every version of one unit's report for a period, oldest first. */
  listReportVersions(campaignId: string, period: string, unitId: string): Promise<ReportRecord[]>;
  putBulletin(record: BulletinRecord): Promise<void>;
  getBulletin(campaignId: string, period: string): Promise<BulletinRecord | null>;
  /** Oldest first. */
  listBulletins(campaignId: string): Promise<BulletinRecord[]>;
  putPeriodOutcome(campaignId: string, outcome: PeriodOutcome): Promise<void>;
  listPeriodOutcomes(campaignId: string): Promise<PeriodOutcome[]>;

  getTask(campaignId: string, taskId: string): Promise<TaskRecord | null>;
  putTask(campaignId: string, task: TaskRecord): Promise<void>;
  listTasks(campaignId: string): Promise<TaskRecord[]>;
  /** Items whose next check is at or before `upTo`, from the sparse deadline index. */
  itemsDue(campaignId: string, upTo: string): Promise<TaskRecord[]>;
  /**
   * The earliest next check on the sparse deadline index, however long ago: an item already overdue
   * when the workflow looks (launched late, a long gap) must be handled at once, not skipped.
   */
  earliestItemDue(campaignId: string): Promise<string | null>;

  /** Tasks and hazards whose next check is at or before `upTo`: one Query of the sparse deadline index. */
  dueItems(campaignId: string, upTo: string): Promise<{ tasks: TaskRecord[]; hazards: HazardRecord[] }>;

  /**
   * Writes a hazard transition all or nothing: the item (new when `event.seq` is 1, otherwise only
   * if its stored version is still `event.seq - 1`), its trail entry and the campaign audit entry.
   * Throws ConflictError when the item exists already or changed meanwhile; nothing is written then.
   */
  saveHazard(campaignId: string, item: HazardRecord, event: HazardEvent, audit: AuditEvent): Promise<void>;
  /**
   * The deadline check's bookkeeping (notices sent, next check) without a transition; `false` when a
   * transition changed the item meanwhile (its next check then stands, and the outbox's ids keep any
   * notice from going out twice).
   */
  markHazardChecked(
    campaignId: string,
    hazard: Pick<HazardRecord, 'id' | 'version' | 'sent' | 'nextCheckAt'>,
  ): Promise<boolean>;
  getHazard(campaignId: string, hazardId: string): Promise<HazardRecord | null>;
  listHazards(campaignId: string): Promise<HazardRecord[]>;
  listHazardEvents(campaignId: string, hazardId: string): Promise<HazardEvent[]>;

  putInspection(campaignId: string, record: InspectionRecord): Promise<void>;
  listInspections(campaignId: string, round: number): Promise<InspectionRecord[]>;

  /** Enqueues into the outbox; an id already there is skipped. Returns how many were new. */
  enqueueNotifications(notifications: Notification[]): Promise<number>;
  /** Pending notifications due by `upTo` (notBefore ≤ upTo), oldest first, from the sparse outbox index. */
  pendingNotifications(campaignId: string, limit: number, upTo?: string): Promise<Notification[]>;
  /** The earliest `notBefore` of any pending notification, or null when none is pending. */
  earliestPending(campaignId: string): Promise<string | null>;
  /**
   * Takes a pending notification that is due at `now` for sending, or defers it, by moving its
   * `notBefore` to `until`; conditional, so two runs never both take it. `false` when it was not
   * pending and due any more.
   */
  claimNotification(
    campaignId: string,
    id: string,
    now: string,
    until: string,
    by: DeferReason,
  ): Promise<boolean>;
  markNotification(campaignId: string, id: string, outcome: NotificationOutcome): Promise<void>;
  listNotifications(campaignId: string, status?: NotificationStatus): Promise<Notification[]>;
  /** Dead letters back to pending at `at` with fresh attempts; all of them when `ids` is absent. Returns the ids. */
  retryDeadNotifications(campaignId: string, at: string, ids?: string[]): Promise<string[]>;
  /**
   * One message slot of a robot in the minute `minute` (YYYY-MM-DDTHH:MM), counted across
   * campaigns by the robot's secret name; `false` when the robot has had `limit` this minute.
   */
  takeRobotSlot(robotKey: string, minute: string, limit: number): Promise<boolean>;

  appendAudit(campaignId: string, event: AuditEvent): Promise<void>;
  listAudit(campaignId: string): Promise<AuditEvent[]>;
  /** The latest `limit` entries, newest first: one Query read backwards, whatever the trail's length. */
  recentAudit(campaignId: string, limit: number): Promise<AuditEvent[]>;
}

export interface ControlChange {
  expect: { generation: number; status: readonly CampaignStatus[]; rev: string };
  /** Fields of the campaign item to set. */
  set: Partial<CampaignRecord>;
  /** Fields of the campaign item to remove. */
  remove?: readonly ('executionStartedAt' | 'pausedAt')[];
  checkpoint: Omit<Checkpoint, 'rev'>;
  audit: AuditEvent;
  phase?: PhaseRecord;
}

/** One document of a campaign's archive, e.g. `bulletins/2027-06-14.html`. */
export interface ArchiveDocument {
  campaignId: string;
  /** A plain relative path under the campaign's prefix. */
  name: string;
  contentType: string;
  body: string;
}

/** Where compiled bulletins are kept as documents: S3 on AWS, a folder under out/ locally. */
export interface BulletinArchive {
  /** Stores one document and returns where it can be found (an s3:// or file address). */
  put(document: ArchiveDocument): Promise<string>;
  /** One document of a campaign by its name (`bulletins/<period>.html`); null when there is none. */
  get(campaignId: string, name: string): Promise<ArchiveDocument | null>;
}

export type DeferReason = NonNullable<Notification['deferredBy']>;

export type NotificationOutcome =
  | { status: 'sent'; at: string; deliveryId: string; channel?: Notification['channel'] }
  | { status: 'dead'; at: string; error: string }
  /** Back to waiting; `attempted` counts a failed attempt. */
  | { status: 'pending'; notBefore: string; by: DeferReason; attempted: boolean; error?: string };

/** Sends one message on its channel; throws DeliveryError (retryable or not) when it did not go through. */
export interface Notifier {
  send(delivery: Delivery): Promise<void>;
}

export interface WorkflowEngine {
  /** Starts the named execution; `false` when one with that name already exists (nothing started). */
  start(executionName: string, input: CampaignStateInput): Promise<boolean>;
  /** Stops the named execution if it still runs (an administrator's pause or close); no error when it does not. */
  stop(executionName: string, cause: string): Promise<void>;
}

export type { Phase };
