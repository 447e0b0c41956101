import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatPath } from '../../functions/shared/domain/parse-definition.ts';
import type { ApiEvent } from '../../functions/shared/http/api-handler.ts';
import { MAX_BODY_BYTES } from '../../functions/shared/http/api-handler.ts';
import { ROLES, ROUTES, type RouteId, type RouteMeta } from '../../functions/shared/http/api-routes.ts';
import type { RouteSchema } from '../../functions/shared/http/route-schema.ts';
import { campaignSchemas } from '../../functions/shared/http/schemas/campaigns.ts';
import { notificationSchemas } from '../../functions/shared/http/schemas/notifications.ts';
import { workSchemas } from '../../functions/shared/http/schemas/work.ts';
import { type Claims, call, claimsOf } from '../support/api-events.ts';
import { minimalDefinition } from '../support/api-world.ts';
import {
  AT,
  CAMPAIGN,
  DRAFT,
  forkWorld,
  PEOPLE,
  PERIOD,
  type SeededWorld,
  seededWorld,
  UNITS,
} from '../support/seeded-world.ts';

/**
 * Property-based fuzzing of every route of the HTTP API through the real Lambda handlers, on a
 * seeded campaign (test/support/seeded-world.ts). Each case starts from a request the route accepts
 * (or refuses for a reason of the campaign's state), breaks it in one way, and sends it to a fresh
 * copy of the world, so that cases do not depend on one another and a seed and path replay one
 * case exactly. The properties: never a 5xx; every refusal a 4xx whose body names the error and
 * says what is wrong; nothing written on a refusal (store, workflow engine, archive).
 *
 * Reproduce a failure with the seed and path fast-check prints (and the test's name):
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run test/unit/api-fuzz.test.ts -t '<test name>'
 * FUZZ_RUNS sets the runs per property (default 300).
 */

const SEED = process.env.FUZZ_SEED
  ? Number(process.env.FUZZ_SEED)
  : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 300;
const settings = (share = 1): fc.Parameters<unknown> => ({
  seed: SEED,
  numRuns: Math.max(1, Math.round(RUNS * share)),
  ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
});

type Json = fc.JsonValue;
type Path = (string | number)[];

/** A request as the generators see it: everything API Gateway would hand the Lambda, still as data. */
interface Request {
  route: RouteMeta;
  params: Record<string, string>;
  query: [string, string][];
  headers: Record<string, string>;
  /** The raw body text and whether the event says it is base64. */
  body?: { text: string; base64: boolean };
  claims?: Record<string, unknown>;
}

/** A request each route accepts in the seeded world (see `baseRequests`), before it is broken. */
interface Base {
  claims?: Claims;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: Json;
}

const definitionJson = (id: string): Json =>
  JSON.parse(JSON.stringify({ ...minimalDefinition(), id })) as Json;

const content = { progress: '完成辖区商户消防检查', counts: { sitesChecked: 3, hazardsFound: 1 } };

/** Every route's starting points; a route added to ROUTES without one does not compile. */
const baseRequests = (world: SeededWorld): Record<RouteId, Base[]> => {
  const { gridReported, policeOrdered, communitySubmitted, gridAssignedToPolice } = world.hazards;
  const campaign = { campaignId: CAMPAIGN };
  const reason = { reason: '检查组进驻' };
  return {
    validateDefinition: [{ claims: PEOPLE.office, body: { definition: definitionJson('fuzz-2027') } }],
    listCampaigns: [{ claims: PEOPLE.leader }],
    createCampaign: [{ claims: PEOPLE.admin, body: { definition: definitionJson('fuzz-2027') } }],
    getCampaign: [{ claims: PEOPLE.leader, params: campaign }],
    launchCampaign: [
      { claims: PEOPLE.admin, params: { campaignId: DRAFT } },
      { claims: PEOPLE.admin, params: { campaignId: DRAFT }, body: {} },
    ],
    pauseCampaign: [{ claims: PEOPLE.admin, params: campaign, body: reason }],
    // The campaign runs: a resume is refused (409), which is still a refusal that must write nothing.
    resumeCampaign: [{ claims: PEOPLE.admin, params: campaign, body: reason }],
    advancePhase: [{ claims: PEOPLE.admin, params: campaign, body: reason }],
    extendPhase: [{ claims: PEOPLE.admin, params: campaign, body: { ...reason, days: 3 } }],
    closeCampaign: [{ claims: PEOPLE.admin, params: campaign, body: reason }],
    listAudit: [{ claims: PEOPLE.office, params: campaign }],
    listUnits: [{ claims: PEOPLE.police, params: campaign }],
    getUnit: [{ claims: PEOPLE.police, params: { ...campaign, unitId: 'police-station' } }],
    updateUnitMembers: [
      {
        claims: PEOPLE.office,
        params: { ...campaign, unitId: 'police-station' },
        body: { liaison: { name: '周涛', title: '社区民警', phone: '13800000023' }, reason: '人员调整' },
      },
    ],
    submitReport: [
      {
        claims: PEOPLE.police,
        params: campaign,
        body: { unitId: 'police-station', period: PERIOD, content },
      },
    ],
    listReports: [{ claims: PEOPLE.police, params: campaign, query: { period: PERIOD } }],
    listBulletins: [{ claims: PEOPLE.leader, params: campaign }],
    getBulletin: [
      { claims: PEOPLE.leader, params: { ...campaign, period: '2027-03-01' } },
      { claims: PEOPLE.leader, params: { ...campaign, period: '2027-03-01' }, query: { format: 'md' } },
    ],
    recordInspection: [
      {
        claims: PEOPLE.office,
        params: campaign,
        body: { unitId: 'police-station', score: 86, notes: '良好' },
      },
    ],
    completeTask: [
      { claims: PEOPLE.police, params: { ...campaign, taskId: 'anti-fraud-publicity' } },
      { claims: PEOPLE.police, params: { ...campaign, taskId: 'anti-fraud-publicity' }, body: {} },
    ],
    reportHazard: [
      {
        claims: PEOPLE.grid,
        params: campaign,
        body: {
          unitId: 'dongfeng-grid-1',
          location: '幸福路8号',
          category: '电动车',
          description: '楼道内电动车充电',
          urgency: 'red',
          fixedOnSpot: { text: '已劝离', photos: ['photo:1'] },
        },
      },
    ],
    listHazards: [{ claims: PEOPLE.grid, params: campaign, query: { open: 'true', state: 'reported' } }],
    getHazard: [{ claims: PEOPLE.grid, params: { ...campaign, hazardId: gridReported.id } }],
    actOnHazard: [
      {
        claims: PEOPLE.grid,
        params: { ...campaign, hazardId: gridReported.id, action: 'order' },
        body: { measures: '清理杂物', deadline: '2027-03-04T18:00:00+08:00' },
      },
      {
        claims: PEOPLE.police,
        params: { ...campaign, hazardId: policeOrdered.id, action: 'submit' },
        body: { evidence: { text: '已清理', photos: ['photo:after-1'] } },
      },
      {
        claims: PEOPLE.office,
        params: { ...campaign, hazardId: communitySubmitted.id, action: 'verify' },
        body: { passed: false, reason: '仍有杂物', deadline: '2027-03-06T18:00:00+08:00' },
      },
      {
        claims: PEOPLE.police,
        params: { ...campaign, hazardId: gridAssignedToPolice.id, action: 'decline' },
        body: { reason: '不属本单位职责' },
      },
      {
        claims: PEOPLE.office,
        params: { ...campaign, hazardId: policeOrdered.id, action: 'close' },
        body: { reason: '无法整改，已报上级' },
      },
      {
        claims: PEOPLE.police,
        params: { ...campaign, hazardId: gridAssignedToPolice.id, action: 'update' },
        body: { urgency: 'red', description: '扩大', reason: '复查' },
      },
    ],
    listNotifications: [{ claims: PEOPLE.office, params: campaign, query: { status: 'dead' } }],
    retryNotifications: [
      { claims: PEOPLE.office, params: campaign, body: { ids: [world.notifications.dead] } },
    ],
    getOpenApi: [{}],
  };
};

