import { tzOffset } from '@date-fns/tz';
import { isValid, parseISO } from 'date-fns';
import * as z from 'zod/mini';
import { LocalDate } from './local-date.ts';
import { ReportField } from './report-content.ts';
import './zod-locale.ts';
import { Slug } from './ids.ts';
import { addWorkingDays, CalendarCoverageError } from './working-days.ts';

/**
 * The campaign definition: what a written work plan (实施方案) says, as data.
 * This schema is the single source of the `CampaignDefinition` type; the YAML loader,
 * the HTTP API, the local run and the CLI all validate through it.
 */

export const PHASES = ['mobilize', 'rectify', 'inspect', 'longTerm'] as const;
export const Phase = z.enum(PHASES);
export type Phase = z.infer<typeof Phase>;
/** The phase after `phase` in the plan's order; none after long-term upkeep. */
export const phaseAfter = (phase: Phase): Phase | null => PHASES[PHASES.indexOf(phase) + 1] ?? null;

export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export const Weekday = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof Weekday>;

export { LocalDate };

/** Wall-clock time of day, 24-hour; refuses "25:00" and "13:60". */
export const TimeOfDay = z
  .string()
  .check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:MM between 00:00 and 23:59'));

export const TimeZone = z.string().check(
  // Intl knows the zone when it can tell its offset: NaN answers a name it does not know.
  z.refine((zone) => !Number.isNaN(tzOffset(zone, new Date(0))), {
    error: 'must be an IANA time zone such as Asia/Shanghai',
  }),
);

const ChinaMobileOrLandline = /^(\+?86)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/;

export const Person = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(50)),
  title: z.optional(z.string().check(z.maxLength(100))),
  // YAML reads an unquoted 13800000000 as a number; a phone number is text either way.
  phone: z.optional(
    z.pipe(
      z.transform((v: unknown) => (typeof v === 'number' ? String(v) : v)),
      z
        .string()
        .check(z.regex(ChinaMobileOrLandline, 'must be a mainland mobile (11 digits) or landline number')),
    ),
  ),
  email: z.optional(z.email({ error: 'must be an email address' })),
  wecomUserId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  dingtalkUserId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  /**
   * Preferred channels, best first; a notification goes out on the first one this person can be
   * reached on. Default: the group robot when `robot` is set, then SMS, then email.
   */
  channels: z.optional(z.array(z.enum(['robot', 'sms', 'email'])).check(z.minLength(1), z.maxLength(3))),
  /** The id of the group robot (notifications.robots) whose group this person reads. */
  robot: z.optional(z.string().check(z.minLength(1), z.maxLength(63))),
  language: z.optional(z.enum(['zh-CN', 'en'])),
});
export type Person = z.infer<typeof Person>;

export const UNIT_KINDS = [
  'community',
  'grid',
  'department',
  'propertyCompany',
  'enterprise',
  'school',
  'buildingHead',
  'other',
] as const;

export const Unit = z.strictObject({
  id: Slug,
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
  kind: z.enum(UNIT_KINDS),
  /** Territorial parent (a grid inside a community); must name another unit. */
  parent: z.optional(Slug),
  leader: Person,
  liaison: Person,
  gridWorkers: z._default(z.array(Person).check(z.maxLength(200)), []),
  /** Whether the unit files the periodic report itself (grids often report through their community). */
  reports: z._default(z.boolean(), true),
});
export type Unit = z.infer<typeof Unit>;

export const Organisation = z.strictObject({
  leadingGroup: z.strictObject({
    name: z._default(z.string().check(z.minLength(1), z.maxLength(100)), '领导小组'),
    leader: Person,
    deputies: z._default(z.array(Person).check(z.maxLength(20)), []),
    members: z._default(z.array(Person).check(z.maxLength(100)), []),
  }),
  office: z.strictObject({
    name: z.string().check(z.minLength(1), z.maxLength(100)),
    head: Person,
    staff: z._default(z.array(Person).check(z.maxLength(50)), []),
  }),
  units: z.array(Unit).check(z.minLength(1), z.maxLength(5000)),
});
export type Organisation = z.infer<typeof Organisation>;

