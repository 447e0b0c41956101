import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, exitCodeOf, printFailure } from '../../bin/cli/api-client.ts';

/** The CLI's HTTP client against a loopback server that answers as told: statuses, bodies, silence. */

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Answer = (request: IncomingMessage, response: ServerResponse) => void;

const json =
  (status: number, body: unknown): Answer =>
  (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(body));
  };

/** An unsigned token with the claims the hints read. */
const tokenAs = (role: string): string =>
  [
    'e30',
    Buffer.from(JSON.stringify({ 'cognito:groups': [role], name: 'x' })).toString('base64url'),
    'sig',
  ].join('.');

describe('ApiClient', () => {
  let server: Server;
  let url: string;
  let answer: Answer;
  const seen: Seen[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
        answer(request, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(() => {
    seen.length = 0;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** The ApiError a call ends with. */
  const failure = async (call: Promise<unknown>): Promise<ApiError> => {
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  };

  it('sends the route’s method and path with its parameters, the query, the JSON body and the token', async () => {
    // Prepare
    answer = json(200, { retried: ['n-1'] });
    const client = new ApiClient({ baseUrl: `${url}/`, token: 'tok' });

    // Act
    const result = await client.call('retryNotifications', {
      params: { campaignId: 'safety-2027' },
      query: { dry: undefined },
      body: { ids: ['n-1'] },
    });
    answer = json(200, { items: [], counts: [] });
    await client.call('listHazards', {
      params: { campaignId: 'a b' },
      query: { overdue: true, unit: undefined },
    });

    // Assess
    expect(result).toEqual({ raw: { retried: ['n-1'] }, data: { retried: ['n-1'] } });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/campaigns/safety-2027/notifications/retry',
      body: '{"ids":["n-1"]}',
      headers: {
        authorization: 'Bearer tok',
        'content-type': 'application/json',
        accept: 'application/json',
      },
    });
    expect(seen[1]).toMatchObject({ method: 'GET', url: '/campaigns/a%20b/hazards?overdue=true' });
    expect(seen[1]?.headers['content-type']).toBeUndefined();
  });

  it('maps refusals to exit 1 with the API’s message and fields, and says nothing was written for a write', async () => {
    // Prepare
    const client = new ApiClient({ baseUrl: url, token: 'tok' });
    const issues = [{ path: 'content.progress', message: 'required' }];

    // Act
    const codes: Record<number, number> = {};
    for (const status of [400, 404, 409, 413, 415]) {
      answer = json(status, { error: 'SomeError', message: `refused ${status}`, issues });
      codes[status] = (
        await failure(client.call('submitReport', { params: { campaignId: 'c1' }, body: {} }))
      ).exitCode;
    }
    answer = json(400, { error: 'ValidationError', message: 'body is invalid', issues });
    const refused = await failure(client.call('submitReport', { params: { campaignId: 'c1' }, body: {} }));
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((line: string) => lines.push(line));
    printFailure(refused, false);
    spy.mockRestore();

    // Assess
    expect(codes).toEqual({ 400: 1, 404: 1, 409: 1, 413: 1, 415: 1 });
    expect(refused.failure).toEqual({
      error: 'ValidationError',
      message: 'body is invalid',
      issues,
      status: 400,
    });
    expect(lines).toEqual(['✗ body is invalid', '  - content.progress: required', 'Nothing was written.']);
  });

  it('maps 401 and 403 to exit 4 with what to do: how to sign in, which role the route needs', async () => {
    // Prepare
    const local = new ApiClient({ baseUrl: url, token: tokenAs('office') });

    // Act
    answer = json(401, { error: 'UnauthorizedError', message: 'the token has expired' });
    const expired = await failure(local.call('listCampaigns'));
    answer = json(403, { error: 'ForbiddenError', message: 'an office may not do this' });
    const forbidden = await failure(
      local.call('pauseCampaign', { params: { campaignId: 'c1' }, body: { reason: 'r' } }),
    );
    // A role the route takes, refused for another unit: the API's message says why, no role hint.
    const scoped = await failure(local.call('listReports', { params: { campaignId: 'c1' } }));

    // Assess
    expect(expired.exitCode).toBe(4);
    expect(expired.failure.hint).toMatch(/--as <role>.*zhili serve.*ZHILI_TOKEN/);
    expect(forbidden.exitCode).toBe(4);
    expect(forbidden.failure.hint).toBe(
      'this needs the role admin; you act as office (on the local server: --as admin)',
    );
    expect(scoped.failure.hint).toBeUndefined();
  });

  it('maps a server failure, a throttle, an answer that is not the route’s and a broken body to exit 3', async () => {
    // Prepare
    const client = new ApiClient({ baseUrl: url });

    // Act
    answer = json(500, { error: 'InternalServerError', message: 'quote request id r-1' });
    const failed = await failure(client.call('listCampaigns'));
    answer = (_request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' });
      response.end('<html>bad gateway</html>');
    };
    const gateway = await failure(client.call('listCampaigns'));
    answer = json(429, { message: 'Too Many Requests' });
    const throttled = await failure(client.call('listCampaigns'));
    answer = json(200, { campaigns: 'none' });
    const wrongShape = await failure(client.call('listCampaigns'));
    answer = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"campaigns": [');
    };
    const broken = await failure(client.call('listCampaigns'));
    answer = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>a login page</html>');
    };
    const html = await failure(client.call('listCampaigns'));

    // Assess
    expect([failed, gateway, throttled, wrongShape, broken, html].map((e) => e.exitCode)).toEqual([
      3, 3, 3, 3, 3, 3,
    ]);
    expect(failed.failure.message).toBe('quote request id r-1');
    expect(gateway.failure).toMatchObject({
      error: 'HTTP502',
      message: 'GET /campaigns answered 502',
      status: 502,
    });
    expect(throttled.failure).toMatchObject({ error: 'HTTP429', message: 'Too Many Requests' });
    expect(wrongShape.failure.message).toBe(
      'GET /campaigns answered with an unexpected body (campaigns: Invalid input: expected array, received string)',
    );
    expect(wrongShape.failure.hint).toContain('same version as this CLI');
    expect(broken.failure.message).toBe('GET /campaigns answered 200 with broken JSON');
    expect(html.failure.message).toBe('GET /campaigns answered 200 with text/html, not JSON');
  });

  it('gives up after its timeout, and says how to start a server when none listens', async () => {
    // Prepare
    answer = () => {}; // never answers
    const slow = new ApiClient({ baseUrl: url, timeoutMs: 200 });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const nobody = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));

    // Act
    const timedOut = await failure(
      slow.call('pauseCampaign', { params: { campaignId: 'c1' }, body: { reason: 'r' } }),
    );
    const unreachable = await failure(new ApiClient({ baseUrl: nobody }).call('listCampaigns'));

    // Assess
    expect(timedOut.exitCode).toBe(3);
    expect(timedOut.failure).toMatchObject({
      error: 'Timeout',
      message: `no answer from ${url} within 0.2 s`,
    });
    expect(timedOut.failure.hint).toContain('may still have happened');
    expect(unreachable.exitCode).toBe(3);
    expect(unreachable.failure).toEqual({
      error: 'Unreachable',
      message: `no zhili API at ${nobody} (ECONNREFUSED)`,
      hint: 'start one with `zhili serve` (or pass --api)',
    });
  });

  it('reads a document as text and the local clock as JSON', async () => {
    // Prepare
    const client = new ApiClient({ baseUrl: url, token: 'tok' });

    // Act
    answer = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/markdown; charset=utf-8' });
      response.end('### 通报');
    };
    const document = await client.document('getBulletin', {
      params: { campaignId: 'c1', period: '2027-03-08' },
      query: { format: 'md' },
    });
    answer = json(200, { clock: '2027-03-02T01:00:00.000Z', fixed: true });
    const clock = await client.local('POST', '/_local/clock', { to: '2027-03-02T09:00+08:00' });

    // Assess
    expect(document).toBe('### 通报');
    expect(seen[0]).toMatchObject({
      url: '/campaigns/c1/bulletins/2027-03-08?format=md',
      headers: { accept: 'text/*' },
    });
    expect(clock).toEqual({ clock: '2027-03-02T01:00:00.000Z', fixed: true });
    expect(seen[1]).toMatchObject({
      method: 'POST',
      url: '/_local/clock',
      body: '{"to":"2027-03-02T09:00+08:00"}',
    });
  });
});

describe('exitCodeOf', () => {
  it('maps the caller’s refusals to 1, sign-in and permission to 4, the rest to 3', () => {
    const statuses = [400, 401, 403, 404, 408, 409, 413, 415, 422, 429, 500, 502, 503];
    expect(Object.fromEntries(statuses.map((s) => [s, exitCodeOf(s)]))).toEqual({
      400: 1,
      401: 4,
      403: 4,
      404: 1,
      408: 3,
      409: 1,
      413: 1,
      415: 1,
      422: 1,
      429: 3,
      500: 3,
      502: 3,
      503: 3,
    });
  });
});
