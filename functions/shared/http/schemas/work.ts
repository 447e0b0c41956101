import * as z from 'zod/mini';
import { LocalDate } from '../../domain/definition.ts';
import {
  HAZARD_ACTIONS,
  HazardCommand,
  HazardEvent,
  HazardRecord,
  HazardState,
  ReportHazardInput,
} from '../../domain/hazard.ts';
import { BulletinRecord, InspectionRecord, ReportRecord, TaskRecord } from '../../domain/records.ts';
import { ReportContent } from '../../domain/report-content.ts';
import { CampaignParams, type FunctionSchemas, QueryFlag, Slug } from '../route-schema.ts';

/** The api-work function's routes: reports, bulletins, inspections, tasks and the hazard ledger. */

export const SubmitReportBody = z.strictObject({
  unitId: Slug,
  /** The period: the local date of its cutoff. */
  period: LocalDate,
  /** The template's fields; the campaign's own under `extra`, checked against its reporting.fields. */
  content: ReportContent,
});

export const ReportsQuery = z.strictObject({ period: z.optional(LocalDate), unitId: z.optional(Slug) });

export const BULLETIN_FORMATS = ['json', 'md', 'html', 'csv'] as const;
export const BulletinQuery = z.strictObject({ format: z.optional(z.enum(BULLETIN_FORMATS)) });

export const InspectionBody = z.strictObject({
  unitId: Slug,
  /** The acceptance round; the campaign's current one when left out. */
  round: z.optional(z.int().check(z.minimum(0), z.maximum(20))),
  /** The overall score; with a checklist give `items` instead (or both, and they must agree). */
  score: z.optional(z.number().check(z.minimum(0), z.maximum(100))),
  items: z.optional(z.record(z.string(), z.number().check(z.minimum(0), z.maximum(100)))),
  notes: z.optional(z.string().check(z.maxLength(2000))),
});

/** A hazard as reported through the API: the reporter is the signed-in person, never a field. */
export const HazardReportBody = z.omit(ReportHazardInput, { reportedBy: true });

export const HazardsQuery = z.strictObject({
  /** The responsible unit. */
  unit: z.optional(Slug),
  state: z.optional(HazardState),
  /** Only items overdue now. */
  overdue: z.optional(QueryFlag),
  open: z.optional(QueryFlag),
});

/** One unit's line of the ledger counts (functions/shared/use-cases/hazards.ts). */
export const UnitLedgerCounts = z.object({
  unitId: z.string(),
  total: z.int(),
  open: z.int(),
  overdue: z.int(),
  declined: z.int(),
  fixed: z.int(),
  fixedOnSpot: z.int(),
  verified: z.int(),
  closedUnfixed: z.int(),
  supervised: z.int(),
  failedVerifications: z.int(),
});

/** The commands after the report: the action is the last path segment, the rest of the command the body. */
export const HAZARD_COMMAND_ACTIONS = HAZARD_ACTIONS.filter(
  (a): a is Exclude<(typeof HAZARD_ACTIONS)[number], 'report'> => a !== 'report',
);
export type HazardCommandAction = (typeof HAZARD_COMMAND_ACTIONS)[number];

/** Each action's body: its command without `action` (strict: an `action` field is refused by name). */
const bodyOf = (action: HazardCommandAction): z.ZodMiniType => {
  const option = HazardCommand.def.options.find((o) =>
    (o.def.shape.action.def.values as readonly string[]).includes(action),
  );
  if (!option) throw new Error(`HazardCommand has no ${action}`);
  return z.omit(option, { action: true });
};

export const HAZARD_COMMAND_BODIES: Record<HazardCommandAction, z.ZodMiniType> = {
  fixOnSpot: bodyOf('fixOnSpot'),
  order: bodyOf('order'),
  accept: bodyOf('accept'),
  update: bodyOf('update'),
  submit: bodyOf('submit'),
  verify: bodyOf('verify'),
  decline: bodyOf('decline'),
  reassign: bodyOf('reassign'),
  close: bodyOf('close'),
  reopen: bodyOf('reopen'),
};

const HazardActionParams = z.strictObject({
  campaignId: Slug,
  hazardId: z.string().check(z.regex(/^hz-[0-9a-f]{10}$/, 'must be a hazard id such as hz-0123456789')),
  action: z.enum(HAZARD_COMMAND_ACTIONS),
});
const HazardParams = z.pick(HazardActionParams, { campaignId: true, hazardId: true });

export const workSchemas = {
  submitReport: {
    params: CampaignParams,
    body: SubmitReportBody,
    response: ReportRecord,
    status: 201,
    description:
      'A liaison submits for their own unit only. Resubmitting keeps the earlier versions; a first submission after the cutoff is marked late.',
  },
  listReports: {
    params: CampaignParams,
    query: ReportsQuery,
    response: z.object({ reports: z.array(ReportRecord) }),
    description: 'A liaison or grid worker sees their own unit’s reports; asking for another unit is 403.',
  },
  listBulletins: { params: CampaignParams, response: z.object({ bulletins: z.array(BulletinRecord) }) },
  getBulletin: {
    params: z.strictObject({ campaignId: Slug, period: LocalDate }),
    query: BulletinQuery,
    response: BulletinRecord,
    produces: ['text/markdown', 'text/html', 'text/csv'],
    description:
      'The figures as JSON by default; `?format=md|html|csv` answers the document itself (the robot message, the document for leaders, the per-unit annex).',
  },
  recordInspection: {
    params: CampaignParams,
    body: InspectionBody,
    response: InspectionRecord,
    status: 201,
    description: 'The inspector is the signed-in person.',
  },
  completeTask: {
    params: z.strictObject({ campaignId: Slug, taskId: Slug }),
    body: z.strictObject({}),
    bodyOptional: true,
    response: TaskRecord,
    description: 'A liaison or grid worker may mark done only the tasks their unit leads.',
  },
  reportHazard: {
    params: CampaignParams,
    body: HazardReportBody,
    response: HazardRecord,
    status: 201,
    description:
      'The reporter is the signed-in person. A liaison or grid worker reports in their own unit only.',
  },
  listHazards: {
    params: CampaignParams,
    query: HazardsQuery,
    response: z.object({ items: z.array(HazardRecord), counts: z.array(UnitLedgerCounts) }),
    description:
      'A liaison or grid worker sees the items found in or assigned to their unit; asking for another unit is 403.',
  },
  getHazard: {
    params: HazardParams,
    response: z.object({ item: HazardRecord, trail: z.array(HazardEvent) }),
    description: 'An item neither found in nor assigned to their unit is 404 for a liaison or grid worker.',
  },
  actOnHazard: {
    params: HazardActionParams,
    body: z.union(Object.values(HAZARD_COMMAND_BODIES)),
    bodyOptional: true,
    bodyFor: (params: { action: HazardCommandAction }) => HAZARD_COMMAND_BODIES[params.action],
    response: HazardRecord,
    description:
      'The body is the command without its action, which is the last path segment. The ledger’s rules decide (谁上报、谁核查: verify, order and reopen by the reporter or the office; reassign and close by the office, which is the office and admin roles). 409 when the item’s state does not take the command.',
  },
} as const satisfies FunctionSchemas<'api-work'>;
