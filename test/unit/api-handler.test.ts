import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeApiCampaignsHandler } from '../../functions/api-campaigns/handler.ts';
import { makeApiDocsHandler } from '../../functions/api-docs/handler.ts';
import { makeApiNotificationsHandler } from '../../functions/api-notifications/handler.ts';
import { makeApiWorkHandler } from '../../functions/api-work/handler.ts';
import { Logger } from '../../functions/shared/adapters/logger.ts';
import { MAX_BODY_BYTES } from '../../functions/shared/http/api-handler.ts';
import { groupsOf, principalOf } from '../../functions/shared/http/principal.ts';
import { apiEvent, call, claimsOf } from '../support/api-events.ts';
import { apiWorld, CAMPAIGN } from '../support/api-world.ts';
import { MemoryBulletinArchive, MemoryCampaignStore, RecordingEngine } from '../support/memory-store.ts';

/** The handler factory: routing, the principal and roles, bodies, validation, and the one error mapping. */

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.test-token-never-logged.c2lnbmF0dXJl';
const office = claimsOf('office', { name: '李明' });
const hazards = `/campaigns/${CAMPAIGN}/hazards`;
const report = {
  unitId: 'dongfeng-grid-1',
  location: '幸福路12号',
  category: '消防通道',
  description: '安全出口堆放杂物',
};

describe('routing', () => {
  it('answers 404 naming the route key for a route this function does not serve', async () => {
    // Prepare
    const { handlers } = await apiWorld();

    // Act: a route of api-campaigns sent to api-work, and a route key no one has.
    const other = await call(
      handlers['api-work'],
      apiEvent('GET', `/campaigns/${CAMPAIGN}`, { claims: office }),
    );
    const unknown = await call(handlers['api-work'], apiEvent('GET', '/nowhere', { claims: office }));

    // Assess
    expect(other.status).toBe(404);
    expect(other.body).toEqual({
      error: 'NotFoundError',
      message: 'no route GET /campaigns/{campaignId} in api-work',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('no route GET /nowhere in api-work');
  });

  it('serves a public route without any principal, from its own function only', async () => {
    // Prepare
    const { handlers } = await apiWorld();

    // Act
    const answer = await call(handlers['api-docs'], apiEvent('GET', '/openapi.json'));
    const elsewhere = await call(handlers['api-campaigns'], apiEvent('GET', '/openapi.json'));

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ openapi: '3.1.0' });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.message).toBe('no route GET /openapi.json in api-campaigns');
  });
});

