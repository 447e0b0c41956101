import { createHash } from 'node:crypto';
import { addHours } from 'date-fns';
import * as z from 'zod/mini';
import { Person } from './definition.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import { Slug } from './ids.ts';
import { type Instant, instant, iso } from './schedule.ts';
import { IsoInstant } from './state.ts';

/**
 * The hazard ledger (隐患台账): problems found by patrols, self-checks, inspections and tip-offs,
 * tracked 限期整改 → 复查 → 销号 (plans 18, 29). The lifecycle is an explicit state machine: every
 * command is checked here against the item's state and the actor before anything is written, and
 * every accepted command yields exactly one event for the item's append-only trail.
 */

/** Grid platforms' urgency grading: hours the responsible unit has when no explicit deadline is given. */
export const URGENCY_HOURS = { red: 2, yellow: 24, blue: 72 } as const;
export const Urgency = z.enum(['red', 'yellow', 'blue']);
export type Urgency = z.infer<typeof Urgency>;

export const HAZARD_STATES = [
  'reported',
  'ordered',
  'rectifying',
  'submitted',
  'declined',
  'fixedOnSpot',
  'verified',
  'closedUnfixed',
] as const;
export const HazardState = z.enum(HAZARD_STATES);
export type HazardState = z.infer<typeof HazardState>;

/** 销号: no more work on the item. `closedUnfixed` (office closed it without a fix) is closed but never "fixed". */
export const CLOSED_STATES: ReadonlySet<HazardState> = new Set(['fixedOnSpot', 'verified', 'closedUnfixed']);
export const FIXED_STATES: ReadonlySet<HazardState> = new Set(['fixedOnSpot', 'verified']);
/** States in which the responsible unit works against the rectification deadline. */
export const DEADLINE_STATES: ReadonlySet<HazardState> = new Set(['ordered', 'rectifying']);

/** Plan 18: "三次核查不合格" — the item is supervised (限期督办) and counted against its unit. */
export const MAX_FAILED_VERIFICATIONS = 3;

export const Evidence = z.strictObject({
  text: z.string().check(z.trim(), z.minLength(1, 'describe what was done'), z.maxLength(2000)),
  /** References to photos (object keys, URLs); the photos themselves live elsewhere. */
  photos: z._default(
    z.array(z.string().check(z.trim(), z.minLength(1), z.maxLength(500))).check(z.maxLength(20)),
    [],
  ),
});
export type Evidence = z.infer<typeof Evidence>;

const Text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));
const Reason = z.string().check(z.trim(), z.minLength(1, 'a reason is required'), z.maxLength(1000));
const UnitId = Slug;
const Count = z.int().check(z.minimum(0));

export const HazardRecord = z.object({
  id: z.string(),
  /** The unit whose territory the hazard is in, and where exactly. */
  unitId: z.string(),
  location: z.string(),
  category: z.string(),
  description: z.string(),
  urgency: Urgency,
  reportedBy: z.string(),
  reportedAt: IsoInstant,
  state: HazardState,
  /** The command that led to the current state: notices word themselves after it. */
  lastAction: z.string(),
  /** Who must fix it; the unit it counts against. Defaults to the unit where it was found. */
  responsibleUnit: z.string(),
  responsiblePerson: z.optional(Person),
  measures: z._default(z.string(), ''),
  deadline: z.optional(IsoInstant),
  deadlineSetAt: z.optional(IsoInstant),
  /** Increments with every new deadline: reminders and the escalation ladder start afresh with it. */
  deadlineRound: z._default(Count, 0),
  evidence: z.optional(Evidence),
  failedVerifications: z._default(Count, 0),
  /** Set once, at the third failed verification (督办); never cleared, so it counts against the unit. */
  supervisedAt: z.optional(IsoInstant),
  declines: z._default(Count, 0),
  declinedBy: z.optional(z.string()),
  declineReason: z.optional(z.string()),
  declinedAt: z.optional(IsoInstant),
  closedAt: z.optional(IsoInstant),
  closeReason: z.optional(z.string()),
  /** Optimistic concurrency: every transition writes version + 1 on condition of the version read. */
  version: z.int().check(z.minimum(1)),
  updatedAt: IsoInstant,
  /** When the deadline check must next look at it; absent when nothing is owed (sparse index). */
  nextCheckAt: z.optional(IsoInstant),
  /** Notice keys already sent or settled (see hazard-notices.ts). */
  sent: z._default(z.array(z.string()), []),
});
export type HazardRecord = z.infer<typeof HazardRecord>;

