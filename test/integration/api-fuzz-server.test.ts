import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { DEV_ISSUER, mintDevToken } from '../../bin/local/dev-tokens.ts';
import { documentClient } from '../../bin/local/dynamodb-local.ts';
import { LocalRuntime } from '../../bin/local/runtime.ts';
import { type ApiServer, startApiServer } from '../../bin/local/server.ts';
import { FileBulletinArchive } from '../../functions/shared/adapters/bulletin-archive.ts';
import { Logger } from '../../functions/shared/adapters/logger.ts';
import { keys } from '../../functions/shared/adapters/table-design.ts';
import { MAX_BODY_BYTES } from '../../functions/shared/http/api-handler.ts';
import { ROUTES } from '../../functions/shared/http/api-routes.ts';
import openApi from '../../openapi.json' with { type: 'json' };
import { CAMPAIGN, fixtureYaml } from '../support/api-world.ts';
import { sharedDb } from '../support/local-db.ts';

/**
 * Malformed requests over real HTTP: `zhili serve`'s server (node:http, dev tokens verified as the
 * JWT authorizer does, the three handlers) on DynamoDB Local, with a campaign launched and worked
 * on. A smaller fast-check run than the unit fuzz test (test/unit/api-fuzz.test.ts), for what only
 * the server does: raw paths and query strings, headers, bodies as bytes, real tokens (expired,
 * another secret, another audience, not a JWT). Every request is broken somewhere, so every answer
 * is a 4xx with `{error, message}`, and the campaign's partition in DynamoDB stays as it was.
 * Nothing the server or the handlers log holds the tokens, a robot's secret or a password.
 *
 * FUZZ_SEED and FUZZ_PATH replay a failure (the seed is in the describe name); FUZZ_RUNS widens it.
 */

const SEED = process.env.FUZZ_SEED
  ? Number(process.env.FUZZ_SEED)
  : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 50;

const START = '2027-02-20T09:00:00+08:00';
const base = `/campaigns/${CAMPAIGN}`;
const PASSWORD = 'hunter2-Pa55w0rd!-never-logged';
const ROBOT_SECRET = 'SEC7e1c0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918070f';