describe('principal and roles', () => {
  it('reads cognito:groups in every shape API Gateway passes it', () => {
    // Act & Assess
    expect(groupsOf('[admin]')).toEqual(['admin']);
    expect(groupsOf('admin')).toEqual(['admin']);
    expect(groupsOf('[leader admin]')).toEqual(['leader', 'admin']);
    expect(groupsOf(['office'])).toEqual(['office']);
    expect(groupsOf(undefined)).toEqual([]);
    // Someone in several groups acts in the most capable role.
    expect(principalOf({ ...claimsOf('leader'), 'cognito:groups': '[leader admin]' }).role).toBe('admin');
  });

  it('takes the name from name, else cognito:username, and the unit from custom:unit', () => {
    // Act
    const named = principalOf(claimsOf('liaison', { unit: 'police-station', name: '孙伟' }));
    const { name: _, ...withoutName } = claimsOf('office');
    const username = principalOf(withoutName);

    // Assess
    expect(named).toEqual({
      sub: 'sub-liaison-police-station',
      name: '孙伟',
      role: 'liaison',
      unitId: 'police-station',
    });
    expect(username.name).toBe('office-user');
    expect(username.unitId).toBeUndefined();
  });

  it('refuses claims without a subject as unusable (401), naming the claim', () => {
    // Act
    const refused = (() => {
      try {
        return principalOf({ 'cognito:groups': '[admin]', name: '王建国' });
      } catch (error) {
        return error as Error;
      }
    })();

    // Assess
    expect(refused).toMatchObject({
      name: 'UnauthorizedError',
      message: "the token's claims are not usable: sub",
    });
  });

  it('answers 401 when the request carries no claims at all, before looking at the body', async () => {
    // Prepare
    const { api, store } = await apiWorld();
    const writes = store.writes;

    // Act
    const answer = await api('POST', hazards, { body: '{not json' });

    // Assess
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer');
    expect(answer.body).toEqual({
      error: 'UnauthorizedError',
      message: 'sign in: this route needs a bearer token',
    });
    expect(store.writes).toBe(writes);
  });

  it.each([
    ['no groups', { ...claimsOf('admin'), 'cognito:groups': '[]' }, /no zhili role/],
    ['an unknown group', claimsOf('janitor'), /no zhili role; ask an administrator/],
    ['a liaison without a unit', claimsOf('liaison'), /acts for one unit, and your account names none/],
  ])('answers 403 for %s, and writes nothing', async (_, claims, message) => {
    // Prepare
    const { api, store } = await apiWorld();
    const writes = store.writes;

    // Act
    const answer = await api('POST', hazards, { claims, body: report });

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('ForbiddenError');
    expect(answer.body.message).toMatch(message);
    expect(store.writes).toBe(writes);
  });

  it('answers 403 naming the roles allowed when the role may not use the route', async () => {
    // Prepare
    const { api, store } = await apiWorld();
    const writes = store.writes;

    // Act: leaders are read-only.
    const answer = await api('POST', hazards, { claims: claimsOf('leader'), body: report });

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.body.message).toBe(
      'a leader may not do this (reportHazard: Record a hazard (create)); allowed: admin, office, liaison, gridWorker',
    );
    expect(store.writes).toBe(writes);
  });
});

