import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { ApiEvent } from '../../functions/shared/http/api-handler.ts';
import type { Role } from '../../functions/shared/http/api-routes.ts';
import { matchRoute } from '../../functions/shared/http/match-route.ts';

/** API Gateway HTTP API events (payload 2.0) as the JWT authorizer hands them to a Lambda. */

export type Claims = Record<string, string | number | boolean | string[]>;

/** Claims as API Gateway passes a Cognito ID token's: `cognito:groups` as the string "[role]". */
export const claimsOf = (role: Role | string, options: { unit?: string; name?: string } = {}): Claims => ({
  sub: `sub-${role}-${options.unit ?? 'all'}`,
  'cognito:groups': `[${role}]`,
  'cognito:username': `${role}-user`,
  name: options.name ?? `${role} person`,
  iss: 'https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_test',
  aud: 'zhili-cli',
  token_use: 'id',
  ...(options.unit ? { 'custom:unit': options.unit } : {}),
});

export interface EventOptions {
  /** Claims of the caller; none: no authorizer context (a public route). */
  claims?: Claims;
  /** A JSON value (sent as JSON) or text (sent as is). */
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** When the request arrives (requestContext.timeEpoch). */
  at?: string;
  base64?: boolean;
}

/** An event for `METHOD /concrete/path`, with the route key and path parameters API Gateway would give. */
export const apiEvent = (method: string, path: string, options: EventOptions = {}): ApiEvent => {
  const match = matchRoute(method, path);
  const text =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    ...(text !== undefined ? { 'content-type': 'application/json' } : {}),
    authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.test-token-never-logged.c2lnbmF0dXJl',
    ...options.headers,
  };
  const when = options.at ? Date.parse(options.at) : Date.parse('2027-03-02T09:00:00+08:00');
  const query = options.query ?? {};
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey: match.kind === 'route' ? match.routeKey : `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(match.kind === 'route' && Object.keys(match.pathParameters).length > 0
      ? { pathParameters: match.pathParameters }
      : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'api.test',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId,
      routeKey: match.kind === 'route' ? match.routeKey : `${method} ${path}`,
      stage: '$default',
      time: new Date(when).toISOString(),
      timeEpoch: when,
      ...(options.claims ? { authorizer: { jwt: { claims: options.claims, scopes: null } } } : {}),
    } as ApiEvent['requestContext'],
    ...(text !== undefined
      ? {
          body: options.base64 ? Buffer.from(text, 'utf8').toString('base64') : text,
          isBase64Encoded: Boolean(options.base64),
        }
      : { isBase64Encoded: false }),
  };
};

export const lambdaContext = (): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'zhili-api-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws-cn:lambda:cn-north-1:000000000000:function:zhili-api-test',
  memoryLimitInMB: '512',
  awsRequestId: randomUUID(),
  logGroupName: '/aws/lambda/zhili-api-test',
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 15_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
});

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | number | boolean>;
  body: T;
  text: string;
}

/** Calls a handler and reads its answer; JSON bodies parsed. */
export const call = async <T = Record<string, unknown>>(
  handler: (event: ApiEvent, context: Context) => Promise<unknown>,
  event: ApiEvent,
): Promise<Answer<T>> => {
  const result = (await handler(event, lambdaContext())) as {
    statusCode: number;
    headers?: Record<string, string | number | boolean>;
    body: string;
  };
  const headers = result.headers ?? {};
  const json = String(headers['content-type'] ?? '').startsWith('application/json');
  return {
    status: result.statusCode,
    headers,
    body: (json ? JSON.parse(result.body) : {}) as T,
    text: result.body,
  };
};