const PhaseText = {
  /** The name the plan uses, e.g. 动员部署 or 集中整治. */
  name: z.optional(z.string().check(z.minLength(1), z.maxLength(30))),
  /** Text of the notice sent when the phase starts. */
  notice: z.optional(z.string().check(z.maxLength(2000))),
};

export const BoundedPhase = z.strictObject({ start: LocalDate, end: LocalDate, ...PhaseText });
export const LongTermPhase = z.strictObject({
  start: LocalDate,
  /** Day of month and time of the routine check (巡查) in the long-term phase. */
  checkDay: z._default(z.int().check(z.minimum(1), z.maximum(28)), 1),
  checkTime: z._default(TimeOfDay, '09:00'),
  ...PhaseText,
});

export const Phases = z.strictObject({
  mobilize: BoundedPhase,
  rectify: BoundedPhase,
  inspect: BoundedPhase,
  longTerm: LongTermPhase,
});
export type Phases = z.infer<typeof Phases>;

const WeeklyCutoff = z.strictObject({ weekday: Weekday, time: TimeOfDay });
const MonthlyCutoff = z.strictObject({ day: z.int().check(z.minimum(1), z.maximum(28)), time: TimeOfDay });
const QuarterlyCutoff = z.strictObject({
  /** 1–3: which month of the quarter (plan 20 reports in the last month, 3). */
  monthOfQuarter: z.int().check(z.minimum(1), z.maximum(3)),
  day: z.int().check(z.minimum(1), z.maximum(28)),
  time: TimeOfDay,
});

const ReportingCommon = {
  /** A cutoff on a weekend or statutory holiday moves to the next working day (调休 counted) when set. */
  onNonWorkingDay: z.optional(z.enum(['keep', 'nextWorkingDay'])),
  /** Who receives the reports, e.g. 街道安委办. */
  submitTo: z.string().check(z.minLength(1), z.maxLength(100)),
  phases: z._default(z.array(Phase).check(z.minLength(1)), ['rectify', 'inspect']),
  /** Reminders to units that have not reported, in hours before the cutoff. */
  reminderHoursBefore: z._default(
    z.array(z.number().check(z.positive(), z.maximum(24 * 14))).check(z.maxLength(5)),
    [24, 2],
  ),
  /** The campaign's own report fields, added to the base template (progress, problems, counts…). */
  fields: z._default(z.array(ReportField).check(z.maxLength(30)), []),
};

export const Reporting = z.discriminatedUnion('cadence', [
  z.strictObject({
    cadence: z.literal('weekly'),
    cutoff: WeeklyCutoff,
    /** Plan 6: units report by Friday 12:00, the office bulletin is due by Monday close of business. */
    secondStage: z.optional(
      z.strictObject({
        weekday: Weekday,
        time: TimeOfDay,
        to: z._default(z.string().check(z.minLength(1), z.maxLength(100)), '领导小组'),
      }),
    ),
    ...ReportingCommon,
  }),
  z.strictObject({ cadence: z.literal('monthly'), cutoff: MonthlyCutoff, ...ReportingCommon }),
  z.strictObject({ cadence: z.literal('quarterly'), cutoff: QuarterlyCutoff, ...ReportingCommon }),
]);
export type Reporting = z.infer<typeof Reporting>;

/** One line of the inspection checklist (plan 9's ten-item estate standard, plan 1's fire-safety items). */
export const ChecklistItem = z.strictObject({
  id: Slug,
  item: z.string().check(z.trim(), z.minLength(1), z.maxLength(300)),
  points: z.number().check(z.positive(), z.maximum(100)),
});
export type ChecklistItem = z.infer<typeof ChecklistItem>;

const Score = z.number().check(z.minimum(0), z.maximum(100));

