import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { makeApiCampaignsHandler } from '../../functions/api-campaigns/handler.ts';
import { makeApiDocsHandler } from '../../functions/api-docs/handler.ts';
import { makeApiNotificationsHandler } from '../../functions/api-notifications/handler.ts';
import { makeApiWorkHandler } from '../../functions/api-work/handler.ts';
import { Logger } from '../../functions/shared/adapters/logger.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../functions/shared/domain/errors.ts';
import type { BulletinArchive, CampaignStore, WorkflowEngine } from '../../functions/shared/domain/ports.ts';
import { IsoInstant } from '../../functions/shared/domain/state.ts';
import { type ApiEvent, MAX_BODY_BYTES } from '../../functions/shared/http/api-handler.ts';
import type { ApiFunction } from '../../functions/shared/http/api-routes.ts';
import { PayloadTooLargeError } from '../../functions/shared/http/http-errors.ts';
import { matchRoute } from '../../functions/shared/http/match-route.ts';
import { principalOf } from '../../functions/shared/http/principal.ts';
import { type ApiResponse, errorResponse, jsonResponse } from '../../functions/shared/http/responses.ts';
import { verifyBearer } from './dev-tokens.ts';

/**
 * The HTTP API on localhost: node:http in front of the very handlers the four API Lambdas run,
 * called in-process with the API Gateway v2 event they would get. The server plays API Gateway's
 * part: it matches the route (`{param}` = one path segment; an unknown route is 404, as there),
 * verifies the bearer token as the JWT authorizer does (401 before any handler runs), and passes
 * the claims on. Its clock is the requests' time: the wall clock, or a fixed instant that
 * `POST /_local/clock` moves forward, playing the workflow up to it.
 */

export interface ApiServerOptions {
  store: CampaignStore;
  engine: WorkflowEngine;
  archive: BulletinArchive;
  /** Plays the executions up to an instant (LocalRuntime.playUntil). */
  play: (to: string) => Promise<void>;
  /** The dev tokens' signing secret. */
  secret: Uint8Array;
  /** The OpenAPI document api-docs serves at /openapi.json. */
  openApi: () => Promise<Record<string, unknown>>;
  /** A fixed starting instant; the wall clock when absent. */
  clock?: string;
  /** 0: any free port. */
  port?: number;
  host?: string;
  /** One line per request (method, path, status, ms). */
  onRequest?: (line: string) => void;
  /** Every function logs through this one (tests); by default one logger each, at LOG_LEVEL (ERROR in the local runtime). */
  logger?: Logger;
}

export interface ApiServer {
  url: string;
  port: number;
  /** The server's now. */
  now(): string;
  close(): Promise<void>;
}

/** API Gateway's own limit is 10 MB; past this, the server stops reading and answers 413 itself. */
const MAX_READ_BYTES = 4 * MAX_BODY_BYTES;

const ClockMove = z.strictObject({ to: IsoInstant });