const ROUTE_BY_ID = new Map<string, RouteMeta>(ROUTES.map((r) => [r.id, r]));

const requestOf = (route: RouteMeta, base: Base): Request => ({
  route,
  params: { ...base.params },
  query: Object.entries(base.query ?? {}),
  headers: {
    authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.fuzz.c2ln',
    ...(base.body !== undefined ? { 'content-type': 'application/json' } : {}),
  },
  ...(base.body !== undefined ? { body: { text: JSON.stringify(base.body), base64: false } } : {}),
  ...(base.claims ? { claims: base.claims } : {}),
});

/** The event API Gateway would build; query and params as own properties whatever their names (`__proto__`). */
const eventOf = (request: Request): ApiEvent => {
  const routeKey = `${request.route.method} ${request.route.path}`;
  const rawPath = request.route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent((request.params[name] ?? '').toWellFormed()),
  );
  const query = Object.fromEntries(request.query);
  const epoch = Date.parse(AT);
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(request.query).toString(),
    headers: request.headers,
    ...(request.query.length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(request.params).length > 0 ? { pathParameters: request.params } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'fuzz',
      domainName: 'api.test',
      domainPrefix: 'api',
      http: {
        method: request.route.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'fuzz',
      },
      requestId: `fuzz-${Math.random().toString(36).slice(2)}`,
      routeKey,
      stage: '$default',
      time: new Date(epoch).toISOString(),
      timeEpoch: epoch,
      ...(request.claims ? { authorizer: { jwt: { claims: request.claims, scopes: null } } } : {}),
    } as ApiEvent['requestContext'],
    ...(request.body
      ? { body: request.body.text, isBase64Encoded: request.body.base64 }
      : { isBase64Encoded: false }),
  };
};

/** The top-level names of what a request carries: path parameters, query parameters, body fields. */
const fieldsOf = (request: Request): Set<string> => {
  const body = (() => {
    try {
      const text = request.body?.base64
        ? Buffer.from(request.body.text, 'base64').toString('utf8')
        : request.body?.text;
      const value = JSON.parse(text ?? 'null') as unknown;
      return value !== null && typeof value === 'object' ? Object.keys(value) : [];
    } catch {
      return [];
    }
  })();
  return new Set([...Object.keys(request.params), ...request.query.map(([k]) => k), ...body]);
};

/** What a refusal must leave as it was. */
const footprint = (world: SeededWorld) => ({
  writes: world.store.writes,
  table: world.store.snapshot(),
  starts: world.engine.starts.length,
  stops: world.engine.stops.length,
  documents: world.archive.documents.size,
});

const ERROR_OF: Record<number, readonly string[]> = {
  400: ['ValidationError', 'DefinitionError'],
  401: ['UnauthorizedError'],
  403: ['ForbiddenError'],
  404: ['NotFoundError'],
  409: ['ConflictError'],
  413: ['PayloadTooLargeError'],
  415: ['UnsupportedMediaTypeError'],
};