export const HAZARD_ACTIONS = [
  'report',
  'fixOnSpot',
  'order',
  'accept',
  'update',
  'submit',
  'verify',
  'decline',
  'reassign',
  'close',
  'reopen',
] as const;
export const HazardAction = z.enum(HAZARD_ACTIONS);
export type HazardAction = z.infer<typeof HazardAction>;

/** One entry of an item's trail: who did what when, from which state to which, and why. */
export const HazardEvent = z.object({
  hazardId: z.string(),
  /** The item's version after the event: 1 for the report, then consecutive. */
  seq: z.int().check(z.minimum(1)),
  at: IsoInstant,
  actor: z.string(),
  action: HazardAction,
  from: z.nullable(HazardState),
  to: HazardState,
  reason: z.optional(z.string()),
  changes: z._default(z.record(z.string(), z.unknown()), {}),
});
export type HazardEvent = z.infer<typeof HazardEvent>;

export const ReportHazardInput = z.strictObject({
  unitId: UnitId,
  location: Text(200),
  category: Text(50),
  description: Text(2000),
  urgency: z._default(Urgency, 'yellow'),
  /**
   * Who reports: a name typed at the CLI, or the signed-in account's name or username, which the API
   * takes up to 200 characters (functions/shared/http/principal.ts); every account must be able to report.
   */
  reportedBy: Text(200),
  /** Fixed on the spot (当场整改): the item is closed at once with this evidence. */
  fixedOnSpot: z.optional(Evidence),
});
export type ReportHazardInput = z.input<typeof ReportHazardInput>;

const DeadlineInput = z.optional(IsoInstant);

/** The commands after the report, as one discriminated union: the boundary type of the CLI and the API. */
export const HazardCommand = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('fixOnSpot'), evidence: Evidence }),
  z.strictObject({
    action: z.literal('order'),
    responsibleUnit: z.optional(UnitId),
    responsiblePerson: z.optional(Person),
    measures: Text(2000),
    /** Explicit rectification deadline; by default the urgency's hours from now. */
    deadline: DeadlineInput,
  }),
  z.strictObject({ action: z.literal('accept') }),
  z.strictObject({
    action: z.literal('update'),
    location: z.optional(Text(200)),
    category: z.optional(Text(50)),
    description: z.optional(Text(2000)),
    measures: z.optional(Text(2000)),
    urgency: z.optional(Urgency),
    responsiblePerson: z.optional(Person),
    deadline: DeadlineInput,
    reason: z.optional(Reason),
  }),
  z.strictObject({ action: z.literal('submit'), evidence: Evidence }),
  z.strictObject({
    action: z.literal('verify'),
    passed: z.boolean(),
    reason: z.optional(Reason),
    /** Required when the verification fails: the new deadline. */
    deadline: DeadlineInput,
  }),
  z.strictObject({ action: z.literal('decline'), reason: Reason }),
  z.strictObject({
    action: z.literal('reassign'),
    responsibleUnit: UnitId,
    responsiblePerson: z.optional(Person),
    measures: z.optional(Text(2000)),
    deadline: DeadlineInput,
    reason: z.optional(Reason),
  }),
  z.strictObject({ action: z.literal('close'), reason: Reason }),
  z.strictObject({ action: z.literal('reopen'), reason: Reason, deadline: DeadlineInput }),
]);
export type HazardCommand = z.infer<typeof HazardCommand>;
export type HazardCommandInput = z.input<typeof HazardCommand>;

