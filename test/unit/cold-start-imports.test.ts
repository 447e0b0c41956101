import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * What the Lambda code must not import at load. No timings: these are facts about the source.
 * An ESM import of node:http builds the module's export facade, which reads its lazy WebSocket
 * getters and so loads undici: about 10 ms of a cold start. The SDK imports it lazily; so do we
 * (functions/shared/adapters/aws-request.ts). The SDK's DynamoDB client and document client are
 * about 190 KB of bundle and most of an import; the functions call DynamoDB with signed requests
 * (dynamodb-calls.ts) and take only the SDK's types and its marshalling (util-dynamodb).
 */
const root = join(import.meta.dirname, '..', '..', 'functions');
const sources = (readdirSync(root, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ file: relative(root, join(root, f)), text: readFileSync(join(root, f), 'utf8') }));

describe('imports on the cold-start path', () => {
  it('finds the Lambda sources', () => {
    expect(sources.length).toBeGreaterThan(50);
  });

  it('never imports node:http as a value', () => {
    const offenders = sources
      .filter(({ text }) => /^import (?!type )[^;]*from '(node:)?http';/m.test(text))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });

  it('never imports the SDK’s DynamoDB clients as values', () => {
    const offenders = sources
      .filter(({ text }) => /^import (?!type )[^;]*from '@aws-sdk\/(client|lib)-dynamodb';/m.test(text))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });
});