interface Outcome {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | number | boolean>;
}

/**
 * Sends a request to a fresh copy of the world and checks what holds for every request: no 5xx;
 * a refusal is one of the API's 4xx with `{error, message}`, the message saying what is wrong, and
 * it leaves the store, the engine and the archive as they were (a 409 may have tried a conditional
 * write that failed: the table is unchanged, the write counter may not be).
 */
const sendTo = async (world: SeededWorld, request: Request): Promise<Outcome & { world: SeededWorld }> => {
  const before = footprint(world);
  const answer = await call(world.handlers[request.route.fn], eventOf(request));
  const after = footprint(world);
  expect(answer.status, answer.text).toBeLessThan(500);
  if (answer.status >= 400) {
    expect(Object.keys(ERROR_OF)).toContain(String(answer.status));
    expect(ERROR_OF[answer.status]).toContain(answer.body.error);
    expect(typeof answer.body.message).toBe('string');
    expect(String(answer.body.message).trim().length).toBeGreaterThan(10);
    if (answer.status === 401) expect(answer.headers['www-authenticate']).toBe('Bearer');
    if (answer.status === 400) {
      const issues = answer.body.issues as { path: string; message: string }[] | undefined;
      expect(issues?.length, answer.text).toBeGreaterThan(0);
      // Each issue names a field the request has (or the whole of it); a definition's, a field of the definition.
      if (answer.body.error === 'ValidationError') {
        const known = new Set([...fieldsOf(request), ...schemaFieldsOf(request.route.id as RouteId)]);
        for (const issue of issues ?? []) {
          const field = issue.path.split(/[.[]/)[0] ?? '';
          expect(
            field === '' || known.has(field),
            `${issue.path} is neither sent nor asked for: ${answer.text}`,
          ).toBe(true);
        }
      }
    }
    const { writes, ...unchanged } = before;
    expect({ ...after, writes: undefined }).toEqual({ ...unchanged, writes: undefined });
    if (answer.status !== 409) expect(after.writes).toBe(writes);
  }
  return { ...answer, world };
};

/** `sendTo` a fresh copy of the seeded world: each case on its own, so that a seed and path replay it. */
const send = (template: SeededWorld, request: Request) => sendTo(forkWorld(template), request);

// Generators -------------------------------------------------------------------------------------

const BAD_STRINGS = [
  '',
  ' ',
  '../',
  '../../etc/passwd',
  '..%2F..%2F',
  '%00',
  '\u0000',
  'a\u0000b',
  '%',
  '%zz',
  '.',
  'a/b',
  '\\',
  '\u202e',
  '\ud800',
  '\ufeff',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  '0',
  '-1',
  'true',
  '[]',
  '{}',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '\u0024{jndi:ldap://x}',
  'MINIMAL-2027',
  'no-such-campaign',
  'hz-0000000000',
  'hz-ffffffffff',
  '2027-02-30',
  '9999-12-31',
  '0000-01-01',
  '2027-03-15',
  '东风派出所',
  '😀',
] as const;

/** Odd strings: the classics, unicode of every plane, and long ones. */
const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...BAD_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }), fc.integer({ min: 64, max: 5000 }))
      .map(([s, n]) => s.repeat(n)),
  },
);

/** A long string that still fits in the body limit: the text-size checks inside it must answer. */
const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('a', '东', ' ', '😀', '\\', '"', 'ab-'), fc.integer({ min: 1_000, max: 60_000 }))
  .map(([s, n]) => s.repeat(n));