export const Acceptance = z.strictObject({
  passScore: z._default(Score, 80),
  /** Units at or above this score are praised in the result notice (通报表彰). */
  praiseScore: z._default(Score, 90),
  /** What inspectors score, item by item; the points add up to 100. Empty: a single overall score. */
  checklist: z._default(z.array(ChecklistItem).check(z.maxLength(100)), []),
  /** Plan 9: 再整改再提高 — bounded so a campaign cannot loop forever. */
  maxReRectifyRounds: z._default(z.int().check(z.minimum(0), z.maximum(5)), 2),
  reRectifyDays: z._default(z.int().check(z.minimum(1), z.maximum(90)), 14),
  reInspectDays: z._default(z.int().check(z.minimum(1), z.maximum(60)), 7),
});

/**
 * A deadline written as "within N working days of a date" (限N个工作日内): resolved to its date at
 * load, with holidays skipped and make-up working days counted. A year the calendar data does not
 * know is refused here, with the field named, rather than guessed.
 */
const Due = z.pipe(
  z.union([
    LocalDate,
    z.strictObject({ workingDays: z.int().check(z.minimum(1), z.maximum(250)), after: LocalDate }),
  ]),
  z.transform((due, ctx) => {
    if (typeof due === 'string') return due;
    try {
      return addWorkingDays(due.after, due.workingDays);
    } catch (error) {
      if (!(error instanceof CalendarCoverageError)) throw error;
      ctx.issues.push({ code: 'custom', message: error.message, input: due });
      return z.NEVER;
    }
  }),
);

export const Task = z.strictObject({
  id: Slug,
  title: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
  lead: Slug,
  participants: z._default(z.array(Slug), []),
  /** A date, or `{ workingDays, after }`. */
  due: Due,
  /** Time on the due date by which it must be done; end of day when omitted. */
  dueTime: z.optional(TimeOfDay),
  description: z.optional(z.string().check(z.maxLength(2000))),
});
export type Task = z.infer<typeof Task>;

const ROBOT_HOSTS = { dingtalk: 'oapi.dingtalk.com', wecom: 'qyapi.weixin.qq.com' } as const;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Where robot credentials live: Secrets Manager names under this prefix (the notify function may read only these). */
export const ROBOT_SECRET_PREFIX = 'zhili/robots/';

/**
 * A group robot: the webhook without its token, and the name of the secret holding the token
 * (and DingTalk's signing secret). The definition is shared, stored and logged; the token is not.
 */
export const Robot = z
  .strictObject({
    id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and "-"')),
    kind: z.enum(['dingtalk', 'wecom']),
    webhook: z.url({ error: 'must be a URL' }),
    secret: z
      .string()
      .check(
        z.regex(
          /^zhili\/robots\/[A-Za-z0-9/_+=.@-]{1,200}$/,
          `must be the name of a secret under ${ROBOT_SECRET_PREFIX}, e.g. ${ROBOT_SECRET_PREFIX}office-group`,
        ),
      ),
    /** DingTalk's "custom keywords" security setting: every message must contain one of them. */
    keywords: z._default(
      z.array(z.string().check(z.minLength(1), z.maxLength(20))).check(z.maxLength(10)),
      [],
    ),
  })
  .check(
    z.superRefine((robot, ctx) => {
      const url = new URL(robot.webhook);
      const loopback = url.protocol === 'http:' && LOOPBACK.has(url.hostname);
      if (!loopback && (url.protocol !== 'https:' || url.hostname !== ROBOT_HOSTS[robot.kind])) {
        ctx.addIssue({
          code: 'custom',
          path: ['webhook'],
          message: `a ${robot.kind} robot webhook is https://${ROBOT_HOSTS[robot.kind]}/… (or http://127.0.0.1 for a local receiver)`,
        });
      }
      for (const name of ['access_token', 'key', 'sign', 'timestamp']) {
        if (url.searchParams.has(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['webhook'],
            message: `must not carry "${name}": the robot's token is a secret; store it in the secret "${robot.secret}" instead`,
          });
        }
      }
    }),
  );
