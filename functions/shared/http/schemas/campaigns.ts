import * as z from 'zod/mini';
import { Person, Phase, Unit } from '../../domain/definition.ts';
import { AuditEvent, CampaignRecord, CampaignStatus } from '../../domain/records.ts';
import { IsoInstant, MomentName, NextStep } from '../../domain/state.ts';
import { ControlRequest, ExtendRequest } from '../../use-cases/controls.ts';
import { CampaignParams, type FunctionSchemas, Slug } from '../route-schema.ts';

/** The api-campaigns function's routes: definitions, campaigns and their steering, units, the audit trail. */

/**
 * A definition as JSON: the fields of the README's campaign file reference, under `definition`. A
 * campaign file (YAML) is parsed by the client, as the zhili CLI does: no YAML parser in the API.
 */
export const DefinitionBody = z.strictObject(
  {
    definition: z.record(z.string(), z.unknown(), {
      error: 'must be the campaign definition as a JSON object',
    }),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys' && issue.keys.includes('yaml')
        ? 'the API takes no YAML text: send the campaign file parsed, as JSON under `definition` (the zhili CLI does)'
        : undefined,
  },
);
export type DefinitionBody = z.infer<typeof DefinitionBody>;

const FieldIssue = z.object({ path: z.string(), message: z.string() });

export const ValidationReport = z.object({
  valid: z.boolean(),
  /** When valid: what the definition holds. */
  id: z.optional(z.string()),
  title: z.optional(z.string()),
  units: z.optional(z.int()),
  tasks: z.optional(z.int()),
  /** Things worth a look that do not make the definition invalid (gaps between phases). */
  warnings: z.array(z.string()),
  /** When invalid: every problem, by field. */
  issues: z.array(FieldIssue),
});

export const CampaignSummary = z.pick(CampaignRecord, {
  id: true,
  title: true,
  status: true,
  createdAt: true,
  launchedAt: true,
  closedAt: true,
  phase: true,
});

export const Created = z.object({ campaignId: z.string(), created: z.boolean() });

const TimelinePhase = z.object({
  phase: Phase,
  round: z.int(),
  name: z.string(),
  plannedStart: z.string(),
  plannedEnd: z.nullable(z.string()),
  startedAt: z.optional(z.string()),
  closedAt: z.optional(z.string()),
  status: z.enum(['done', 'running', 'planned']),
});

/** campaignStatus's view (functions/shared/use-cases/campaign-status.ts). */
export const CampaignStatusView = z.object({
  campaign: z.extend(
    z.pick(CampaignRecord, {
      id: true,
      title: true,
      status: true,
      generation: true,
      executionName: true,
      launchedAt: true,
      closedAt: true,
      phase: true,
      round: true,
    }),
    { pausedAt: z.optional(IsoInstant), unitCount: z.int(), timeZone: z.string() },
  ),
  timeline: z.array(TimelinePhase),
  workflow: z.object({
    next: z.optional(NextStep),
    lastStepAt: z.optional(z.string()),
    upcoming: z.array(z.object({ at: z.string(), moment: MomentName, period: z.optional(z.string()) })),
  }),
  recent: z.array(AuditEvent),
});

export const LaunchResult = z.object({
  campaignId: z.string(),
  executionName: z.string(),
  /** false when the campaign was launched before: nothing was started. */
  started: z.boolean(),
});

/** What an administrator's control did (functions/shared/use-cases/controls.ts). */
export const ControlResult = z.object({
  campaignId: z.string(),
  status: CampaignStatus,
  generation: z.int(),
  executionName: z.nullable(z.string()),
  phase: z.optional(Phase),
  round: z.int(),
  next: z.optional(NextStep),
  audit: AuditEvent,
});

/** A change of a unit's people; at least one of them. */
export const UnitMembersChange = z
  .strictObject({
    leader: z.optional(Person),
    liaison: z.optional(Person),
    gridWorkers: z.optional(z.array(Person).check(z.maxLength(200))),
    reason: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(500))),
  })
  .check(
    z.refine((c) => c.leader !== undefined || c.liaison !== undefined || c.gridWorkers !== undefined, {
      error: 'nothing to change: give leader, liaison or gridWorkers',
      path: [],
    }),
  );
export type UnitMembersChange = z.infer<typeof UnitMembersChange>;

const UnitParams = z.strictObject({ campaignId: Slug, unitId: Slug });

export const campaignSchemas = {
  validateDefinition: {
    body: DefinitionBody,
    response: ValidationReport,
    description:
      'The body carries the campaign file as JSON under `definition` (the fields of the README’s campaign file reference; a YAML file is parsed by the client, as the zhili CLI does). Answers 200 whether or not the definition is valid: `valid` says which, `issues` names every problem by field.',
  },
  listCampaigns: { response: z.object({ campaigns: z.array(CampaignSummary) }) },
  createCampaign: {
    body: DefinitionBody,
    response: Created,
    status: 201,
    description:
      'The campaign is stored as a draft; nothing runs until it is launched. 409 when the id is taken.',
  },
  getCampaign: { params: CampaignParams, response: CampaignStatusView },
  launchCampaign: {
    params: CampaignParams,
    body: z.strictObject({}),
    bodyOptional: true,
    response: LaunchResult,
    description: 'Launching a campaign launched before starts nothing (`started: false`).',
  },
  pauseCampaign: { params: CampaignParams, body: ControlRequest, response: ControlResult },
  resumeCampaign: { params: CampaignParams, body: ControlRequest, response: ControlResult },
  advancePhase: { params: CampaignParams, body: ControlRequest, response: ControlResult },
  extendPhase: { params: CampaignParams, body: ExtendRequest, response: ControlResult },
  closeCampaign: { params: CampaignParams, body: ControlRequest, response: ControlResult },
  listAudit: { params: CampaignParams, response: z.object({ events: z.array(AuditEvent) }) },
  listUnits: {
    params: CampaignParams,
    response: z.object({ units: z.array(Unit) }),
    description: 'A liaison or grid worker sees their own unit only.',
  },
  getUnit: {
    params: UnitParams,
    response: Unit,
    description: 'Another unit than their own is 404 for a liaison or grid worker.',
  },
  updateUnitMembers: {
    params: UnitParams,
    body: UnitMembersChange,
    response: Unit,
    description: 'Recorded in the audit trail with who, when and why.',
  },
} as const satisfies FunctionSchemas<'api-campaigns'>;