/** Any JSON value, and the ones schemas trip on most. */
const anyJson: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Json>(
      null,
      0,
      -1,
      1e308,
      -0,
      1.5,
      2 ** 53 + 1,
      '',
      [],
      {},
      true,
      false,
      [null],
      JSON.parse('{"__proto__":{"admin":true}}') as Json,
    ),
  },
  { weight: 1, arbitrary: oddString },
  { weight: 1, arbitrary: hugeString },
);

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Another value of the same kind as `value`: dates, times and instants at their edges, numbers near theirs, the body's own strings elsewhere. */
const nudged = (value: Json, strings: string[]): fc.Arbitrary<Json> => {
  if (typeof value === 'string') {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      return fc.oneof(
        fc
          .tuple(
            fc.integer({ min: 1899, max: 2300 }),
            fc.integer({ min: 0, max: 13 }),
            fc.integer({ min: 0, max: 32 }),
          )
          .map(([y, m, d]) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`),
        fc.constantFrom(
          '2027-02-29',
          '2028-02-29',
          '2027-12-31',
          '2028-01-01',
          '2004-01-01',
          '2026-12-31',
          '2100-01-01',
        ),
      );
    }
    if (/^\d{2}:\d{2}$/.test(value)) {
      return fc
        .tuple(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }))
        .map(([h, m]) => `${pad(h)}:${pad(m)}`);
    }
    if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
      return fc
        .tuple(
          fc.date({
            min: new Date('1900-01-01T00:00:00Z'),
            max: new Date('2300-01-01T00:00:00Z'),
            noInvalidDate: true,
          }),
          fc.constantFrom('Z', '+08:00', '+14:00', '-12:00', '+23:59', '.123456789Z'),
        )
        .map(([d, zone]) => d.toISOString().replace(/\.\d{3}Z$/, zone));
    }
    return fc.oneof(fc.constantFrom(...strings), oddString);
  }
  if (typeof value === 'number') {
    return fc.oneof(
      fc.integer({ min: -3, max: 400 }),
      fc.double({ noNaN: true }),
      fc.constantFrom(0, -0, 0.5, 1e6, 2 ** 31, Number.MAX_SAFE_INTEGER, 1e21),
    );
  }
  if (typeof value === 'boolean') return fc.constant(!value);
  if (Array.isArray(value)) {
    return fc.oneof(
      fc.constant<Json>([]),
      fc.constant<Json>([...value, ...value]),
      fc.constant<Json>([...value].reverse()),
      fc.constant(Array.from({ length: 30 }, (_, i) => value[i % Math.max(1, value.length)] ?? null)),
    );
  }
  return fc.constant(value);
};

/** The strings inside a value. */
const stringsOf = (value: Json): string[] =>
  typeof value === 'string'
    ? [value]
    : value !== null && typeof value === 'object'
      ? Object.values(value).flatMap((v) => stringsOf(v as Json))
      : [];

/** Every path into a value (not the root): objects by key, arrays by index. */
const pathsOf = (value: Json, prefix: Path = []): Path[] => {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...pathsOf(v, [...prefix, i])]);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v as Json, [...prefix, k])]);
  }
  return [];
};

/** The objects inside a value, the root included: where an extra field can go. */
const objectPathsOf = (value: Json): Path[] =>
  [[], ...pathsOf(value)].filter((p) => {
    const v = getAt(value, p);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  });

const getAt = (value: Json, path: Path): Json | undefined =>
  path.reduce<Json | undefined>(
    (v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, Json>)[k as string] : undefined),
    value,
  );

/** A copy of `value` with `path` changed: set (own property, whatever the key), or removed when `to` is undefined. */
const withAt = (value: Json, path: Path, to: Json | undefined): Json => {
  const copy = structuredClone(value);
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1];
  const parent = getAt(copy, parentPath);
  if (key === undefined || parent === null || typeof parent !== 'object') return copy;
  if (Array.isArray(parent) && typeof key === 'number') {
    if (to === undefined) parent.splice(key, 1);
    else parent[key] = to;
  } else if (to === undefined) delete (parent as Record<string, Json>)[key];
  else
    Object.defineProperty(parent, key, { value: to, enumerable: true, writable: true, configurable: true });
  return copy;
};

/** One change to a body: a field set to any JSON, nudged to a neighbour of its value, dropped, added, or the whole replaced. */
const bodyChange = (body: Json) => {
  const paths = pathsOf(body);
  const changes = [
    fc.record({
      kind: fc.constant('add' as const),
      at: fc.constantFrom(...objectPathsOf(body)),
      key: fc.oneof(
        fc.constantFrom('__proto__', 'constructor', 'action', 'reportedBy', 'actor', 'x'),
        fc.string({ maxLength: 20 }),
      ),
      value: anyJson,
    }),
    fc.record({ kind: fc.constant('whole' as const), value: anyJson }),
  ];
  if (paths.length === 0) return fc.oneof(...changes);
  return fc.oneof(
    ...changes,
    fc.record({ kind: fc.constant('set' as const), path: fc.constantFrom(...paths), value: anyJson }),
    fc.record({ kind: fc.constant('drop' as const), path: fc.constantFrom(...paths) }),
    fc.constantFrom(...paths).chain((path) =>
      fc.record({
        kind: fc.constant('nudge' as const),
        path: fc.constant(path),
        value: nudged(getAt(body, path) as Json, [...new Set(stringsOf(body))]),
      }),
    ),
  );
};

/** A body over the limit (as it is or base64), or a huge value inside it. */
const sizeChange = (body: Json) => {
  const over = fc.record({
    kind: fc.constant('over' as const),
    bytes: fc.integer({ min: MAX_BODY_BYTES + 1, max: MAX_BODY_BYTES + 64 * 1024 }),
    base64: fc.boolean(),
  });
  const huge = fc.oneof(
    hugeString,
    fc.integer({ min: 1_000, max: 25_000 }).map((n) => Array.from({ length: n }, () => 'n-dead')),
    fc.integer({ min: 1_000, max: 25_000 }).map((n) => Array.from({ length: n }, (_, i) => i)),
    fc
      .integer({ min: 100, max: 3_000 })
      .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
  );
  const at = [...pathsOf(body), ...objectPathsOf(body).map((p) => [...p, 'extra'])];
  return fc.oneof(
    over,
    fc.record({ kind: fc.constant('huge' as const), path: fc.constantFrom(...at), value: huge }),
  );
};

/** Counterexamples print a route by its id and a starting point by its route and index, not whole. */
const shown = <T extends object>(value: T, name: string): T =>
  Object.defineProperty({ ...value }, fc.toStringMethod, { value: () => name, enumerable: false });

/** Routes, each printed by its id. */
const ROUTE_ARBS = ROUTES.map((route) => shown(route as RouteMeta, route.id));

/** A route and one of its starting points. */
const routeAndBase = (bases: Record<RouteId, Base[]>, where: (route: RouteMeta) => boolean = () => true) =>
  fc
    .constantFrom(...ROUTE_ARBS.filter(where))
    .chain((route) =>
      fc
        .constantFrom(...bases[route.id as RouteId].map((base, i) => shown(base, `${route.id}#${i}`)))
        .map((base) => ({ route, base })),
    );

/** Routes that take a JSON body, with a starting point that has one. */
const bodyRouteAndBase = (bases: Record<RouteId, Base[]>) =>
  fc
    .constantFrom(...ROUTE_ARBS.filter((r) => bases[r.id as RouteId].some((b) => b.body !== undefined)))
    .chain((route) =>
      fc
        .constantFrom(
          ...bases[route.id as RouteId].flatMap((base, i) =>
            base.body === undefined ? [] : [shown(base, `${route.id}#${i}`)],
          ),
        )
        .map((base) => ({ route, base, body: base.body as Json })),
    );

const CONTENT_TYPES = [
  undefined,
  '',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/jsonx',
  'application/json5',
  'json',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'application/json;;;',
  ' application/json ',
] as const;

/** A body the handler must refuse or read as it is: bytes that are not what they claim. */
const malformedBody = (json: string) =>
  fc.oneof(
    fc.nat({ max: Math.max(0, json.length - 1) }).map((n) => ({ kind: 'truncated', text: json.slice(0, n) })),
    fc
      .string({ unit: 'binary', minLength: 1, maxLength: 20 })
      .map((g) => ({ kind: 'trailing', text: json + g })),
    fc.constant({ kind: 'bom', text: `\ufeff${json}` }),
    fc.constant({ kind: 'single quotes', text: json.replaceAll('"', "'") }),
    fc.constant({ kind: 'two documents', text: `${json}\n${json}` }),
    fc.constant({ kind: 'nested', text: `${'['.repeat(5000)}${']'.repeat(5000)}` }),
    fc.constant({ kind: 'nested objects', text: `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}` }),
    fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ kind: 'random', text })),
    fc
      .constantFrom('null', 'true', '0', '""', '[]', '"{}"', 'NaN', 'undefined', '{"__proto__":{"x":1}}')
      .map((text) => ({ kind: 'json but not an object', text })),
  );