describe('bodies', () => {
  it('answers 415 for a body that is not sent as JSON', async () => {
    // Prepare
    const { api, store } = await apiWorld();
    const writes = store.writes;

    // Act
    const answer = await api('POST', hazards, {
      claims: office,
      body: report,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

    // Assess
    expect(answer.status).toBe(415);
    expect(answer.body).toEqual({
      error: 'UnsupportedMediaTypeError',
      message:
        'send the body as JSON with Content-Type: application/json (not application/x-www-form-urlencoded)',
    });
    expect(store.writes).toBe(writes);
  });

  it('takes application/json with a charset, and base64-encoded bodies', async () => {
    // Prepare
    const { api } = await apiWorld();

    // Act
    const answer = await api('POST', hazards, {
      claims: office,
      body: report,
      base64: true,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });

    // Assess
    expect(answer.status).toBe(201);
    expect(answer.body.reportedBy).toBe('李明');
  });

  it('answers 413 for a body over 256 KB', async () => {
    // Prepare
    const { api, store } = await apiWorld();
    const writes = store.writes;

    // Act
    const answer = await api('POST', hazards, {
      claims: office,
      body: { ...report, description: 'x'.repeat(MAX_BODY_BYTES) },
    });

    // Assess
    expect(answer.status).toBe(413);
    expect(answer.body.error).toBe('PayloadTooLargeError');
    expect(answer.body.message).toMatch(
      /^the body is 2\d{5} bytes; this API takes at most 262144 bytes \(256 KB\)$/,
    );
    expect(store.writes).toBe(writes);
  });

  it('answers 400 naming the problem for malformed JSON', async () => {
    // Prepare
    const { api, store } = await apiWorld();
    const writes = store.writes;

    // Act
    const answer = await api('POST', hazards, { claims: office, body: '{"unitId": "dongfeng-grid-1",' });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('ValidationError');
    expect(answer.body.message).toMatch(/^the body is not valid JSON: .+/);
    expect(answer.body.issues).toEqual([{ path: '', message: 'not valid JSON' }]);
    expect(store.writes).toBe(writes);
  });

  it('answers 400 when a route that needs a body gets none', async () => {
    // Prepare
    const { handlers } = await apiWorld();

    // Act
    const answer = await call(handlers['api-work'], apiEvent('POST', hazards, { claims: office }));

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: 'ValidationError',
      message: 'this route needs a JSON body',
      issues: [{ path: '', message: 'required' }],
    });
  });

  it('refuses a JSON null body as not an object, where the body may be left out and where it may not', async () => {
    // Prepare
    const { api, store, engine } = await apiWorld({ campaign: 'draft' });
    const writes = store.writes;

    // Act: left out, a body is `{}`; `null` is not left out.
    const launch = await api('POST', `/campaigns/${CAMPAIGN}/launch`, {
      claims: claimsOf('admin'),
      body: 'null',
    });
    const hazard = await api('POST', hazards, { claims: office, body: 'null' });

    // Assess
    for (const answer of [launch, hazard]) {
      expect(answer.status).toBe(400);
      expect(answer.body.issues).toEqual([
        { path: '', message: 'Invalid input: expected object, received null' },
      ]);
    }
    expect(engine.starts).toEqual([]);
    expect(store.writes).toBe(writes);
  });

  it('refuses unknown and missing fields by name, with one issue each', async () => {
    // Prepare
    const { api, store } = await apiWorld();
    const writes = store.writes;

    // Act: the reporter is the signed-in person, never a field; the location is missing.
    const { location: _, ...withoutLocation } = report;
    const answer = await api('POST', hazards, {
      claims: office,
      body: { ...withoutLocation, reportedBy: '别人' },
    });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.issues).toEqual([
      { path: 'location', message: 'Invalid input: expected string, received undefined' },
      { path: '', message: 'Unrecognized key: "reportedBy"' },
    ]);
    expect(answer.body.message).toMatch(
      /^body is invalid: location: .*; \(all\): Unrecognized key: "reportedBy"$/,
    );
    expect(store.writes).toBe(writes);
  });

  it('validates path and query parameters, refusing unknown query parameters by name', async () => {
    // Prepare
    const { api } = await apiWorld();

    // Act
    const badPath = await api('GET', '/campaigns/Not_A_Slug/hazards', { claims: office });
    const badQuery = await api('GET', hazards, {
      claims: office,
      query: { overdue: 'maybe', colour: 'red' },
    });

    // Assess
    expect(badPath.status).toBe(400);
    expect(badPath.body.message).toMatch(/^path is invalid: campaignId: must be 2–63 characters/);
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.issues).toEqual([
      { path: 'overdue', message: 'must be true or false' },
      { path: '', message: 'Unrecognized key: "colour"' },
    ]);
  });
});

