import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Logger } from '../../functions/shared/adapters/logger.ts';
import { ROUTES, type RouteMeta } from '../../functions/shared/http/api-routes.ts';
import { apiEvent, call } from '../support/api-events.ts';
import { minimalDefinition } from '../support/api-world.ts';
import { AT, CAMPAIGN, forkWorld, PEOPLE, type SeededWorld, seededWorld } from '../support/seeded-world.ts';

/**
 * Secrets never reach the logs: a bearer token, a group robot's webhook token and signing secret,
 * and a password, carried in every place a request can carry them (headers, query, path, body
 * values and keys, a campaign definition's robots, malformed JSON), through the three handlers
 * logging at DEBUG, refused or served. What the logger writes (stdout) must hold none of them.
 * The local server's own lines are checked in test/integration/api-fuzz-server.test.ts.
 */

const SECRETS = {
  token:
    'eyJraWQiOiJ6aGlsaS10ZXN0IiwiYWxnIjoiUlMyNTYifQ.eyJzdWIiOiJzZWNyZXQtc3ViIn0.SIGNATURE-never-in-logs-7f3a9c',
  webhookToken: 'a3f9c1d2e4b5a6978812bc0de1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4',
  robotSecret: 'SEC7e1c0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918070f',
  password: 'hunter2-Pa55w0rd!-never-logged',
} as const;

/** Every line the logger writes while `act` runs. */
const captured = async (act: () => Promise<void>): Promise<string> => {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    await act();
  } finally {
    spy.mockRestore();
  }
  return out.join('');
};

const leaked = (log: string): string[] =>
  Object.entries(SECRETS)
    // The whole value, and any 16 characters of it: a secret cut short is still a secret.
    .filter(([, value]) => log.includes(value) || chunks(value).some((chunk) => log.includes(chunk)))
    .map(([name]) => name);

const chunks = (value: string): string[] =>
  Array.from({ length: Math.max(1, value.length - 15) }, (_, i) => value.slice(i, i + 16));

const base = `/campaigns/${CAMPAIGN}`;
const webhook = `https://oapi.dingtalk.com/robot/send?access_token=${SECRETS.webhookToken}`;

/** A definition whose robot carries its token in the webhook (refused, by name only) and the secret inline. */
const leakyDefinition = () => ({
  ...JSON.parse(JSON.stringify(minimalDefinition())),
  id: 'leaky-2027',
  notifications: {
    robots: [{ id: 'office', kind: 'dingtalk', webhook, secret: SECRETS.robotSecret }],
  },
});

const withSecrets = {
  authorization: `Bearer ${SECRETS.token}`,
  cookie: `session=${SECRETS.token}; pw=${SECRETS.password}`,
  'x-api-key': SECRETS.robotSecret,
  'x-dingtalk-webhook': webhook,
};