/** What the rules need to know besides the item: the moment, who acts, and the campaign's units. */
export interface HazardContext {
  at: Instant;
  actor: string;
  /** Whether the actor speaks for the office (领导小组办公室): its head or staff. */
  actorIsOffice: boolean;
  unitExists: (unitId: string) => boolean;
}

export interface HazardChange {
  item: HazardRecord;
  event: HazardEvent;
}

/** Which commands each state accepts; anything else is refused with the list of what is allowed. */
export const ALLOWED: Record<HazardState, readonly Exclude<HazardAction, 'report'>[]> = {
  reported: ['fixOnSpot', 'order', 'update', 'close'],
  ordered: ['accept', 'update', 'submit', 'decline', 'close'],
  rectifying: ['update', 'submit', 'decline', 'close'],
  submitted: ['verify', 'update', 'close'],
  declined: ['reassign', 'update', 'close'],
  fixedOnSpot: ['reopen'],
  verified: ['reopen'],
  closedUnfixed: ['reopen'],
};

/** A short, stable id from what was reported: reporting the same thing again at the same moment is one item. */
export const hazardId = (campaignId: string, input: z.infer<typeof ReportHazardInput>, at: string): string =>
  `hz-${createHash('sha256')
    .update(
      [campaignId, input.unitId, input.location, input.description, input.reportedBy, at].join('\u0000'),
    )
    .digest('hex')
    .slice(0, 10)}`;

const refuse = (item: HazardRecord, action: string, why: string): never => {
  throw new ConflictError(
    `cannot ${action} hazard ${item.id}: it is ${item.state}; ${why} (allowed now: ${ALLOWED[item.state].join(', ') || 'nothing'})`,
  );
};

const futureDeadline = (ctx: HazardContext, deadline: string, field = 'deadline'): string => {
  const when = instant(deadline);
  if (when <= ctx.at) {
    throw new ValidationError(
      `${field} ${deadline} is not after now (${iso(ctx.at)}); a deadline must be in the future`,
      [{ path: field, message: 'must be in the future' }],
    );
  }
  return iso(when);
};

const knownUnit = (ctx: HazardContext, unitId: string, field: string): string => {
  if (!ctx.unitExists(unitId)) {
    throw new NotFoundError(`${field}: unit "${unitId}" is not a unit of this campaign`);
  }
  return unitId;
};

const mustBeOfficeOrReporter = (item: HazardRecord, ctx: HazardContext, what: string): void => {
  if (!ctx.actorIsOffice && ctx.actor !== item.reportedBy) {
    throw new ForbiddenError(
      `${ctx.actor} may not ${what} hazard ${item.id}: only its reporter (${item.reportedBy}) or the office may (谁上报、谁核查)`,
    );
  }
};

const mustBeOffice = (item: HazardRecord, ctx: HazardContext, what: string): void => {
  if (!ctx.actorIsOffice)
    throw new ForbiddenError(`${ctx.actor} may not ${what} hazard ${item.id}: only the office may`);
};

/** A new deadline: explicit, or the urgency's hours from now. Reminders and the ladder restart with it. */
const withDeadline = (
  item: HazardRecord,
  ctx: HazardContext,
  explicit: string | undefined,
): Partial<HazardRecord> => ({
  deadline: explicit ? futureDeadline(ctx, explicit) : iso(addHours(ctx.at, URGENCY_HOURS[item.urgency])),
  deadlineSetAt: iso(ctx.at),
  deadlineRound: item.deadlineRound + 1,
});

/** Parses a boundary value, or refuses it naming every field that is wrong. */
const parseOrRefuse = <S extends z.ZodMiniType>(schema: S, raw: unknown, what: string): z.infer<S> => {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  throw new ValidationError(
    `${what} is invalid: ${issues.map((i) => `${i.path || '(all)'}: ${i.message}`).join('; ')}`,
    issues,
  );
};

