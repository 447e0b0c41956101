import * as z from 'zod/mini';
import { Phase } from './definition.ts';
import { MOMENT_PRIORITY, type Moment } from './schedule.ts';

/**
 * The payload that flows through the Step Functions execution. It carries ids and instants only
 * (the 256 KB limit), never documents: every task re-reads what it needs from the table.
 */

export const IsoInstant = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 instant' });

export const ACTIONS = [
  'startPhase',
  'collectReports',
  'checkDeadlines',
  'closePhase',
  'gate',
  'continueAsNew',
  'done',
] as const;
export const Action = z.enum(ACTIONS);
export type Action = z.infer<typeof Action>;

export const MomentName = z.enum(Object.keys(MOMENT_PRIORITY) as [Moment, ...Moment[]]);

export const NextStep = z.strictObject({
  at: IsoInstant,
  action: Action,
  moment: MomentName,
  period: z.optional(z.string()),
});
export type NextStep = z.infer<typeof NextStep>;

export const Limits = z.strictObject({
  /** Continue as a new execution well before the 1-year execution limit (the machine times out at 360 days). */
  maxGenerationDays: z._default(z.int().check(z.positive(), z.maximum(330)), 300),
  /** …and well before 25,000 history events (a wake costs about 12 events). */
  maxGenerationSteps: z._default(z.int().check(z.positive(), z.maximum(2000)), 1500),
});

export const CampaignState = z.strictObject({
  campaignId: z.string().check(z.minLength(1)),
  generation: z.int().check(z.minimum(1)),
  generationStartedAt: IsoInstant,
  phase: Phase,
  round: z.int().check(z.minimum(0)),
  /** pending: waiting for the phase to start; running: inside its window. */
  phaseStatus: z.enum(['pending', 'running']),
  window: z.optional(z.strictObject({ start: IsoInstant, end: z.nullable(IsoInstant) })),
  /** The moment of the step last done: the workflow's notion of now. */
  at: IsoInstant,
  lastMoment: MomentName,
  steps: z.int().check(z.minimum(0)),
  next: NextStep,
  pendingNotifications: z.int().check(z.minimum(0)),
  /**
   * The earliest moment a deferred notification (retry backoff, quiet hours, a robot's rate limit)
   * may go out; the machine wakes for it before the next step, and before the campaign ends.
   */
  notifyAt: z.optional(IsoInstant),
  limits: Limits,
  /**
   * Set by a resume: steps due before it are the pause's catch-up, done at once and in order;
   * their reminders are skipped, since the cutoff they announce has passed.
   */
  resumedAt: z.optional(IsoInstant),
});
export type CampaignState = z.infer<typeof CampaignState>;
export type CampaignStateInput = z.input<typeof CampaignState>;

/** The input of an execution: the state machine keeps the state under `$.state` (see lib/campaign-workflow.ts). */
export const executionInput = (state: CampaignStateInput): { state: CampaignStateInput } => ({ state });

/** What the state machine passes to every task: the state, plus the task's own parameters. */
export const StepEvent = z.strictObject({
  state: CampaignState,
  /** Notify after waiting for deferred notifications: the instant it runs at (`state.notifyAt`). */
  now: z.optional(IsoInstant),
});
export type StepEvent = z.infer<typeof StepEvent>;

export const FailureEvent = z.strictObject({
  state: CampaignState,
  error: z.object({ Error: z.string(), Cause: z.optional(z.string()) }),
});
export type FailureEvent = z.infer<typeof FailureEvent>;