/** How the bytes travel: honestly, or with the base64 flag lying either way, or in another encoding. */
const encodings = [
  'utf8',
  'base64',
  'flag says base64 but it is not',
  'base64 but flag says not',
  'utf16le',
  'latin1',
] as const;
type Encoding = (typeof encodings)[number];

const encode = (text: string, encoding: Encoding): { text: string; base64: boolean } => {
  switch (encoding) {
    case 'utf8':
      return { text, base64: false };
    case 'base64':
      return { text: Buffer.from(text, 'utf8').toString('base64'), base64: true };
    case 'flag says base64 but it is not':
      return { text, base64: true };
    case 'base64 but flag says not':
      return { text: Buffer.from(text, 'utf8').toString('base64'), base64: false };
    case 'utf16le':
      return { text: Buffer.from(text, 'utf16le').toString('base64'), base64: true };
    case 'latin1':
      return { text: Buffer.from(text, 'latin1').toString('base64'), base64: true };
  }
};

// Claims --------------------------------------------------------------------------------------

const groupTokens = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ROLES) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'Admin',
        'ADMIN',
        'superuser',
        'admins',
        'root',
        'liaisons',
        'grid',
        'leaders',
        '',
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  ),
  { maxLength: 4 },
);

/** `cognito:groups` in the forms API Gateway passes it, and in forms it does not. */
const groupsClaim = groupTokens.chain((tokens) =>
  fc.constantFrom(
    `[${tokens.join(' ')}]`,
    tokens.join(','),
    tokens.join(' '),
    tokens as unknown as string,
    JSON.stringify(tokens),
    tokens.join(';'),
  ),
);

const nameClaim = fc.oneof(
  fc.constantFrom(
    '孙伟',
    '王建国',
    '',
    ' ',
    '\t\n',
    'x'.repeat(50),
    'x'.repeat(51),
    'x'.repeat(201),
    '"quoted"',
  ),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.integer(),
  fc.constant(null),
);

/** Epoch seconds as API Gateway passes them (strings); expired or not, the authorizer checked them before us. */
const expClaim = fc.oneof(
  fc.constant(String(Math.floor(Date.parse('2020-01-01T00:00:00Z') / 1000))),
  fc.constant(String(Math.floor(Date.parse('2099-01-01T00:00:00Z') / 1000))),
  fc.constant('soon'),
);

/** Mostly what it should be, now and then not there or not what it should be. */
const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) =>
  fc.oneof(
    { weight: 6, arbitrary: good },
    { weight: 1, arbitrary: bad },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

const structuredClaims = fc
  .record({
    sub: mostly(
      fc.constant('sub-fuzz'),
      fc.oneof(fc.constant(''), fc.string({ maxLength: 300 }), fc.integer()),
    ),
    'cognito:groups': mostly(groupsClaim, fc.jsonValue({ maxDepth: 1 })),
    'cognito:username': mostly(fc.constant('fuzz-user'), nameClaim),
    name: mostly(fc.constantFrom('孙伟', '李明', '陈刚'), nameClaim),
    'custom:unit': mostly(
      fc.constantFrom(...UNITS),
      fc.oneof(fc.constantFrom('no-such-unit', 'Police-Station', '', 'a'), oddString),
    ),
    exp: fc.option(expClaim, { nil: undefined }),
    token_use: fc.constantFrom('id', 'access'),
  })
  .map((claims) => Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined)));

const claimsArb: fc.Arbitrary<Record<string, unknown> | undefined> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }),
  },
  { weight: 6, arbitrary: structuredClaims },
);

/** Whether `text` names `role` as a word: the only way a claim can grant it. */
const names = (text: string, role: string): boolean =>
  new RegExp(`(^|[^A-Za-z])${role}($|[^A-Za-z])`).test(text);

/** The seeded items' ids: hazards and notifications, to put where another kind of id belongs. */
const seededIds = (world: SeededWorld): string[] => [
  ...Object.values(world.hazards).map((h) => h.id),
  ...Object.values(world.notifications),
];

