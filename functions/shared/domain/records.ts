import * as z from 'zod';
import { Person, Phase, Unit } from './definition.ts';
import { Counts, ReportContent } from './report-content.ts';
import { IsoInstant } from './state.ts';

/**
 * What the store keeps, as zod schemas: items are parsed on the way out of DynamoDB, so a
 * malformed item fails loudly at the boundary instead of deep in a use case.
 */

export const CampaignStatus = z.enum(['running', 'closed', 'failed']);

export const CampaignRecord = z.object({
  id: z.string(),
  title: z.string(),
  /** The definition without `organisation.units`: units are items of their own (400 KB item limit). */
  definition: z.record(z.string(), z.unknown()),
  status: CampaignStatus,
  generation: z.int().min(1),
  executionName: z.string(),
  launchedAt: IsoInstant,
  /** Set once the first execution has been started: a launch that stopped before it is finished by the retry. */
  executionStartedAt: IsoInstant.optional(),
  closedAt: IsoInstant.optional(),
  phase: Phase.optional(),
  round: z.int().min(0).default(0),
  /** Units sent back to rectification by the last acceptance gate. */
  reRectifyUnits: z.array(z.string()).default([]),
  unitCount: z.int().min(0),
});
export type CampaignRecord = z.infer<typeof CampaignRecord>;

export const PhaseRecord = z.object({
  phase: Phase,
  round: z.int().min(0),
  startedAt: IsoInstant,
  plannedEnd: IsoInstant.nullable(),
  closedAt: IsoInstant.optional(),
  summary: z.record(z.string(), z.unknown()).optional(),
});
export type PhaseRecord = z.infer<typeof PhaseRecord>;

export const ReportRecord = z.object({
  campaignId: z.string(),
  unitId: z.string(),
  period: z.string(),
  cutoff: IsoInstant,
  /** 1 for the first submission; each resubmission adds one and keeps the earlier versions. */
  version: z.int().min(1).default(1),
  /** When this version arrived. */
  submittedAt: IsoInstant,
  submittedBy: z.string().default(''),
  /** When the first version arrived: punctuality is the first submission's, a revision does not undo it. */
  firstSubmittedAt: IsoInstant.optional(),
  onTime: z.boolean(),
  /** Seconds after the cutoff of the first submission; 0 when on time. */
  lateBySeconds: z.int().min(0),
  content: ReportContent,
});
export type ReportRecord = z.infer<typeof ReportRecord>;

export const PeriodOutcome = z.object({
  period: z.string(),
  cutoff: IsoInstant,
  phase: Phase,
  round: z.int().min(0),
  expected: z.array(z.string()),
  onTime: z.array(z.string()),
  missingAtCutoff: z.array(z.string()),
  /** Missing at this cutoff and without any report for the previous period: escalated. */
  escalated: z.array(z.string()).default([]),
});
export type PeriodOutcome = z.infer<typeof PeriodOutcome>;

export const TaskRecord = z.object({
  id: z.string(),
  title: z.string(),
  lead: z.string(),
  participants: z.array(z.string()),
  dueAt: IsoInstant,
  status: z.enum(['open', 'done']),
  doneAt: IsoInstant.optional(),
  /** When the deadline check must next look at it; absent once nothing more is due (sparse index). */
  nextCheckAt: IsoInstant.optional(),
  /** Steps already notified: dueSoon, overdue. */
  notified: z.array(z.string()).default([]),
});
export type TaskRecord = z.infer<typeof TaskRecord>;

export const InspectionRecord = z.object({
  unitId: z.string(),
  round: z.int().min(0),
  score: z.number().min(0).max(100),
  inspector: z.string(),
  at: IsoInstant,
  notes: z.string().max(2000).default(''),
  /** Points per checklist item when the campaign has a checklist; `score` is their sum. */
  items: z.record(z.string(), z.number().min(0)).optional(),
});
export type InspectionRecord = z.infer<typeof InspectionRecord>;

const UnitRef = z.object({ id: z.string(), name: z.string() });
const LateUnit = UnitRef.extend({ lateBySeconds: z.int().min(0) });

/**
 * A compiled weekly bulletin (情况通报): the figures, kept on a small item; the per-unit table and
 * the documents themselves (HTML, Markdown, CSV, SVG) live in the archive (S3, or out/ locally).
 */
export const BulletinRecord = z.object({
  campaignId: z.string(),
  period: z.string(),
  /** 第N期: the bulletin's number in the campaign. */
  number: z.int().min(1),
  opensAt: IsoInstant,
  cutoff: IsoInstant,
  compiledAt: IsoInstant,
  phase: Phase,
  round: z.int().min(0),
  expected: z.int().min(0),
  onTime: z.array(UnitRef),
  late: z.array(LateUnit),
  missing: z.array(UnitRef),
  /** Units missing this period and the one before: escalated to their leaders and the office. */
  escalated: z.array(UnitRef).default([]),
  /** Reports of the previous period that came in after its bulletin (上期补报). */
  previousLate: z.array(LateUnit).default([]),
  totals: Counts,
  /** Totals of the previous bulletin, for the week-over-week trend; absent for the first. */
  previousTotals: Counts.optional(),
  items: z.object({ open: z.int().min(0), overdue: z.int().min(0) }),
  /** Archive locations of the documents, by format. */
  files: z.record(z.string(), z.string()).default({}),
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
  unitId: z.string().optional(),
  person: Person,
});
export type Recipient = z.infer<typeof Recipient>;

export const Notification = z.object({
  id: z.string(),
  campaignId: z.string(),
  kind: NotificationKind,
  recipient: Recipient,
  subject: z.string(),
  body: z.string(),
  createdAt: IsoInstant,
  status: z.enum(['pending', 'sent', 'failed']),
  sentAt: IsoInstant.optional(),
  attempts: z.int().min(0).default(0),
});
export type Notification = z.infer<typeof Notification>;

export const AuditEvent = z.object({
  at: IsoInstant,
  actor: z.string(),
  action: z.string(),
  detail: z.record(z.string(), z.unknown()).default({}),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

export { ReportContent, Unit };