export type Robot = z.infer<typeof Robot>;

export const QuietHours = z.strictObject({ start: TimeOfDay, end: TimeOfDay });
export type QuietHours = z.infer<typeof QuietHours>;

export const NotificationSettings = z.strictObject({
  /** Non-urgent messages due inside these local hours wait for their end; `false` turns them off. */
  quietHours: z._default(z.union([QuietHours, z.literal(false)]), { start: '22:00', end: '07:30' }),
  robots: z._default(z.array(Robot).check(z.maxLength(50)), []),
});
export type NotificationSettings = z.infer<typeof NotificationSettings>;
export const DEFAULT_NOTIFICATIONS: NotificationSettings = {
  quietHours: { start: '22:00', end: '07:30' },
  robots: [],
};

export const THEMES = [
  'safetyProduction',
  'environment',
  'sanitation',
  'governance',
  'civilisedCity',
  'other',
] as const;

export const CampaignDefinitionShape = z.strictObject({
  id: Slug,
  title: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
  theme: z.enum(THEMES),
  issuer: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
  timeZone: z._default(TimeZone, 'Asia/Shanghai'),
  /** The language of bulletins and notices; plans are written in Chinese, so it is the default. */
  language: z._default(z.enum(['zh-CN', 'en']), 'zh-CN'),
  organisation: Organisation,
  phases: Phases,
  reporting: Reporting,
  acceptance: z._default(Acceptance, {
    passScore: 80,
    praiseScore: 90,
    checklist: [],
    maxReRectifyRounds: 2,
    reRectifyDays: 14,
    reInspectDays: 7,
  }),
  tasks: z._default(z.array(Task).check(z.maxLength(1000)), []),
  notifications: z._default(NotificationSettings, DEFAULT_NOTIFICATIONS),
});

type RefinementCtx = z.core.$RefinementCtx<z.infer<typeof CampaignDefinitionShape>>;

/** A problem with one person, at a path inside that person (`['robot']`, `['channels', 1]`). */
export interface PersonIssue {
  path: (string | number)[];
  message: string;
}

/**
 * One person's rules that need the rest of the campaign: a robot named must be one of its robots;
 * a channel listed must have the contact it needs. The definition checks every person with it, and
 * a change of a unit's people (use-cases/units.ts) the people it brings.
 */
export const personIssues = (person: Person, robots: ReadonlySet<string>): PersonIssue[] => {
  const issues: PersonIssue[] = [];
  if (person.robot !== undefined && !robots.has(person.robot)) {
    issues.push({
      path: ['robot'],
      message: `unknown robot "${person.robot}"; it must be one of notifications.robots`,
    });
  }
  const needs = { robot: person.robot, sms: person.phone, email: person.email } as const;
  person.channels?.forEach((channel, c) => {
    if (needs[channel] === undefined) {
      const field = channel === 'robot' ? 'robot' : channel === 'sms' ? 'phone' : 'email';
      issues.push({
        path: ['channels', c],
        message: `${channel} needs the person's ${field}, which is not given`,
      });
    }
  });
  return issues;
};

