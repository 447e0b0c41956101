import * as z from 'zod/mini';
import { LocalDate } from './local-date.ts';
import './zod-locale.ts';

/**
 * What a unit writes in its periodic report (工作进展). The base fields follow the seeds' report
 * templates (本周进展, 存在问题, 下周计划, and the counts every plan asks for); a campaign adds typed
 * fields of its own, as DingTalk 日志 templates do.
 */

/** The longest text a report field may hold; a whole week's account fits in far less. */
export const MAX_REPORT_TEXT = 10_000;
/** No count in a week's report comes near this; larger numbers are typing errors. */
export const MAX_COUNT = 1_000_000;
export const MAX_PHOTOS = 20;

export const COUNT_KEYS = [
  'sitesChecked',
  'hazardsFound',
  'hazardsFixed',
  'householdsVisited',
  'publicityEvents',
] as const;
export type CountKey = (typeof COUNT_KEYS)[number];

const Count = z
  .int({ error: 'must be a whole number' })
  .check(
    z.minimum(0, { error: 'must not be negative' }),
    z.maximum(MAX_COUNT, { error: `must be at most ${MAX_COUNT}` }),
  );

export const Counts = z
  .strictObject({
    sitesChecked: z._default(Count, 0),
    hazardsFound: z._default(Count, 0),
    hazardsFixed: z._default(Count, 0),
    householdsVisited: z._default(Count, 0),
    publicityEvents: z._default(Count, 0),
  })
  .check(
    // A negative count is already refused on its own; comparing it would only add a confusing second issue.
    z.refine((c) => c.hazardsFound < 0 || c.hazardsFixed < 0 || c.hazardsFixed <= c.hazardsFound, {
      error: 'hazardsFixed must not exceed hazardsFound in the same report',
      path: ['hazardsFixed'],
    }),
  );
export type Counts = z.infer<typeof Counts>;

export const ZERO_COUNTS: Counts = {
  sitesChecked: 0,
  hazardsFound: 0,
  hazardsFixed: 0,
  householdsVisited: 0,
  publicityEvents: 0,
};

const text = (max = MAX_REPORT_TEXT) =>
  z.string().check(z.maxLength(max, { error: `must be at most ${max} characters` }));

/** A photo is referenced, never embedded: an upload key or an https address. */
export const PhotoRef = z.string().check(
  z.minLength(1),
  z.maxLength(500),
  z.regex(/^(https:\/\/|s3:\/\/|photo:)\S+$/, {
    error: 'must be an https:// or s3:// address, or a photo: upload key',
  }),
);

const FieldKey = z
  .string()
  .check(z.regex(/^[a-z][a-zA-Z0-9]{0,39}$/, 'must be a camelCase key of up to 40 letters and digits'));

const FieldCommon = {
  key: FieldKey,
  label: z.string().check(z.trim(), z.minLength(1), z.maxLength(50)),
  required: z._default(z.boolean(), false),
};

/** A campaign's own report field (extra.<key>), typed like a DingTalk 日志 template control. */
export const ReportField = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('text'),
    ...FieldCommon,
    maxLength: z._default(z.int().check(z.minimum(1), z.maximum(MAX_REPORT_TEXT)), 2000),
  }),
  z.strictObject({
    type: z.literal('number'),
    ...FieldCommon,
    min: z.optional(z.number()),
    max: z.optional(z.number()),
    integer: z._default(z.boolean(), false),
    /** What it counts, e.g. 户 or 处; shown after the value. */
    unit: z.optional(z.string().check(z.maxLength(10))),
  }),
  z.strictObject({
    type: z.literal('choice'),
    ...FieldCommon,
    options: z
      .array(z.string().check(z.trim(), z.minLength(1), z.maxLength(50)))
      .check(z.minLength(2), z.maxLength(50)),
  }),
  z.strictObject({ type: z.literal('date'), ...FieldCommon }),
]);
export type ReportField = z.infer<typeof ReportField>;

const fieldSchema = (field: ReportField): z.ZodMiniType<string | number> => {
  switch (field.type) {
    case 'text':
      return text(field.maxLength).check(z.trim(), z.minLength(1, { error: 'must not be empty' }));
    case 'number': {
      let n = field.integer
        ? z.int({ error: 'must be a whole number' })
        : z.number({ error: 'must be a number' });
      if (field.min !== undefined)
        n = n.check(z.minimum(field.min, { error: `must be at least ${field.min}` }));
      if (field.max !== undefined)
        n = n.check(z.maximum(field.max, { error: `must be at most ${field.max}` }));
      return n;
    }
    case 'choice':
      return z.enum(field.options as [string, ...string[]], {
        error: `must be one of: ${field.options.join(', ')}`,
      });
    case 'date':
      return LocalDate;
  }
};

const baseShape = {
  progress: text().check(z.trim(), z.minLength(1, { error: 'is required: what the unit did this period' })),
  problems: z._default(text(), ''),
  nextSteps: z._default(text(), ''),
  counts: z._default(Counts, ZERO_COUNTS),
  photos: z._default(
    z.array(PhotoRef).check(z.maxLength(MAX_PHOTOS, { error: `at most ${MAX_PHOTOS} photos` })),
    [],
  ),
};

/** A stored report's content: the extra fields are whatever the campaign's template allowed. */
export const ReportContent = z.strictObject({
  ...baseShape,
  extra: z._default(z.record(z.string(), z.union([z.string(), z.number()])), {}),
});
export type ReportContent = z.infer<typeof ReportContent>;

/**
 * The validator for one campaign's reports: the base fields plus its own, each typed; anything
 * else is refused by name (strict objects), so a misspelt field is never silently dropped.
 */
export const reportContentSchema = (fields: readonly ReportField[]): z.ZodMiniType<ReportContent> => {
  const extra = Object.fromEntries(
    fields.map((f) => [f.key, f.required ? fieldSchema(f) : z.optional(fieldSchema(f))]),
  );
  const anyRequired = fields.some((f) => f.required);
  const extraSchema = z.strictObject(extra);
  return z.strictObject({
    ...baseShape,
    extra: anyRequired ? extraSchema : z._default(extraSchema, {}),
  }) as unknown as z.ZodMiniType<ReportContent>;
};