describe('errors and logs', () => {
  const lines = () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    return out;
  };

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('maps not found to 404 and a command the state refuses to 409, each with its message', async () => {
    // Prepare
    const { api } = await apiWorld();
    const created = await api('POST', hazards, { claims: office, body: report });
    const id = String(created.body.id);

    // Act
    const missing = await api('GET', '/campaigns/no-such-campaign/hazards', { claims: office });
    const refused = await api('POST', `${hazards}/${id}/accept`, { claims: office });

    // Assess
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: 'NotFoundError',
      message: 'campaign "no-such-campaign" does not exist',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('ConflictError');
    expect(refused.body.message).toMatch(/^cannot accept hazard hz-[0-9a-f]{10}: it is reported;/);
  });

  it('answers 500 with a generic message and the request id, and logs the cause with the same id', async () => {
    // Prepare
    const out = lines();
    const store = new MemoryCampaignStore();
    vi.spyOn(store, 'getCampaign').mockRejectedValue(new Error('socket hang up at 10.0.3.7:8000'));
    const handler = makeApiNotificationsHandler({ store, logger: new Logger('zhili-api-test', 'INFO') });
    const event = apiEvent('GET', `/campaigns/${CAMPAIGN}/notifications`, { claims: office });

    // Act
    const answer = await call(handler, event);

    // Assess
    const requestId = event.requestContext.requestId;
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({
      error: 'InternalServerError',
      message: `the request failed on our side; quote request id ${requestId} when you report it`,
    });
    expect(answer.text).not.toContain('10.0.3.7');
    const failure = out.map((l) => JSON.parse(l)).find((l) => l.message === 'request failed');
    expect(failure).toMatchObject({
      level: 'ERROR',
      requestId,
      error: { message: 'socket hang up at 10.0.3.7:8000' },
    });
  });

  it('answers 500 when an answer does not match its schema (checked in tests and locally)', async () => {
    // Prepare
    const store = new MemoryCampaignStore();
    vi.spyOn(store, 'getCampaign').mockResolvedValue({ id: CAMPAIGN } as never);
    vi.spyOn(store, 'listNotifications').mockResolvedValue([{ id: 'n1' }] as never);
    const handler = makeApiNotificationsHandler({
      store,
      logger: new Logger('zhili-api-test', 'SILENT'),
      checkResponses: true,
    });

    // Act
    const answer = await call(
      handler,
      apiEvent('GET', `/campaigns/${CAMPAIGN}/notifications`, { claims: office }),
    );

    // Assess
    expect(answer.status).toBe(500);
  });

  it('logs a refusal by the top-level fields at fault, never the body’s own keys', async () => {
    // Prepare: an inspection's items are a record; its keys are whatever the caller sent.
    const out = lines();
    const store = new MemoryCampaignStore();
    const logger = new Logger('zhili-api-test', 'INFO');
    const work = makeApiWorkHandler({ store, archive: new MemoryBulletinArchive(), logger });
    const body = { unitId: 'police-station', score: 'high', items: { 'hunter2-password': 'x' } };

    // Act
    const answer = await call(
      work,
      apiEvent('POST', `/campaigns/${CAMPAIGN}/inspections`, { claims: office, body }),
    );

    // Assess
    expect(answer.body.issues).toEqual([
      { path: 'score', message: 'Invalid input: expected number, received string' },
      { path: 'items.hunter2-password', message: 'Invalid input: expected number, received string' },
    ]);
    const refused = out.map((l) => JSON.parse(l)).find((l) => l.message === 'request refused');
    expect(refused).toMatchObject({ error: 'ValidationError', fields: ['score', 'items'] });
    expect(out.join('')).not.toContain('hunter2');
  });

  it('never logs the token, the Authorization header or the body, whatever the outcome', async () => {
    // Prepare
    const out = lines();
    const store = new MemoryCampaignStore();
    const logger = new Logger('zhili-api-test', 'DEBUG');
    const work = makeApiWorkHandler({ store, archive: new MemoryBulletinArchive(), logger });
    const campaigns = makeApiCampaignsHandler({ store, engine: new RecordingEngine(), logger });
    const docs = makeApiDocsHandler({ openApi: async () => ({}), logger });
    const secret = 'robot-secret-SEC0123456789';
    const headers = { authorization: `Bearer ${TOKEN}`, cookie: `session=${TOKEN}` };

    // Act: a refusal, a not-found, a success and a failure, each with the token in its headers.
    await call(work, apiEvent('POST', hazards, { claims: office, headers, body: `{"secret":"${secret}"` }));
    await call(work, apiEvent('GET', hazards, { claims: office, headers }));
    await call(docs, apiEvent('GET', '/openapi.json', { headers }));
    vi.spyOn(store, 'listCampaigns').mockRejectedValue(new Error('boom'));
    await call(campaigns, apiEvent('GET', '/campaigns', { claims: office, headers }));

    // Assess
    const log = out.join('');
    expect(out.length).toBeGreaterThanOrEqual(6);
    expect(log).toContain('"routeKey":"POST /campaigns/{campaignId}/hazards"');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain('test-token-never-logged');
    expect(log.toLowerCase()).not.toContain('authorization');
    expect(log).not.toContain(secret);
  });
});
