import * as z from 'zod';
import { LocalDate } from './local-date.ts';

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
  .min(0, { error: 'must not be negative' })
  .max(MAX_COUNT, { error: `must be at most ${MAX_COUNT}` });

export const Counts = z
  .strictObject({
    sitesChecked: Count.default(0),
    hazardsFound: Count.default(0),
    hazardsFixed: Count.default(0),
    householdsVisited: Count.default(0),
    publicityEvents: Count.default(0),
  })
  // A negative count is already refused on its own; comparing it would only add a confusing second issue.
  .refine((c) => c.hazardsFound < 0 || c.hazardsFixed < 0 || c.hazardsFixed <= c.hazardsFound, {
    error: 'hazardsFixed must not exceed hazardsFound in the same report',
    path: ['hazardsFixed'],
  });
export type Counts = z.infer<typeof Counts>;

export const ZERO_COUNTS: Counts = {
  sitesChecked: 0,
  hazardsFound: 0,
  hazardsFixed: 0,
  householdsVisited: 0,
  publicityEvents: 0,
};

const text = (max = MAX_REPORT_TEXT) => z.string().max(max, { error: `must be at most ${max} characters` });

/** A photo is referenced, never embedded: an upload key or an https address. */
export const PhotoRef = z
  .string()
  .min(1)
  .max(500)
  .regex(/^(https:\/\/|s3:\/\/|photo:)\S+$/, {
    error: 'must be an https:// or s3:// address, or a photo: upload key',
  });

const FieldKey = z
  .string()
  .regex(/^[a-z][a-zA-Z0-9]{0,39}$/, 'must be a camelCase key of up to 40 letters and digits');

const FieldCommon = {
  key: FieldKey,
  label: z.string().trim().min(1).max(50),
  required: z.boolean().default(false),
};

/** A campaign's own report field (extra.<key>), typed like a DingTalk 日志 template control. */
export const ReportField = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('text'),
    ...FieldCommon,
    maxLength: z.int().min(1).max(MAX_REPORT_TEXT).default(2000),
  }),
  z.strictObject({
    type: z.literal('number'),
    ...FieldCommon,
    min: z.number().optional(),
    max: z.number().optional(),
    integer: z.boolean().default(false),
    /** What it counts, e.g. 户 or 处; shown after the value. */
    unit: z.string().max(10).optional(),
  }),
  z.strictObject({
    type: z.literal('choice'),
    ...FieldCommon,
    options: z.array(z.string().trim().min(1).max(50)).min(2).max(50),
  }),
  z.strictObject({ type: z.literal('date'), ...FieldCommon }),
]);
export type ReportField = z.infer<typeof ReportField>;

const fieldSchema = (field: ReportField): z.ZodType<string | number> => {
  switch (field.type) {
    case 'text':
      return text(field.maxLength).trim().min(1, { error: 'must not be empty' });
    case 'number': {
      let n = field.integer
        ? z.int({ error: 'must be a whole number' })
        : z.number({ error: 'must be a number' });
      if (field.min !== undefined) n = n.min(field.min, { error: `must be at least ${field.min}` });
      if (field.max !== undefined) n = n.max(field.max, { error: `must be at most ${field.max}` });
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
  progress: text().trim().min(1, { error: 'is required: what the unit did this period' }),
  problems: text().default(''),
  nextSteps: text().default(''),
  counts: Counts.default(ZERO_COUNTS),
  photos: z
    .array(PhotoRef)
    .max(MAX_PHOTOS, { error: `at most ${MAX_PHOTOS} photos` })
    .default([]),
};

/** A stored report's content: the extra fields are whatever the campaign's template allowed. */
export const ReportContent = z.strictObject({
  ...baseShape,
  extra: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
});
export type ReportContent = z.infer<typeof ReportContent>;

/**
 * The validator for one campaign's reports: the base fields plus its own, each typed; anything
 * else is refused by name (strict objects), so a misspelt field is never silently dropped.
 */
export const reportContentSchema = (fields: readonly ReportField[]): z.ZodType<ReportContent> => {
  const extra = Object.fromEntries(
    fields.map((f) => [f.key, f.required ? fieldSchema(f) : fieldSchema(f).optional()]),
  );
  const anyRequired = fields.some((f) => f.required);
  const extraSchema = z.strictObject(extra);
  return z.strictObject({
    ...baseShape,
    extra: anyRequired ? extraSchema : extraSchema.default({}),
  }) as unknown as z.ZodType<ReportContent>;
};
