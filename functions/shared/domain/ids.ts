import * as z from 'zod/mini';
import './zod-locale.ts';

/** Ids as definitions write them (campaigns, units, tasks, checklist items): 2–63 of `a-z0-9-`. */
export const Slug = z
  .string()
  .check(
    z.regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2–63 characters of lower-case letters, digits and "-"'),
  );