/** Creates the item from a report: reported, or closed at once when fixed on the spot. */
export const reportHazard = (
  campaignId: string,
  raw: ReportHazardInput,
  ctx: HazardContext,
): HazardChange => {
  const input = parseOrRefuse(ReportHazardInput, raw, 'hazard report');
  knownUnit(ctx, input.unitId, 'unitId');
  const at = iso(ctx.at);
  const state: HazardState = input.fixedOnSpot ? 'fixedOnSpot' : 'reported';
  const item: HazardRecord = {
    id: hazardId(campaignId, input, at),
    unitId: input.unitId,
    location: input.location,
    category: input.category,
    description: input.description,
    urgency: input.urgency,
    reportedBy: input.reportedBy,
    reportedAt: at,
    state,
    lastAction: input.fixedOnSpot ? 'fixOnSpot' : 'report',
    responsibleUnit: input.unitId,
    measures: '',
    deadlineRound: 0,
    evidence: input.fixedOnSpot,
    failedVerifications: 0,
    declines: 0,
    closedAt: input.fixedOnSpot ? at : undefined,
    version: 1,
    updatedAt: at,
    sent: [],
  };
  return {
    item,
    event: {
      hazardId: item.id,
      seq: 1,
      at,
      actor: ctx.actor,
      action: 'report',
      from: null,
      to: state,
      changes: { unitId: input.unitId, urgency: input.urgency, fixedOnSpot: Boolean(input.fixedOnSpot) },
    },
  };
};

/**
 * Applies a command to an item: the next item and its event, or a refusal (ConflictError for a
 * command the state does not take, ForbiddenError for the wrong actor, ValidationError for bad
 * values). Pure: nothing is written here, so a refusal leaves the item and its trail as they were.
 */