const SCHEMAS: Record<string, RouteSchema> = { ...campaignSchemas, ...workSchemas, ...notificationSchemas };

/** The query parameters a route takes, read from its schema. */
const queryNamesOf = (id: RouteId): string[] => {
  const query = SCHEMAS[id]?.query as { def?: { shape?: Record<string, unknown> } } | undefined;
  return Object.keys(query?.def?.shape ?? {});
};

/** The field names a zod object (or a union of them) takes. */
const keysOf = (schema: unknown): string[] => {
  const def = (schema as { def?: { shape?: object; options?: unknown[] } } | undefined)?.def;
  if (def?.shape) return Object.keys(def.shape);
  return (def?.options ?? []).flatMap(keysOf);
};

/** Every name a route's request may carry: path and query parameters, body fields. */
const schemaFieldsOf = (id: RouteId): string[] => {
  const schema = SCHEMAS[id];
  return [schema?.params, schema?.query, schema?.body].flatMap(keysOf);
};

/** Values some query parameter takes, to meet the wrong parameter. */
const QUERY_VALUES = ['true', 'false', '1', '0', 'yes', 'dead', 'md', 'pdf', PERIOD, 'reported', ...UNITS];

const QUERY_NAMES = [...new Set(ROUTES.flatMap((r) => queryNamesOf(r.id)))];

/** A copy of a body with every unit id in it (unitId, responsibleUnit) replaced. */
const renameUnits = (value: Json, unit: string): Json => {
  if (Array.isArray(value)) return value.map((v) => renameUnits(v, unit));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      (k === 'unitId' || k === 'responsibleUnit') && typeof v === 'string'
        ? unit
        : renameUnits(v as Json, unit),
    ]),
  );
};

// Properties -------------------------------------------------------------------------------------

