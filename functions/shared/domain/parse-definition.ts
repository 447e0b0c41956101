import type { $ZodError } from 'zod/v4/core';
import { CampaignDefinition } from './definition.ts';
import { DefinitionError, type FieldIssue } from './errors.ts';

/**
 * Validation of an already-parsed definition, apart from the YAML loader so that the Lambdas
 * (which receive JSON) do not bundle a YAML parser: it is about 113 KB of every bundle otherwise.
 */

export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    return acc ? `${acc}.${String(key)}` : String(key);
  }, '');

export const zodIssues = (error: $ZodError): FieldIssue[] =>
  error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));

/** Validates an already-parsed value (API bodies, the local run's launches). */
export const parseDefinition = (value: unknown, source: string): CampaignDefinition => {
  const result = CampaignDefinition.safeParse(value);
  if (!result.success) throw new DefinitionError(source, zodIssues(result.error));
  return result.data;
};
