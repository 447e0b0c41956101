import * as z from 'zod/mini';
import { Person, Phase, Unit } from './definition.ts';
import { Counts, ReportContent } from './report-content.ts';
import { CampaignState, IsoInstant } from './state.ts';
import './zod-locale.ts';

/**
 * What the store keeps, as zod schemas: items are parsed on the way out of DynamoDB, so a
 * malformed item fails loudly at the boundary instead of deep in a use case.
 */

export const CampaignStatus = z.enum(['draft', 'running', 'paused', 'closed', 'failed']);
export type CampaignStatus = z.infer<typeof CampaignStatus>;

export const CampaignRecord = z.object({
  id: z.string(),
  title: z.string(),
  /** The definition without `organisation.units`: units are items of their own (400 KB item limit). */
  definition: z.record(z.string(), z.unknown()),
  status: CampaignStatus,
  generation: z.int().check(z.minimum(1)),
  executionName: z.string(),
  /** When it was created (as a draft, or by a launch from a definition). */
  createdAt: z.optional(IsoInstant),
  /** Absent while a draft. */
  launchedAt: z.optional(IsoInstant),
  /**
   * Set once the current generation's execution has been started: a launch or resume that stopped
   * before starting it is finished by its retry.
   */
  executionStartedAt: z.optional(IsoInstant),
  pausedAt: z.optional(IsoInstant),
  closedAt: z.optional(IsoInstant),
  phase: z.optional(Phase),
  round: z._default(z.int().check(z.minimum(0)), 0),
  /** Units sent back to rectification by the last acceptance gate. */
  reRectifyUnits: z._default(z.array(z.string()), []),
  unitCount: z.int().check(z.minimum(0)),
});
export type CampaignRecord = z.infer<typeof CampaignRecord>;

/**
 * Where the workflow stands, kept beside the campaign: the state the last step returned, with the
 * generation and status it is valid for. Steps write it only while their generation is current
 * and the campaign runs; the administrator's controls move it to a new generation, and the
 * execution they start resumes from it.
 */
