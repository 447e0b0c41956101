import { parseDocument } from 'yaml';
import type * as z from 'zod';
import { CampaignDefinition } from './definition.ts';
import { DefinitionError, type FieldIssue } from './errors.ts';

/** Real plans fit in a few dozen KB even with 1,000 units; anything much bigger is a mistake or an attack. */
export const MAX_DEFINITION_BYTES = 1024 * 1024;
/** A plan has no use for YAML aliases beyond a handful; a "billion laughs" file has thousands. */
const MAX_ALIASES = 50;

export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    return acc ? `${acc}.${String(key)}` : String(key);
  }, '');

export const zodIssues = (error: z.ZodError): FieldIssue[] =>
  error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));

/** Validates an already-parsed value (API bodies, launch events). */
export const parseDefinition = (value: unknown, source: string): CampaignDefinition => {
  const result = CampaignDefinition.safeParse(value);
  if (!result.success) throw new DefinitionError(source, zodIssues(result.error));
  return result.data;
};

/** Parses YAML text into a validated definition; every failure names `source` and the field. */
export const parseDefinitionYaml = (text: string, source: string): CampaignDefinition => {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_DEFINITION_BYTES) {
    throw new DefinitionError(source, [
      { path: '', message: `file is ${bytes} bytes; the limit is ${MAX_DEFINITION_BYTES} bytes` },
    ]);
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, strict: true, version: '1.2' });
  if (doc.errors.length > 0) {
    throw new DefinitionError(
      source,
      doc.errors.map((e) => ({ path: '', message: `not valid YAML: ${e.message.split('\n')[0]}` })),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    throw new DefinitionError(source, [
      {
        path: '',
        message: `refused: ${(error as Error).message} (YAML aliases are limited to ${MAX_ALIASES})`,
      },
    ]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new DefinitionError(source, [
      { path: '', message: 'not a campaign definition: expected a YAML mapping' },
    ]);
  }
  return parseDefinition(value, source);
};