let template: SeededWorld;
beforeAll(async () => {
  template = await seededWorld();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('secrets in requests never reach the logs', () => {
  const send = async (
    world: SeededWorld,
    method: string,
    path: string,
    options: Parameters<typeof apiEvent>[2],
  ) => {
    const event = apiEvent(method, path, {
      at: AT,
      ...options,
      headers: { ...withSecrets, ...options?.headers },
    });
    const route = ROUTES.find((r) => `${r.method} ${r.path}` === event.routeKey) as RouteMeta;
    return call(world.handlers[route.fn], event);
  };

  it('keeps them out of every line, whether the request is served, refused or fails', async () => {
    // Prepare
    const world = forkWorld(template, { logger: new Logger('zhili-api-test', 'DEBUG') });
    const statuses: number[] = [];

    // Act
    const log = await captured(async () => {
      const requests: [string, string, Parameters<typeof apiEvent>[2]][] = [
        // Served, with the secrets in the headers only.
        ['GET', `${base}/hazards`, { claims: PEOPLE.office }],
        ['GET', '/openapi.json', {}],
        // Refused: in a definition's robot (as JSON and as YAML), as a body field, a record key, a query value.
        ['POST', '/campaigns', { claims: PEOPLE.admin, body: { definition: leakyDefinition() } }],
        ['POST', '/definitions/validate', { claims: PEOPLE.office, body: { definition: leakyDefinition() } }],
        [
          'POST',
          '/campaigns',
          {
            claims: PEOPLE.admin,
            body: { yaml: `id: leaky-2027\nwebhook: ${webhook}\npassword: ${SECRETS.password}\n` },
          },
        ],
        [
          'POST',
          `${base}/pause`,
          { claims: PEOPLE.admin, body: { reason: '检查', password: SECRETS.password } },
        ],
        [
          'POST',
          `${base}/inspections`,
          { claims: PEOPLE.office, body: { unitId: 'police-station', items: { [SECRETS.password]: 'x' } } },
        ],
        [
          'POST',
          `${base}/inspections`,
          {
            claims: PEOPLE.office,
            body: { unitId: 'police-station', items: { [SECRETS.robotSecret]: 101 } },
          },
        ],
        ['GET', `${base}/hazards`, { claims: PEOPLE.office, query: { access_token: SECRETS.webhookToken } }],
        ['GET', `${base}/notifications`, { claims: PEOPLE.office, query: { status: SECRETS.password } }],
        // Refused: malformed JSON around a secret, a secret as the content type, no claims at all.
        ['POST', `${base}/hazards`, { claims: PEOPLE.office, body: `{"password":"${SECRETS.password}"` }],
        [
          'POST',
          `${base}/hazards`,
          {
            claims: PEOPLE.office,
            body: '{}',
            headers: { 'content-type': `text/plain; key=${SECRETS.robotSecret}` },
          },
        ],
        ['POST', `${base}/close`, { body: { reason: SECRETS.password } }],
        // Served, with a secret in a field the API keeps (the ledger stores it; the log does not).
        [
          'POST',
          `${base}/hazards`,
          {
            claims: PEOPLE.grid,
            body: {
              unitId: 'dongfeng-grid-1',
              location: '幸福路8号',
              category: '其他',
              description: `门禁密码 ${SECRETS.password}`,
            },
          },
        ],
      ];
      for (const [method, path, options] of requests)
        statuses.push((await send(world, method, path, options)).status);
      // A failure, logged with its cause (which names no input here: a 500's cause is logged as it is).
      vi.spyOn(world.store, 'listHazards').mockRejectedValueOnce(new Error('socket hang up'));
      statuses.push((await send(world, 'GET', `${base}/hazards`, { claims: PEOPLE.office })).status);
    });

    // Assess
    expect(statuses).toEqual([200, 200, 400, 200, 400, 400, 400, 400, 400, 400, 400, 415, 401, 201, 500]);
    expect(log.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(statuses.length);
    expect(leaked(log), log).toEqual([]);
  });

  it('keeps them out wherever a generated request puts them, on every route', async () => {
    const place = fc.constantFrom(
      'query value',
      'query name',
      'path',
      'body value',
      'body key',
      'header',
      'claims',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.constantFrom(...(Object.keys(SECRETS) as (keyof typeof SECRETS)[])),
        place,
        async (route, which, where) => {
          const secret = SECRETS[which];
          const world = forkWorld(template, { logger: new Logger('zhili-api-test', 'DEBUG') });
          // Valid path parameters (but where the secret goes), so that the body and query are read too.
          const params: Record<string, string> = {
            campaignId: CAMPAIGN,
            unitId: 'police-station',
            hazardId: template.hazards.gridReported.id,
            action: 'order',
            taskId: 'anti-fraud-publicity',
            period: '2027-03-01',
          };
          const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
            where === 'path' ? encodeURIComponent(secret) : (params[name] ?? name),
          );
          const log = await captured(async () => {
            await call(
              world.handlers[route.fn],
              apiEvent(route.method, path, {
                at: AT,
                claims: where === 'claims' ? { ...PEOPLE.office, 'custom:secret': secret } : PEOPLE.admin,
                headers: where === 'header' ? withSecrets : {},
                ...(where === 'query value' ? { query: { access_token: secret } } : {}),
                ...(where === 'query name' ? { query: { [secret]: '1' } } : {}),
                ...(where === 'body value' ? { body: { password: secret, reason: secret } } : {}),
                ...(where === 'body key' ? { body: { items: { [secret]: 'x' }, [secret]: 1 } } : {}),
              }),
            );
          });
          expect(leaked(log).filter((name) => name === which)).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