describe(`the API under fuzzing (FUZZ_SEED=${SEED}, ${RUNS} runs a property)`, () => {
  let template: SeededWorld;
  let bases: Record<RouteId, Base[]>;

  beforeAll(async () => {
    template = await seededWorld();
    bases = baseRequests(template);
  });

  it('starts every route from a request it accepts, or refuses for the campaign’s state only', async () => {
    // The fuzzing below is only as deep as these: each must get past validation and the roles gate.
    for (const route of ROUTES) {
      expect(bases[route.id].length, route.id).toBeGreaterThan(0);
      for (const base of bases[route.id]) {
        const answer = await send(template, requestOf(route, base));
        const expected = route.id === 'resumeCampaign' ? 409 : undefined;
        if (expected) expect(answer.status, `${route.id}: ${JSON.stringify(answer.body)}`).toBe(expected);
        else expect(answer.status, `${route.id}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
      }
    }
  });

  it('survives malformed bodies: truncated, trailing garbage, other encodings, base64 flag lies, wrong content types', async () => {
    await fc.assert(
      fc.asyncProperty(
        routeAndBase(bases).chain(({ route, base }) =>
          fc.record({
            route: fc.constant(route),
            base: fc.constant(base),
            body: malformedBody(JSON.stringify(base.body ?? {})),
            encoding: fc.constantFrom(...encodings),
            contentType: fc.constantFrom(...CONTENT_TYPES, 'application/json'),
          }),
        ),
        async ({ route, base, body, encoding, contentType }) => {
          const request = requestOf(route, base);
          request.body = encode(body.text, encoding);
          request.headers = {
            ...request.headers,
            ...(contentType === undefined ? {} : { 'content-type': contentType }),
          };
          if (contentType === undefined) delete request.headers['content-type'];
          const answer = await send(template, request);
          // A route with a body takes a JSON object only (or nothing, where it may be left out): nothing else succeeds.
          const schema = SCHEMAS[route.id];
          const leftOut = schema?.bodyOptional === true && body.text.trim() === '';
          if (schema?.body && !leftOut && (encoding === 'utf8' || encoding === 'base64')) {
            const parses = (() => {
              try {
                const v = JSON.parse(body.text) as unknown;
                return v !== null && typeof v === 'object' && !Array.isArray(v);
              } catch {
                return false;
              }
            })();
            if (!parses) expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
          }
        },
      ),
      settings(),
    );
  }, 60_000);

  it('refuses wrong types, missing and extra fields anywhere in a body, naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(
        bodyRouteAndBase(bases).chain(({ route, base, body }) =>
          fc.record({
            route: fc.constant(route),
            base: fc.constant(base),
            change: bodyChange(body),
          }),
        ),
        async ({ route, base, change }) => {
          const body = base.body as Json;
          const changed =
            change.kind === 'set' || change.kind === 'nudge'
              ? withAt(body, change.path, change.value)
              : change.kind === 'drop'
                ? withAt(body, change.path, undefined)
                : change.kind === 'add'
                  ? withAt(body, [...change.at, change.key], change.value)
                  : change.value;
          const request = requestOf(route, { ...base, body: changed });
          const answer = await send(template, request);
          if (answer.status === 400 && (change.kind === 'set' || change.kind === 'add')) {
            // A definition's issues are named within the definition, as in the campaign file.
            const at = formatPath(change.kind === 'add' ? [...change.at, change.key] : change.path).replace(
              /^definition\.?/,
              '',
            );
            const issues = answer.body.issues as { path: string; message: string }[];
            const named = issues.filter((i) => at.startsWith(i.path) || i.path.startsWith(at));
            expect(named, `${at} in ${JSON.stringify(issues)}`).not.toEqual([]);
          }
        },
      ),
      settings(),
    );
  }, 60_000);

  it('refuses odd path parameters: empty, very long, unicode, "../", "%00", other campaigns’ ids', async () => {
    await fc.assert(
      fc.asyncProperty(
        routeAndBase(bases, (r) => r.path.includes('{')).chain(({ route, base }) =>
          fc.record({
            route: fc.constant(route),
            base: fc.constant(base),
            name: fc.constantFrom(
              ...[...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string),
              'extra',
            ),
            value: fc.option(
              fc.oneof(oddString, fc.constantFrom(DRAFT, CAMPAIGN, ...UNITS, ...seededIds(template))),
              { nil: undefined, freq: 8 },
            ),
          }),
        ),
        async ({ route, base, name, value }) => {
          const request = requestOf(route, base);
          if (value === undefined) delete request.params[name];
          else request.params[name] = value;
          const answer = await send(template, request);
          // No path parameter of this API holds more than letters, digits and "-".
          if (value !== undefined && !/^[A-Za-z0-9-]+$/.test(value)) {
            expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
          }
          if (name === 'extra' && value !== undefined && !route.public) {
            expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
          }
        },
      ),
      settings(),
    );
  }, 60_000);

  it('refuses odd query strings: unknown names, wrong values, repeated values, prototype names', async () => {
    await fc.assert(
      fc.asyncProperty(
        routeAndBase(bases).chain(({ route, base }) =>
          fc.record({
            route: fc.constant(route),
            base: fc.constant(base),
            entries: fc.array(
              fc.tuple(
                fc.oneof(
                  {
                    weight: 4,
                    arbitrary: fc.constantFrom(...queryNamesOf(route.id as RouteId), ...QUERY_NAMES),
                  },
                  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', '') },
                  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
                ),
                fc.oneof(
                  oddString,
                  fc.constantFrom(...QUERY_VALUES),
                  fc.constantFrom(...UNITS, 'true').map((v) => `${v},${v}`),
                ),
              ),
              { minLength: 1, maxLength: 3 },
            ),
          }),
        ),
        async ({ route, base, entries }) => {
          const request = requestOf(route, base);
          request.query = [...request.query.filter(([k]) => !entries.some(([e]) => e === k)), ...entries];
          const answer = await send(template, request);
          const known = queryNamesOf(route.id as RouteId);
          if (!route.public && entries.some(([k]) => !known.includes(k))) {
            expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
          }
        },
      ),
      settings(),
    );
  }, 60_000);

  it('refuses missing, garbled and roleless claims, and grants nothing a claim does not name', async () => {
    await fc.assert(
      fc.asyncProperty(routeAndBase(bases), claimsArb, async ({ route, base }, claims) => {
        const request = requestOf(route, base);
        if (claims === undefined) delete request.claims;
        else request.claims = claims;
        const answer = await send(template, request);
        if (route.public) return;
        if (claims === undefined) expect(answer.status).toBe(401);
        if (answer.status < 400) {
          const groups = JSON.stringify(claims?.['cognito:groups'] ?? '');
          expect(
            route.roles.some((role) => names(groups, role)),
            groups,
          ).toBe(true);
        }
      }),
      settings(),
    );
  }, 60_000);

  it('serves any name an account may have (1–200 characters) as it serves a short one', async () => {
    await fc.assert(
      fc.asyncProperty(
        routeAndBase(bases, (r) => !r.public),
        fc.oneof(
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }),
          fc.integer({ min: 1, max: 200 }).map((n) => '张'.repeat(n)),
          fc.integer({ min: 40, max: 200 }).map((n) => `${'a'.repeat(n - 12)}@example.com`),
        ),
        fc.boolean(),
        async ({ route, base }, name, asUsername) => {
          fc.pre(name.trim().length > 0 && name.trim().length <= 200);
          const claims = { ...base.claims } as Claims;
          delete claims.name;
          if (asUsername) claims['cognito:username'] = name;
          else claims.name = name;
          const answer = await send(template, requestOf(route, { ...base, claims }));
          // The ledger's rules compare names (who reported, who verifies): another name may be refused, not misread.
          expect([200, 201, 403, 409], JSON.stringify(answer.body)).toContain(answer.status);
        },
      ),
      settings(),
    );
  }, 60_000);

  it('refuses bodies over 256 KB (413) and answers huge strings and arrays inside the limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        bodyRouteAndBase(bases).chain(({ route, base, body }) =>
          fc.record({
            route: fc.constant(route),
            base: fc.constant(base),
            change: sizeChange(body),
          }),
        ),
        async ({ route, base, change }) => {
          const body = base.body as Json;
          if (change.kind === 'over') {
            const bare = Buffer.byteLength(JSON.stringify({ ...(body as object), pad: '' }));
            const padded = JSON.stringify({ ...(body as object), pad: 'x'.repeat(change.bytes - bare) });
            const request = requestOf(route, base);
            request.body = change.base64
              ? { text: Buffer.from(padded).toString('base64'), base64: true }
              : { text: padded, base64: false };
            const answer = await send(template, request);
            expect(answer.status, JSON.stringify(answer.body)).toBe(413);
            expect(String(answer.body.message)).toMatch(/at most 262144 bytes/);
            return;
          }
          const changed = withAt(body, change.path, change.value as Json);
          const answer = await send(template, requestOf(route, { ...base, body: changed }));
          if (Buffer.byteLength(JSON.stringify(changed)) > MAX_BODY_BYTES) expect(answer.status).toBe(413);
        },
      ),
      // Each case moves a few hundred KB: half the runs.
      settings(0.5),
    );
  }, 60_000);

  it('keeps a liaison or grid worker to their own unit, whatever ids the request names', async () => {
    const tasks = ['shop-fire-check', 'anti-fraud-publicity', 'hazard-ledger'];
    const hazards = Object.values(template.hazards);
    await fc.assert(
      fc.asyncProperty(
        routeAndBase(bases).chain(({ route, base }) =>
          fc.record({
            route: fc.constant(route),
            base: fc.constant(base),
            role: fc.constantFrom('liaison', 'gridWorker'),
            unit: fc.constantFrom(...UNITS),
            name: fc.constantFrom('孙伟', '刘洋', '陈刚', '周涛'),
            other: fc.constantFrom(...UNITS),
            hazard: fc.constantFrom(...hazards.map((h) => h.id)),
            task: fc.constantFrom(...tasks),
          }),
        ),
        async ({ route, base, role, unit, name, other, hazard, task }) => {
          // Every unit the request names becomes `other`; every hazard and task one of the seeded.
          const body = base.body === undefined ? undefined : renameUnits(base.body, other);
          const request = requestOf(route, {
            ...base,
            claims: claimsOf(role, { unit, name }),
            ...(body === undefined ? {} : { body }),
            query: Object.fromEntries(
              Object.entries(base.query ?? {}).map(([k, v]) => [
                k,
                k === 'unitId' || k === 'unit' ? other : v,
              ]),
            ),
          });
          if (request.params.unitId) request.params.unitId = other;
          if (request.params.hazardId) request.params.hazardId = hazard;
          if (request.params.taskId) request.params.taskId = task;
          const answer = await send(template, request);
          if (answer.status >= 300) return;
          if (!route.public) expect(route.roles).toContain(role);
          const mine = (...units: unknown[]) => units.includes(unit);
          const b = answer.body;
          const seeded = hazards.find((h) => h.id === hazard);
          switch (route.id as RouteId) {
            case 'listUnits':
              for (const u of b.units as { id: string }[]) expect(u.id).toBe(unit);
              break;
            case 'getUnit':
              expect(b.id).toBe(unit);
              break;
            case 'listReports':
              for (const r of b.reports as { unitId: string }[]) expect(r.unitId).toBe(unit);
              break;
            case 'listHazards':
              for (const h of b.items as { unitId: string; responsibleUnit: string }[])
                expect(mine(h.unitId, h.responsibleUnit)).toBe(true);
              for (const c of b.counts as { unitId: string }[]) expect(c.unitId).toBe(unit);
              break;
            case 'getHazard':
            case 'actOnHazard':
              expect(mine(seeded?.unitId, seeded?.responsibleUnit), JSON.stringify(seeded)).toBe(true);
              if (route.id === 'actOnHazard' && b.responsibleUnit !== seeded?.responsibleUnit)
                expect(b.responsibleUnit).toBe(unit);
              break;
            case 'submitReport':
              expect(b.unitId).toBe(unit);
              break;
            case 'reportHazard':
              expect([b.unitId, b.responsibleUnit]).toEqual([unit, unit]);
              break;
            case 'completeTask':
              expect(b.lead).toBe(unit);
              break;
            default:
              // What a unit role may read of the whole campaign: the campaign, its bulletins, the document.
              expect([
                'listCampaigns',
                'getCampaign',
                'listBulletins',
                'getBulletin',
                'getOpenApi',
              ]).toContain(route.id);
          }
        },
      ),
      settings(),
    );
  }, 60_000);

  it('takes a definition valid by /definitions/validate to a created and launched campaign, never a 5xx', async () => {
    const definition = definitionJson('fuzz-2027');
    const leaves = pathsOf(definition).filter((p) => {
      const v = getAt(definition, p);
      return v === null || typeof v !== 'object' || Array.isArray(v);
    });
    const strings = [...new Set(stringsOf(definition))];
    const nudge = fc
      .constantFrom(...leaves)
      .chain((path) =>
        fc.record({ path: fc.constant(path), value: nudged(getAt(definition, path) as Json, strings) }),
      );
    await fc.assert(
      fc.asyncProperty(fc.array(nudge, { minLength: 1, maxLength: 4 }), async (nudges) => {
        const changed = nudges.reduce((d, n) => withAt(d, n.path, n.value), definition);
        const body = { definition: changed };
        const validate = ROUTE_BY_ID.get('validateDefinition') as RouteMeta;
        const checked = await send(template, requestOf(validate, { claims: PEOPLE.office, body }));
        expect(checked.status).toBe(200);
        if (!checked.body.valid) return;
        const created = await send(
          template,
          requestOf(ROUTE_BY_ID.get('createCampaign') as RouteMeta, { claims: PEOPLE.admin, body }),
        );
        // The id may have been nudged onto a seeded campaign's.
        if ([CAMPAIGN, DRAFT].includes(String(checked.body.id))) {
          expect(created.status, JSON.stringify(created.body)).toBe(409);
          return;
        }
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        const campaignId = String(created.body.campaignId);
        const launch = ROUTE_BY_ID.get('launchCampaign') as RouteMeta;
        const launched = await sendTo(
          created.world,
          requestOf(launch, { claims: PEOPLE.admin, params: { campaignId } }),
        );
        expect(launched.status, JSON.stringify(launched.body)).toBeLessThan(300);
        const status = await sendTo(
          launched.world,
          requestOf(ROUTE_BY_ID.get('getCampaign') as RouteMeta, {
            claims: PEOPLE.leader,
            params: { campaignId },
          }),
        );
        expect(status.status, JSON.stringify(status.body)).toBe(200);
      }),
      settings(),
    );
  }, 60_000);
});
