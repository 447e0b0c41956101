import * as z from 'zod';
import { Person, Phase, Unit } from './definition.ts';
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

export const ReportContent = z.strictObject({
  progress: z.string().trim().min(1).max(10_000),
  problems: z.string().max(10_000).default(''),
  nextSteps: z.string().max(10_000).default(''),
  counts: z
    .strictObject({
      sitesChecked: z.int().min(0).default(0),
      hazardsFound: z.int().min(0).default(0),
      hazardsFixed: z.int().min(0).default(0),
      householdsVisited: z.int().min(0).default(0),
      publicityEvents: z.int().min(0).default(0),
    })
    .default({ sitesChecked: 0, hazardsFound: 0, hazardsFixed: 0, householdsVisited: 0, publicityEvents: 0 }),
});
export type ReportContent = z.infer<typeof ReportContent>;

export const ReportRecord = z.object({
  campaignId: z.string(),
  unitId: z.string(),
  period: z.string(),
  cutoff: IsoInstant,
  submittedAt: IsoInstant,
  onTime: z.boolean(),
  /** Seconds after the cutoff; 0 when on time. */
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
});
export type InspectionRecord = z.infer<typeof InspectionRecord>;

export const NOTIFICATION_KINDS = [
  'phaseStart',
  'reportReminder',
  'reportOverdue',
  'weeklyBulletin',
  'taskDueSoon',
  'taskOverdue',
  'phaseSummary',
  'acceptanceResult',
  'monthlyCheck',
  'workflowFailure',
] as const;
export const NotificationKind = z.enum(NOTIFICATION_KINDS);
export type NotificationKind = z.infer<typeof NotificationKind>;

export const Recipient = z.object({
  key: z.string(),
  role: z.enum(['leadingGroup', 'office', 'unitLeader', 'liaison']),
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

export { Unit };