const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > MAX_READ_BYTES) {
        request.pause();
        reject(
          new PayloadTooLargeError(
            `the body is over ${MAX_READ_BYTES} bytes; this API takes at most ${MAX_BODY_BYTES}`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

const TEXTUAL = /^(application\/([\w.-]+\+)?(json|xml|yaml|x-www-form-urlencoded)|text\/)/i;

const lambdaContext = (functionName: string, requestId: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:cn-north-1:000000000000:function:${functionName}`,
  memoryLimitInMB: '512',
  awsRequestId: requestId,
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'local',
  getRemainingTimeInMillis: () => 15_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
});

/** Headers as API Gateway passes them: lower-case names, repeated values joined by commas. */
const headersOf = (request: IncomingMessage): Record<string, string> =>
  Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [
      name.toLowerCase(),
      Array.isArray(value) ? value.join(',') : String(value ?? ''),
    ]),
  );

/**
 * Query parameters as API Gateway passes them: repeated values joined by commas, each name its own
 * key whatever it is (`__proto__`, `constructor`), so that the handler refuses it by name.
 */
export const queryOf = (url: URL): Record<string, string> | undefined => {
  const query = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    const seen = query.get(name);
    query.set(name, seen === undefined ? value : `${seen},${value}`);
  }
  return query.size > 0 ? Object.fromEntries(query) : undefined;
};

export const startApiServer = async (options: ApiServerOptions): Promise<ApiServer> => {
  const logger = options.logger ?? new Logger('zhili-api-local');
  // One logger per function, as on AWS (each keeps its request's keys).
  const loggerOf = (fn: ApiFunction) => options.logger ?? new Logger(`zhili-${fn}`);
  if (options.clock !== undefined && Number.isNaN(Date.parse(options.clock))) {
    throw new ValidationError(`clock "${options.clock}" is not an ISO instant`, [
      { path: 'clock', message: 'not an instant' },
    ]);
  }
  let fixed = options.clock === undefined ? undefined : new Date(options.clock).toISOString();
  const now = (): string => fixed ?? new Date().toISOString();
  // One play at a time: the local runtime runs its executions one after another.
  let playing: Promise<void> = Promise.resolve();
  const play = (to: string): Promise<void> => {
    // A failed play fails its own request, not every later one.
    playing = playing.catch(() => {}).then(() => options.play(to));
    return playing;
  };
  const afterWorkflowChange = async () => play(now());
  const handlers: Record<ApiFunction, (event: ApiEvent, context: Context) => Promise<ApiResponse>> = {
    'api-campaigns': makeApiCampaignsHandler({
      store: options.store,
      engine: options.engine,
      afterWorkflowChange,
      logger: loggerOf('api-campaigns'),
      checkResponses: true,
    }),
    'api-work': makeApiWorkHandler({
      store: options.store,
      archive: options.archive,
      engine: options.engine,
      afterWorkflowChange,
      logger: loggerOf('api-work'),
      checkResponses: true,
    }),
    'api-notifications': makeApiNotificationsHandler({
      store: options.store,
      logger: loggerOf('api-notifications'),
      checkResponses: true,
    }),
    'api-docs': makeApiDocsHandler({
      openApi: options.openApi,
      logger: loggerOf('api-docs'),
      checkResponses: true,
    }),
  };

  /** The local-only clock: `GET` reads it, `POST { to }` (admin) moves it forward and plays the workflow up to it. */
  const clockRoute = async (
    method: string,
    claims: Record<string, string>,
    body: Buffer,
  ): Promise<ApiResponse> => {
    const principal = principalOf(claims);
    if (method === 'GET') return jsonResponse(200, { clock: now(), fixed: fixed !== undefined });
    if (method !== 'POST') throw new NotFoundError(`no route ${method} /_local/clock; it takes GET and POST`);
    if (principal.role !== 'admin') throw new ForbiddenError('only an admin moves the local clock');
    let raw: unknown;
    try {
      raw = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      throw new ValidationError('the body is not valid JSON', [{ path: '', message: 'not valid JSON' }]);
    }
    const parsed = ClockMove.safeParse(raw);
    if (!parsed.success) {
      throw new ValidationError('give { "to": "<ISO instant>" }', [
        { path: 'to', message: 'must be an ISO-8601 instant' },
      ]);
    }
    const to = new Date(parsed.data.to).toISOString();
    if (to < now()) {
      throw new ValidationError(`the clock only moves forward: it is ${now()}, ${to} is earlier`, [
        { path: 'to', message: 'earlier than the clock' },
      ]);
    }
    fixed = to;
    await play(to);
    return jsonResponse(200, { clock: to, fixed: true });
  };

  const respond = async (request: IncomingMessage, requestId: string): Promise<ApiResponse> => {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://localhost');
    const body = await readBody(request);
    const headers = headersOf(request);
    if (url.pathname === '/_local/clock') {
      return clockRoute(method, await verifyBearer(options.secret, headers.authorization), body);
    }
    const match = matchRoute(method, url.pathname);
    if (match.kind === 'none') {
      throw new NotFoundError(`no route ${method} ${url.pathname}; GET /openapi.json lists the routes`);
    }
    if (match.kind === 'method') {
      throw new NotFoundError(
        `no route ${method} ${url.pathname}; that path takes ${match.allowed.join(', ')}`,
      );
    }
    // API Gateway's JWT authorizer: no valid token, no handler.
    const claims = match.route.public ? undefined : await verifyBearer(options.secret, headers.authorization);
    const textual = body.byteLength === 0 || TEXTUAL.test(headers['content-type'] ?? '');
    const at = now();
    const event: ApiEvent = {
      version: '2.0',
      routeKey: match.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      headers,
      ...(queryOf(url) ? { queryStringParameters: queryOf(url) } : {}),
      ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: match.pathParameters } : {}),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: url.host,
        domainPrefix: 'local',
        http: {
          method,
          path: url.pathname,
          protocol: `HTTP/${request.httpVersion}`,
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId,
        routeKey: match.routeKey,
        stage: '$default',
        time: at,
        timeEpoch: Date.parse(at),
        ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
      } as ApiEvent['requestContext'],
      ...(body.byteLength > 0 ? { body: body.toString(textual ? 'utf8' : 'base64') } : {}),
      isBase64Encoded: !textual,
    };
    return handlers[match.route.fn](event, lambdaContext(`zhili-${match.route.fn}`, requestId));
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const started = Date.now();
    const requestId = randomUUID();
    respond(request, requestId)
      .catch((error: unknown) => {
        const answer = errorResponse(error, requestId);
        if (answer.statusCode === 500) logger.error('local server failed', { requestId, error });
        return answer;
      })
      .then((answer) => {
        response.writeHead(answer.statusCode, {
          ...answer.headers,
          'x-request-id': requestId,
        } as Record<string, string>);
        response.end(answer.isBase64Encoded ? Buffer.from(answer.body, 'base64') : answer.body);
        // The path without the query string, as API Gateway's access log ($context.path): a query
        // can carry what a client should not have put there (?access_token=…), and this line is printed.
        const path = new URL(request.url ?? '/', 'http://localhost').pathname;
        options.onRequest?.(`${request.method} ${path} → ${answer.statusCode} (${Date.now() - started} ms)`);
        // A body the server stopped reading is not drained: close the connection with the answer.
        if (answer.statusCode === 413) request.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8787, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    now,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
};