/** Every person of the definition, against its robots; a robot id used twice is refused too. */
const checkContacts = (def: z.infer<typeof CampaignDefinitionShape>, ctx: RefinementCtx): void => {
  const robots = new Set<string>();
  def.notifications.robots.forEach((robot, index) => {
    if (robots.has(robot.id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['notifications', 'robots', index, 'id'],
        message: `duplicate robot id "${robot.id}"`,
      });
    }
    robots.add(robot.id);
  });
  const { leadingGroup, office, units } = def.organisation;
  const people: [PropertyKey[], Person][] = [
    [['organisation', 'leadingGroup', 'leader'], leadingGroup.leader],
    ...leadingGroup.deputies.map((p, i): [PropertyKey[], Person] => [
      ['organisation', 'leadingGroup', 'deputies', i],
      p,
    ]),
    ...leadingGroup.members.map((p, i): [PropertyKey[], Person] => [
      ['organisation', 'leadingGroup', 'members', i],
      p,
    ]),
    [['organisation', 'office', 'head'], office.head],
    ...office.staff.map((p, i): [PropertyKey[], Person] => [['organisation', 'office', 'staff', i], p]),
    ...units.flatMap((u, i): [PropertyKey[], Person][] => [
      [['organisation', 'units', i, 'leader'], u.leader],
      [['organisation', 'units', i, 'liaison'], u.liaison],
      ...u.gridWorkers.map((p, g): [PropertyKey[], Person] => [
        ['organisation', 'units', i, 'gridWorkers', g],
        p,
      ]),
    ]),
  ];
  for (const [path, person] of people) {
    for (const issue of personIssues(person, robots)) {
      ctx.addIssue({ code: 'custom', path: [...path, ...issue.path], message: issue.message });
    }
  }
};

/**
 * Days since 1970-01-01 (a date-only ISO string is read as UTC midnight). NaN for a date that does
 * not exist (2027-02-30, refused by its own field), so no rule compares it: Date.parse would roll it over.
 */
const dayNumber = (date: string): number =>
  isValid(parseISO(date)) ? Date.parse(date) / 86_400_000 : Number.NaN;

type DefinitionShape = z.output<typeof CampaignDefinitionShape>;

/** Cross-field rules: references, uniqueness, phase order. */
const crossFieldRules = (def: DefinitionShape, ctx: z.core.$RefinementCtx<DefinitionShape>): void => {
  const unitIds = new Map<string, number>();
  def.organisation.units.forEach((unit, index) => {
    const first = unitIds.get(unit.id);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['organisation', 'units', index, 'id'],
        message: `duplicate unit id "${unit.id}" (first used by units[${first}])`,
      });
    } else unitIds.set(unit.id, index);
  });
  def.organisation.units.forEach((unit, index) => {
    if (unit.parent !== undefined && (!unitIds.has(unit.parent) || unit.parent === unit.id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['organisation', 'units', index, 'parent'],
        message: `parent "${unit.parent}" is not another unit of this campaign`,
      });
    }
  });

  checkContacts(def, ctx);

  const taskIds = new Set<string>();
  def.tasks.forEach((task, index) => {
    if (taskIds.has(task.id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tasks', index, 'id'],
        message: `duplicate task id "${task.id}"`,
      });
    }
    taskIds.add(task.id);
    if (!unitIds.has(task.lead)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tasks', index, 'lead'],
        message: `unknown unit "${task.lead}"; the lead must be one of organisation.units`,
      });
    }
    task.participants.forEach((participant, p) => {
      if (!unitIds.has(participant)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tasks', index, 'participants', p],
          message: `unknown unit "${participant}"`,
        });
      }
    });
  });

  const { mobilize, rectify, inspect, longTerm } = def.phases;
  for (const [name, phase] of [
    ['mobilize', mobilize],
    ['rectify', rectify],
    ['inspect', inspect],
  ] as const) {
    if (dayNumber(phase.end) < dayNumber(phase.start)) {
      ctx.addIssue({
        code: 'custom',
        path: ['phases', name, 'end'],
        message: `ends (${phase.end}) before it starts (${phase.start})`,
      });
    }
  }
  // Plans let a phase start on the day the previous one ends (plan 8); anything earlier is out of order.
  const order = [
    ['mobilize', mobilize.start, mobilize.end],
    ['rectify', rectify.start, rectify.end],
    ['inspect', inspect.start, inspect.end],
    ['longTerm', longTerm.start, undefined],
  ] as const;
  for (let i = 1; i < order.length; i++) {
    const [prevName, prevStart, prevEnd] = order[i - 1] as (typeof order)[number];
    const [name, start] = order[i] as (typeof order)[number];
    // A phase must keep at least one day of its own: the next may start on its last day, not its first.
    if (dayNumber(start) <= dayNumber(prevStart) && prevEnd !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['phases', name, 'start'],
        message: `${name} starts ${start}, leaving ${prevName} (${prevStart}–${prevEnd}) no day of its own`,
      });
    } else if (dayNumber(start) < dayNumber(prevEnd ?? prevStart)) {
      ctx.addIssue({
        code: 'custom',
        path: ['phases', name, 'start'],
        message: `phases out of order: ${name} starts ${start}, before ${prevName} ends ${prevEnd}`,
      });
    }
  }
  const fieldKeys = new Set<string>();
  def.reporting.fields.forEach((field, index) => {
    if (fieldKeys.has(field.key)) {
      ctx.addIssue({
        code: 'custom',
        path: ['reporting', 'fields', index, 'key'],
        message: `duplicate report field "${field.key}"`,
      });
    }
    fieldKeys.add(field.key);
    if (
      field.type === 'number' &&
      field.min !== undefined &&
      field.max !== undefined &&
      field.min > field.max
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['reporting', 'fields', index, 'max'],
        message: `max (${field.max}) is below min (${field.min})`,
      });
    }
  });
  const checklist = def.acceptance.checklist;
  if (checklist.length > 0) {
    const total = checklist.reduce((n, i) => n + i.points, 0);
    if (Math.abs(total - 100) > 1e-9) {
      ctx.addIssue({
        code: 'custom',
        path: ['acceptance', 'checklist'],
        message: `the checklist's points add up to ${total}; they must add up to 100`,
      });
    }
    const seen = new Set<string>();
    checklist.forEach((item, index) => {
      if (seen.has(item.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['acceptance', 'checklist', index, 'id'],
          message: `duplicate checklist item id "${item.id}"`,
        });
      }
      seen.add(item.id);
    });
  }
  if (def.reporting.cadence === 'weekly' && def.reporting.secondStage) {
    const { cutoff, secondStage } = def.reporting;
    if (secondStage.weekday === cutoff.weekday && secondStage.time <= cutoff.time) {
      ctx.addIssue({
        code: 'custom',
        path: ['reporting', 'secondStage', 'time'],
        message: 'the second stage on the cutoff day must be later than the cutoff',
      });
    }
  }
};