export const applyHazardCommand = (
  item: HazardRecord,
  raw: HazardCommandInput,
  ctx: HazardContext,
): HazardChange => {
  const command = parseOrRefuse(HazardCommand, raw, 'hazard command');
  if (!ALLOWED[item.state].includes(command.action)) {
    const why =
      command.action === 'verify'
        ? 'only a submitted fix can be verified and closed (销号)'
        : command.action === 'reopen'
          ? 'only a closed item can be reopened'
          : command.action === 'reassign'
            ? 'only a declined item can be reassigned'
            : `${command.action} does not apply in this state`;
    refuse(item, command.action, why);
  }
  const at = iso(ctx.at);
  let next: Partial<HazardRecord>;
  let reason: string | undefined;
  let to: HazardState = item.state;
  let changes: Record<string, unknown> = {};
  switch (command.action) {
    case 'fixOnSpot':
      to = 'fixedOnSpot';
      next = { evidence: command.evidence, closedAt: at };
      break;
    case 'order': {
      mustBeOfficeOrReporter(item, ctx, 'order the rectification of');
      const responsibleUnit = knownUnit(
        ctx,
        command.responsibleUnit ?? item.responsibleUnit,
        'responsibleUnit',
      );
      to = 'ordered';
      next = {
        responsibleUnit,
        responsiblePerson: command.responsiblePerson ?? item.responsiblePerson,
        measures: command.measures,
        ...withDeadline(item, ctx, command.deadline),
      };
      changes = { responsibleUnit, deadline: next.deadline, measures: command.measures };
      break;
    }
    case 'accept':
      to = 'rectifying';
      next = {};
      break;
    case 'update': {
      const { action: _, reason: why, deadline, ...fields } = command;
      if (deadline !== undefined) {
        if (!DEADLINE_STATES.has(item.state))
          refuse(item, 'move the deadline of', 'it has no running deadline');
        if (!why) {
          throw new ValidationError('moving a deadline needs a reason', [
            { path: 'reason', message: 'required' },
          ]);
        }
      }
      const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
      if (Object.keys(set).length === 0 && deadline === undefined) {
        throw new ValidationError('nothing to update: give at least one field', [
          { path: '', message: 'no field given' },
        ]);
      }
      next = { ...set, ...(deadline !== undefined ? withDeadline(item, ctx, deadline) : {}) };
      changes = { ...set, ...(deadline !== undefined ? { deadline: next.deadline } : {}) };
      reason = why;
      break;
    }
    case 'submit':
      to = 'submitted';
      next = { evidence: command.evidence };
      changes = { evidence: command.evidence.text, photos: command.evidence.photos.length };
      break;
    case 'verify': {
      mustBeOfficeOrReporter(item, ctx, 'verify');
      if (command.passed) {
        to = 'verified';
        next = { closedAt: at };
        reason = command.reason;
        break;
      }
      if (!command.reason) {
        throw new ValidationError('a failed verification needs a reason: what is still wrong', [
          { path: 'reason', message: 'required when passed is false' },
        ]);
      }
      if (!command.deadline) {
        throw new ValidationError('a failed verification needs a new deadline', [
          { path: 'deadline', message: 'required when passed is false' },
        ]);
      }
      const failed = item.failedVerifications + 1;
      to = 'rectifying';
      next = {
        failedVerifications: failed,
        ...withDeadline(item, ctx, command.deadline),
        ...(failed >= MAX_FAILED_VERIFICATIONS && !item.supervisedAt ? { supervisedAt: at } : {}),
      };
      reason = command.reason;
      changes = {
        passed: false,
        failedVerifications: failed,
        deadline: next.deadline,
        supervised: failed >= MAX_FAILED_VERIFICATIONS,
      };
      break;
    }
    case 'decline':
      to = 'declined';
      next = {
        declines: item.declines + 1,
        declinedBy: item.responsibleUnit,
        declineReason: command.reason,
        declinedAt: at,
      };
      reason = command.reason;
      break;
    case 'reassign': {
      mustBeOffice(item, ctx, 'reassign');
      const responsibleUnit = knownUnit(ctx, command.responsibleUnit, 'responsibleUnit');
      if (responsibleUnit === item.declinedBy) {
        throw new ValidationError(
          `unit "${responsibleUnit}" declined this item; reassign it to another unit`,
          [{ path: 'responsibleUnit', message: 'the declining unit' }],
        );
      }
      to = 'ordered';
      next = {
        responsibleUnit,
        responsiblePerson: command.responsiblePerson,
        measures: command.measures ?? item.measures,
        ...withDeadline(item, ctx, command.deadline),
      };
      reason = command.reason;
      changes = { from: item.responsibleUnit, responsibleUnit, deadline: next.deadline };
      break;
    }
    case 'close':
      mustBeOffice(item, ctx, 'close without a fix');
      to = 'closedUnfixed';
      next = { closedAt: at, closeReason: command.reason };
      reason = command.reason;
      break;
    case 'reopen':
      mustBeOfficeOrReporter(item, ctx, 'reopen');
      to = 'rectifying';
      next = { closedAt: undefined, closeReason: undefined, ...withDeadline(item, ctx, command.deadline) };
      reason = command.reason;
      changes = { deadline: next.deadline };
      break;
  }
  const version = item.version + 1;
  return {
    item: { ...item, ...next, state: to, lastAction: command.action, version, updatedAt: at },
    event: {
      hazardId: item.id,
      seq: version,
      at,
      actor: ctx.actor,
      action: command.action,
      from: item.state,
      to,
      reason,
      changes,
    },
  };
};

export const isOpen = (item: Pick<HazardRecord, 'state'>): boolean => !CLOSED_STATES.has(item.state);

/** Overdue at `at`: the responsible unit is working against a deadline that has passed. */
export const isOverdue = (item: HazardRecord, at: Instant): boolean =>
  DEADLINE_STATES.has(item.state) && item.deadline !== undefined && instant(item.deadline) <= at;