describe(`zhili serve under fuzzing (FUZZ_SEED=${SEED}, ${RUNS} runs)`, () => {
  let runtime: LocalRuntime;
  let server: ApiServer;
  let tableName: string;
  const secret = new Uint8Array(randomBytes(32));
  const tokens: Record<string, string> = {};
  /** Everything logged: the handlers' logger, the server's access lines, and stdout (the runtime's Lambdas). */
  const logged: string[] = [];

  /** The items of the campaign's partition and of the registry, as DynamoDB holds them. */
  const partition = async (): Promise<unknown[]> => {
    const doc = documentClient(sharedDb().client);
    const items: unknown[] = [];
    for (const pk of [keys.campaign(CAMPAIGN), keys.registry]) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pk },
            ExclusiveStartKey: start,
          }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
    }
    return items;
  };

  const send = async (
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: Buffer } = {},
  ) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: init.headers ?? {},
      ...(init.body !== undefined ? { body: new Uint8Array(init.body) } : {}),
    });
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json')
      ? JSON.parse(text)
      : null;
    return {
      status: response.status,
      headers: response.headers,
      body: json as Record<string, unknown> | null,
      text,
    };
  };

  beforeAll(async () => {
    const out = await mkdtemp(join(tmpdir(), 'zhili-fuzz-'));
    tableName = `fuzz-${randomUUID().slice(0, 8)}`;
    runtime = await LocalRuntime.start({
      outDir: out,
      db: sharedDb(),
      tableName,
      pauseAt: new Date(START).toISOString(),
      archive: new FileBulletinArchive((campaignId) => join(out, campaignId)),
    });
    const logger = new Logger('zhili-api-fuzz', 'DEBUG');
    server = await startApiServer({
      store: runtime.store,
      engine: runtime,
      archive: runtime.archive,
      play: (to) => runtime.playUntil(to),
      secret,
      openApi: async () => openApi,
      clock: START,
      port: 0,
      logger,
      onRequest: (line) => logged.push(line),
    });
    tokens.admin = await mintDevToken(secret, { role: 'admin', name: '王建国' });
    tokens.office = await mintDevToken(secret, { role: 'office', name: '李明' });
    tokens.leader = await mintDevToken(secret, { role: 'leader', name: '王建国' });
    tokens.police = await mintDevToken(secret, { role: 'liaison', unit: 'police-station', name: '孙伟' });
    tokens.grid = await mintDevToken(secret, { role: 'gridWorker', unit: 'dongfeng-grid-1', name: '陈刚' });
    tokens.expired = await mintDevToken(secret, { role: 'admin' }, '1 hour ago');
    tokens.otherSecret = await mintDevToken(new Uint8Array(randomBytes(32)), { role: 'admin' });
    tokens.otherAudience = await new SignJWT({ 'cognito:groups': ['admin'], name: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('s')
      .setIssuer(DEV_ISSUER)
      .setAudience('someone-else')
      .setExpirationTime('1h')
      .sign(secret);
    tokens.none = await new SignJWT({ 'cognito:groups': ['admin'], name: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('s')
      .setIssuer(DEV_ISSUER)
      .setAudience('zhili-local')
      .sign(secret); // no exp

    // A campaign with something in it: created, launched, played into rectify, a report and a hazard.
    const json = (token: string, body: unknown) => ({
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(body)),
    });
    const seeded = [
      await send('POST', '/campaigns', json(tokens.admin as string, { definition: parse(fixtureYaml()) })),
      await send('POST', `${base}/launch`, json(tokens.admin as string, {})),
      await send('POST', '/_local/clock', json(tokens.admin as string, { to: '2027-03-02T09:00:00+08:00' })),
      await send(
        'POST',
        `${base}/reports`,
        json(tokens.police as string, {
          unitId: 'police-station',
          period: '2027-03-08',
          content: { progress: '完成商户消防检查' },
        }),
      ),
      await send(
        'POST',
        `${base}/hazards`,
        json(tokens.grid as string, {
          unitId: 'dongfeng-grid-1',
          location: '幸福路12号',
          category: '消防通道',
          description: '安全出口堆放杂物',
        }),
      ),
    ];
    expect(seeded.map((a) => a.status)).toEqual([201, 200, 200, 201, 201]);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await runtime?.close();
  });

  // Generators ------------------------------------------------------------------------------------

  /** A path of the API with one segment made odd, raw as it goes on the wire. */
  const oddPath = fc
    .tuple(
      fc.constantFrom(...ROUTES.filter((r) => r.path.includes('{'))),
      fc.constantFrom(
        '',
        '..',
        '..%2F..%2Fetc%2Fpasswd',
        '%2e%2e',
        '%00',
        'a%00b',
        '%zz',
        '%',
        '%F0%9F%98%80',
        '%E4%B8%9C%E9%A3%8E',
        '%ED%A0%80',
        'MINIMAL-2027',
        'x'.repeat(3000),
        '__proto__',
        'hz-0000000000',
        '2027-02-30',
      ),
    )
    .map(([route, odd]) => {
      const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const oddOne = params[params.length - 1];
      return {
        method: route.method as string,
        path: route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
          name === oddOne ? odd : name === 'campaignId' ? CAMPAIGN : 'x1',
        ),
      };
    });

  const tokenArb = fc.oneof(
    fc.constant(undefined),
    fc
      .constantFrom('expired', 'otherSecret', 'otherAudience', 'none')
      .map((name) => `Bearer ${tokens[name]}`),
    fc.constantFrom(
      '',
      'Bearer',
      'Bearer ',
      'bearer not.a.jwt',
      `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`,
      'Bearer a.b.c',
      `Bearer ${'x'.repeat(9000)}`,
      `Bearer ${ROBOT_SECRET}`,
    ),
    fc.string({ maxLength: 40 }).map((s) => `Bearer ${s.replace(/[^\x21-\x7e]/g, 'x')}`),
  );

  /** A request broken in one way: its token, its path, its query, its body bytes or its content type. */
  const brokenRequest = fc.oneof(
    // A token the authorizer refuses, on any route but the public one.
    fc
      .tuple(fc.constantFrom(...ROUTES.filter((r) => !('public' in r))), tokenArb)
      .map(([route, authorization]) => ({
        kind: 'token',
        method: route.method as string,
        path: route.path.replace(/\{(\w+)\}/g, (_, n: string) => (n === 'campaignId' ? CAMPAIGN : 'x1')),
        headers: (authorization === undefined ? {} : { authorization }) as Record<string, string>,
        body: undefined as Buffer | undefined,
      })),
    // An odd path, as the admin.
    oddPath.map(({ method, path }) => ({
      kind: 'path',
      method,
      path,
      headers: { authorization: `Bearer ${tokens.admin}` },
      body: undefined as Buffer | undefined,
    })),
    // A query parameter no route takes, raw, as the admin on a route that reads.
    fc
      .tuple(
        fc.constantFrom(`${base}/hazards`, `${base}/reports`, `${base}/notifications`, '/campaigns'),
        fc.constantFrom(
          '?__proto__=1',
          '?constructor=x',
          `?access_token=${ROBOT_SECRET}`,
          `?password=${encodeURIComponent(PASSWORD)}`,
          '?%zz=1',
          '?unit=police-station&unit=police-station&colour=red',
          `?${'a'.repeat(5000)}=1`,
          '?status=dead&status=sent&x',
          '?=',
        ),
      )
      .map(([path, query]) => ({
        kind: 'query',
        method: 'GET',
        path: `${path}${query}`,
        headers: { authorization: `Bearer ${tokens.office}` },
        body: undefined as Buffer | undefined,
      })),
    // Bytes that are not the JSON they claim, or not claimed as JSON, as the admin on a route with a body.
    fc
      .tuple(
        fc.constantFrom(
          ['POST', `${base}/pause`],
          ['POST', `${base}/extend`],
          ['POST', `${base}/hazards`],
          ['POST', `${base}/reports`],
          ['PATCH', `${base}/units/police-station`],
          ['POST', '/campaigns'],
          ['POST', '/definitions/validate'],
          ['POST', `${base}/notifications/retry`],
        ),
        fc.oneof(
          // No JSON text ends with a comma: whatever comes between, these never parse.
          fc.string({ unit: 'binary', maxLength: 100 }).map((s) => Buffer.from(`{${s},`)),
          fc
            .uint8Array({ maxLength: 200 })
            .map((b) => Buffer.concat([Buffer.from('{"'), Buffer.from(b), Buffer.from(',')])),
          fc.constant(Buffer.from(`{"reason": "x", "password": "${PASSWORD}"`)),
          fc.constant(Buffer.from('{"reason":"检查"}', 'utf16le')),
          fc.constant(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d, 0x7d])),
          fc.constant(Buffer.from(`${'['.repeat(10_000)}${']'.repeat(10_000)}`)),
          fc.constant(Buffer.from(`{"reason":"${'x'.repeat(MAX_BODY_BYTES)}"}`)),
          fc.constant(Buffer.from('null')),
          fc.constant(Buffer.from('[]')),
        ),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/octet-stream',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
        ),
      )
      .map(([[method, path], body, contentType]) => ({
        kind: 'body',
        method: method as string,
        path: path as string,
        headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': contentType },
        body: body as Buffer | undefined,
      })),
    // A unit role on another unit's items, or writing where its role may not.
    fc
      .constantFrom(
        ['police', 'GET', `${base}/units/dongfeng-community`],
        ['police', 'GET', `${base}/reports?unitId=dongfeng-grid-1`],
        ['grid', 'POST', `${base}/reports`],
        ['leader', 'POST', `${base}/close`],
        ['leader', 'POST', `${base}/hazards`],
        ['grid', 'GET', `${base}/notifications`],
        ['office', 'POST', '/_local/clock'],
      )
      .map(([who, method, path]) => ({
        kind: 'role',
        method: method as string,
        path: path as string,
        headers: {
          authorization: `Bearer ${tokens[who as string]}`,
          'content-type': 'application/json',
          cookie: `pw=${PASSWORD}`,
        },
        body: method === 'POST' ? Buffer.from(JSON.stringify({ reason: PASSWORD, to: 'x' })) : undefined,
      })),
  );

  it('answers every broken request with a 4xx that names the problem, and writes nothing to DynamoDB', async () => {
    const before = await partition();
    expect(before.length).toBeGreaterThan(20);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    });
    try {
      await fc.assert(
        fc.asyncProperty(brokenRequest, async (request) => {
          const answer = await send(request.method, request.path, {
            headers: request.headers,
            ...(request.body ? { body: request.body } : {}),
          });
          expect(answer.status, answer.text).toBeGreaterThanOrEqual(400);
          expect(answer.status, answer.text).toBeLessThan(500);
          expect(answer.body?.error, answer.text).toMatch(/^[A-Z]\w+Error$/);
          expect(String(answer.body?.message ?? '').length, answer.text).toBeGreaterThan(10);
          const after = await partition();
          expect(after.length, 'items in the campaign’s partition and the registry').toBe(before.length);
          expect(after).toEqual(before);
        }),
        {
          seed: SEED,
          numRuns: RUNS,
          ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
        },
      );
    } finally {
      stdout.mockRestore();
    }
    // The tokens (each JWT's signature), the robot secret and the password were sent; none was logged.
    const log = logged.join('\n');
    for (const token of Object.values(tokens)) expect(log).not.toContain(token.split('.')[2]);
    expect(log).not.toContain(ROBOT_SECRET);
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain(encodeURIComponent(PASSWORD));
  }, 120_000);
});
