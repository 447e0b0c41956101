import { parseDocument } from 'yaml';
import type { CampaignDefinition } from './definition.ts';
import { DefinitionError } from './errors.ts';
import { parseDefinition } from './parse-definition.ts';

// The CLI and tests load YAML through this module; the Lambdas import parse-definition.ts directly.
export { formatPath, parseDefinition, zodIssues } from './parse-definition.ts';

/** Real plans fit in a few dozen KB even with 1,000 units; anything much bigger is a mistake or an attack. */
export const MAX_DEFINITION_BYTES = 1024 * 1024;
/** A plan has no use for YAML aliases beyond a handful; a "billion laughs" file has thousands. */
const MAX_ALIASES = 50;

/**
 * Parses YAML text into the mapping it holds, not yet validated (what the CLI sends the API as
 * JSON); every failure names `source`.
 */
export const parseYamlMapping = (text: string, source: string): Record<string, unknown> => {
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
  return value as Record<string, unknown>;
};

/** Parses YAML text into a validated definition; every failure names `source` and the field. */
export const parseDefinitionYaml = (text: string, source: string): CampaignDefinition =>
  parseDefinition(parseYamlMapping(text, source), source);