export const CampaignDefinition = CampaignDefinitionShape.check(z.superRefine(crossFieldRules));

export type CampaignDefinition = z.infer<typeof CampaignDefinition>;
export type CampaignDefinitionInput = z.input<typeof CampaignDefinition>;

/** Days without any phase between two consecutive phases: allowed, but worth a warning. */
export const phaseGaps = (def: CampaignDefinition): string[] => {
  const { mobilize, rectify, inspect, longTerm } = def.phases;
  const pairs = [
    ['mobilize', mobilize.end, 'rectify', rectify.start],
    ['rectify', rectify.end, 'inspect', inspect.start],
    ['inspect', inspect.end, 'longTerm', longTerm.start],
  ] as const;
  return pairs.flatMap(([a, end, b, start]) => {
    const gap = dayNumber(start) - dayNumber(end) - 1;
    return gap > 0
      ? [`${gap} day(s) without a phase between ${a} (ends ${end}) and ${b} (starts ${start})`]
      : [];
  });
};

/**
 * The definition as kept on the campaign item: units are items of their own (a 1,000-unit
 * organisation would not fit the 400 KB item limit), so the stored copy has none.
 */
export const StoredDefinition = z.extend(CampaignDefinitionShape, {
  organisation: z.extend(Organisation, { units: z.array(Unit).check(z.maxLength(0)) }),
});
export type StoredDefinition = z.infer<typeof StoredDefinition>;

export const withoutUnits = (def: CampaignDefinition): StoredDefinition => ({
  ...def,
  organisation: { ...def.organisation, units: [] },
});