export const Checkpoint = z.object({
  generation: z.int().check(z.minimum(1)),
  status: CampaignStatus,
  /** Absent while a draft. */
  state: z.optional(CampaignState),
  /** Changes with every write: a control conditions on the revision it read. */
  rev: z.string(),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

export const PhaseRecord = z.object({
  phase: Phase,
  round: z.int().check(z.minimum(0)),
  startedAt: IsoInstant,
  plannedEnd: z.nullable(IsoInstant),
  closedAt: z.optional(IsoInstant),
  summary: z.optional(z.record(z.string(), z.unknown())),
});
export type PhaseRecord = z.infer<typeof PhaseRecord>;

const Count = z.int().check(z.minimum(0));

export const ReportRecord = z.object({
  campaignId: z.string(),
  unitId: z.string(),
  period: z.string(),
  cutoff: IsoInstant,
  /** 1 for the first submission; each resubmission adds one and keeps the earlier versions. */
  version: z._default(z.int().check(z.minimum(1)), 1),
  /** When this version arrived. */
  submittedAt: IsoInstant,
  submittedBy: z._default(z.string(), ''),
  /** When the first version arrived: punctuality is the first submission's, a revision does not undo it. */
  firstSubmittedAt: z.optional(IsoInstant),
  onTime: z.boolean(),
  /** Seconds after the cutoff of the first submission; 0 when on time. */
  lateBySeconds: Count,
  content: ReportContent,
});
export type ReportRecord = z.infer<typeof ReportRecord>;

export const PeriodOutcome = z.object({
  period: z.string(),
  cutoff: IsoInstant,
  phase: Phase,
  round: Count,
  expected: z.array(z.string()),
  onTime: z.array(z.string()),
  missingAtCutoff: z.array(z.string()),
  /** Missing at this cutoff and without any report for the previous period: escalated. */
  escalated: z._default(z.array(z.string()), []),
});
export type PeriodOutcome = z.infer<typeof PeriodOutcome>;

export const TaskRecord = z.object({
  id: z.string(),
  title: z.string(),
  lead: z.string(),
  participants: z.array(z.string()),
  dueAt: IsoInstant,
  status: z.enum(['open', 'done']),
  doneAt: z.optional(IsoInstant),
  /** When the deadline check must next look at it; absent once nothing more is due (sparse index). */
  nextCheckAt: z.optional(IsoInstant),
  /** Steps already notified: dueSoon, overdue. */
  notified: z._default(z.array(z.string()), []),
});
export type TaskRecord = z.infer<typeof TaskRecord>;

export const InspectionRecord = z.object({
  unitId: z.string(),
  round: Count,
  score: z.number().check(z.minimum(0), z.maximum(100)),
  inspector: z.string(),
  at: IsoInstant,
  notes: z._default(z.string().check(z.maxLength(2000)), ''),
  /** Points per checklist item when the campaign has a checklist; `score` is their sum. */
  items: z.optional(z.record(z.string(), z.number().check(z.minimum(0)))),
});
export type InspectionRecord = z.infer<typeof InspectionRecord>;

const UnitRef = z.object({ id: z.string(), name: z.string() });
const LateUnit = z.extend(UnitRef, { lateBySeconds: Count });

/**
 * A compiled weekly bulletin (情况通报): the figures, kept on a small item; the per-unit table and
 * the documents themselves (HTML, Markdown, CSV, SVG) live in the archive (S3, or out/ locally).
 */
export const BulletinRecord = z.object({
  campaignId: z.string(),
  period: z.string(),
  /** 第N期: the bulletin's number in the campaign. */
  number: z.int().check(z.minimum(1)),
  opensAt: IsoInstant,
  cutoff: IsoInstant,
  compiledAt: IsoInstant,
  phase: Phase,
  round: Count,
  expected: Count,
  onTime: z.array(UnitRef),
  late: z.array(LateUnit),
  missing: z.array(UnitRef),
  /** Units missing this period and the one before: escalated to their leaders and the office. */
  escalated: z._default(z.array(UnitRef), []),
  /** Reports of the previous period that came in after its bulletin (上期补报). */
  previousLate: z._default(z.array(LateUnit), []),
  totals: Counts,
  /** Totals of the previous bulletin, for the week-over-week trend; absent for the first. */
  previousTotals: z.optional(Counts),
  items: z.object({ open: Count, overdue: Count }),
  /** Archive locations of the documents, by format. */
  files: z._default(z.record(z.string(), z.string()), {}),
});
export type BulletinRecord = z.infer<typeof BulletinRecord>;

export const NOTIFICATION_KINDS = [
  'phaseStart',
  'reportReminder',
  'reportOverdue',
  'reportEscalation',
  'weeklyBulletin',
  'taskDueSoon',
  'taskOverdue',
  'phaseSummary',
  'acceptanceResult',
  'inspectionCriticism',
  'monthlyCheck',
  'workflowFailure',
  'hazardNotice',
  'hazardDueSoon',
  'hazardOverdue',
  'hazardDeclined',
  'hazardSupervised',
  'praiseNotice',
  'criticismNotice',
] as const;
export const NotificationKind = z.enum(NOTIFICATION_KINDS);
export type NotificationKind = z.infer<typeof NotificationKind>;

export const Recipient = z.object({
  key: z.string(),
  role: z.enum(['leadingGroup', 'office', 'unitLeader', 'liaison', 'responsible']),
  unitId: z.optional(z.string()),
  person: Person,
});
export type Recipient = z.infer<typeof Recipient>;

export const CHANNELS = ['robot', 'sms', 'email', 'none'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

/**
 * pending: waiting to be sent (again, after a failed attempt, quiet hours or a robot's rate
 * limit: `notBefore` says when); sent; dead: given up after the retries, waiting for the office
 * to retry it (`zhili outbox retry`). Nothing leaves the outbox without one of these.
 */
export const NotificationStatus = z.enum(['pending', 'sent', 'dead']);
export type NotificationStatus = z.infer<typeof NotificationStatus>;

export const Notification = z.object({
  id: z.string(),
  campaignId: z.string(),
  kind: NotificationKind,
  recipient: Recipient,
  /** Where it goes: the recipient's first preferred channel they can be reached on. */
  channel: z._default(Channel, 'none'),
  /** The robot id, phone number or email address on that channel. */
  address: z.optional(z.string()),
  language: z._default(z.enum(['zh-CN', 'en']), 'zh-CN'),
  subject: z.string(),
  /** Plain text (SMS, mail). */
  body: z.string(),
  /** Markdown for robots; the text when absent. */
  markdown: z.optional(z.string()),
  /** HTML for mail when the message has its own (the bulletin); otherwise made from the text. */
  html: z.optional(z.string()),
  /** Urgent escalations may pass quiet hours. */
  urgent: z._default(z.boolean(), false),
  createdAt: IsoInstant,
  status: NotificationStatus,
  /** Not to be sent before this instant (retry backoff, quiet hours, rate limit). */
  notBefore: z.optional(IsoInstant),
  deferredBy: z.optional(z.enum(['retry', 'quietHours', 'rateLimit', 'inFlight'])),
  sentAt: z.optional(IsoInstant),
  deadAt: z.optional(IsoInstant),
  attempts: z._default(Count, 0),
  lastError: z.optional(z.string()),
  /** The message that carried it: one delivery may roll up several notifications. */
  deliveryId: z.optional(z.string()),
});
export type Notification = z.infer<typeof Notification>;

export const AuditEvent = z.object({
  at: IsoInstant,
  actor: z.string(),
  action: z.string(),
  detail: z._default(z.record(z.string(), z.unknown()), {}),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

export { ReportContent, Unit };
