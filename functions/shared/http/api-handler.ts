import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import type { Logger } from '../adapters/logger.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { zodIssues } from '../domain/parse-definition.ts';
import type { Instant } from '../domain/schedule.ts';
import { type ApiFunction, ROUTES, type RouteMeta } from './api-routes.ts';
import { PayloadTooLargeError, UnauthorizedError, UnsupportedMediaTypeError } from './http-errors.ts';
import { authorize, type Principal, principalOf } from './principal.ts';
import { type ApiResponse, errorResponse, jsonResponse, statusOf, textResponse } from './responses.ts';
import type { FunctionSchemas, RouteSchema } from './route-schema.ts';

/**
 * The one shape of the API's Lambdas (API Gateway HTTP API, payload 2.0): the route from
 * `routeKey`, the principal from the JWT authorizer's claims and the route's roles gate, the JSON
 * body (size, type, syntax), params, query and body validated by the route's zod schemas, then the
 * route's implementation, which calls a use case. Errors become answers in one place (responses.ts).
 */

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

/** A report with 10,000-character texts fits easily; a definition of 1,000 units too. */
export const MAX_BODY_BYTES = 256 * 1024;

/** An answer that is a document (Markdown, HTML, CSV) rather than JSON. */
export class DocumentBody {
  constructor(
    readonly contentType: string,
    readonly body: string,
  ) {}
}

type Out<T> = T extends z.ZodMiniType ? z.output<T> : undefined;

export interface ApiRequest<S extends RouteSchema> {
  params: Out<S['params']>;
  query: Out<S['query']>;
  /** A body left out where the route allows it is validated as `{}`. */
  body: Out<S['body']>;
  /** Who calls; a public route that reads it gets a 401. */
  principal: Principal;
  /** When the request arrived (API Gateway's `timeEpoch`; the local server's virtual clock). */
  at: Instant;
  requestId: string;
}

export type RouteImpl<S extends RouteSchema> = (
  request: ApiRequest<S>,
) => Promise<z.output<S['response']> | DocumentBody>;

export type RouteImpls<M extends Record<string, RouteSchema>> = { [K in keyof M]: RouteImpl<M[K]> };

export interface ApiHandlerOptions<F extends ApiFunction, M extends FunctionSchemas<F>> {
  fn: F;
  schemas: M;
  routes: RouteImpls<M>;
  logger: Logger;
  /** Checks every JSON answer against the route's response schema (tests, the local server): a mismatch is a 500. */
  checkResponses?: boolean;
}

const NONE = z.strictObject({});

const header = (event: ApiEvent, name: string): string | undefined =>
  Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];

const isJson = (contentType: string | undefined): boolean =>
  contentType !== undefined && /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType.trim());

/** The raw body as JSON: 413 over the limit, 415 when not JSON, 400 when it does not parse or is missing. */
const readJsonBody = (event: ApiEvent, schema: RouteSchema): unknown => {
  if (!schema.body) return undefined;
  const bytes = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64')
      : Buffer.from(event.body, 'utf8')
    : Buffer.alloc(0);
  if (bytes.byteLength > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(
      `the body is ${bytes.byteLength} bytes; this API takes at most ${MAX_BODY_BYTES} bytes (256 KB)`,
    );
  }
  const text = bytes.toString('utf8');
  if (text.trim() === '') {
    if (schema.bodyOptional) return undefined;
    throw new ValidationError('this route needs a JSON body', [{ path: '', message: 'required' }]);
  }
  const type = header(event, 'content-type');
  if (!isJson(type)) {
    throw new UnsupportedMediaTypeError(
      `send the body as JSON with Content-Type: application/json (${type ? `not ${type.slice(0, 100)}` : 'no Content-Type was given'})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`the body is not valid JSON: ${(error as Error).message.slice(0, 200)}`, [
      { path: '', message: 'not valid JSON' },
    ]);
  }
};

const validate = <S extends z.ZodMiniType>(schema: S, value: unknown, where: string): z.output<S> => {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = zodIssues(parsed.error);
  throw new ValidationError(
    `${where} is invalid: ${issues.map((i) => `${i.path || '(all)'}: ${i.message}`).join('; ')}`,
    issues,
  );
};

const requestIdOf = (event: ApiEvent, context: Context): string =>
  event.requestContext?.requestId ?? context.awsRequestId;

/** The first invocation of a container is its cold start. */
let coldStart = true;

/**
 * Every line of a request carries its request id and route, and only those (nothing left from the
 * last request); one access line at the end with the status. Never the headers, the token or the body.
 */
const requestLog = (logger: Logger): MiddlewareObj<ApiEvent, ApiResponse> => {
  const started = new WeakMap<object, number>();
  const requestLogBefore: MiddlewareObj<ApiEvent, ApiResponse>['before'] = (request) => {
    started.set(request, Date.now());
    logger.resetKeys();
    logger.appendKeys({
      requestId: requestIdOf(request.event, request.context),
      routeKey: request.event.routeKey,
      coldStart,
    });
    coldStart = false;
  };
  const requestLogAfter: MiddlewareObj<ApiEvent, ApiResponse>['after'] = (request) => {
    const status = request.response?.statusCode ?? 500;
    const ms = Date.now() - (started.get(request) ?? Date.now());
    logger.info('request', { status, ms });
  };
  return { before: requestLogBefore, after: requestLogAfter, onError: requestLogAfter };
};

/**
 * The fields a refusal names, by their top-level name only (the schemas' own, or "" for the whole):
 * deeper, a path can hold the body's own keys (a record's, such as an inspection's items), and
 * those are the caller's data, which may be anything, a password included.
 */
const refusedFields = (error: unknown): string[] | undefined => {
  const issues = (error as { issues?: { path: string }[] }).issues;
  return issues && [...new Set(issues.map((i) => i.path.split(/[.[]/)[0] ?? ''))];
};

/** The one mapping of errors to answers; a 500 is logged with its cause, a refusal by name only. */
const httpErrors = (logger: Logger): MiddlewareObj<ApiEvent, ApiResponse> => ({
  onError: (request) => {
    const { error } = request;
    const status = statusOf(error);
    if (status === 500) logger.error('request failed', { error });
    else logger.info('request refused', { error: (error as Error).name, fields: refusedFields(error) });
    request.response = errorResponse(error, requestIdOf(request.event, request.context));
  },
});

/** The Lambda handler of one API function: it serves its own routes and answers 404 to any other. */
export const makeApiHandler = <F extends ApiFunction, M extends FunctionSchemas<F>>(
  options: ApiHandlerOptions<F, M>,
) => {
  const { fn, schemas, logger, checkResponses = false } = options;
  const routes = options.routes as Record<string, RouteImpl<RouteSchema>>;
  const byKey = new Map<string, RouteMeta>(
    ROUTES.filter((r) => r.fn === fn).map((r) => [`${r.method} ${r.path}`, r]),
  );
  const schemaOf = schemas as Record<string, RouteSchema>;
  // The types see to it that every route has both; a container without them fails at its start.
  for (const route of byKey.values()) {
    if (!schemaOf[route.id] || !routes[route.id])
      throw new Error(`${fn}: route ${route.id} is not implemented`);
  }

  const dispatch = async (event: ApiEvent, context: Context): Promise<ApiResponse> => {
    const route = byKey.get(event.routeKey);
    if (!route) throw new NotFoundError(`no route ${event.routeKey} in ${fn}`);
    const schema = schemaOf[route.id] as RouteSchema;
    const implementation = routes[route.id] as RouteImpl<RouteSchema>;
    const principal = route.public ? undefined : principalOf(event.requestContext?.authorizer?.jwt?.claims);
    if (principal) authorize(principal, route);
    const raw = readJsonBody(event, schema);
    const params = validate(schema.params ?? NONE, event.pathParameters ?? {}, 'path');
    const query = validate(schema.query ?? NONE, event.queryStringParameters ?? {}, 'query');
    const bodySchema = schema.bodyFor ? schema.bodyFor(params as never) : schema.body;
    // Left out (where allowed), a body is an empty object: its fields' defaults and requirements apply.
    // A JSON `null` was sent, not left out: it is refused as not an object.
    const body = bodySchema ? validate(bodySchema, raw === undefined ? {} : raw, 'body') : undefined;
    const result = await implementation({
      params,
      query,
      body,
      at: new Date(event.requestContext?.timeEpoch ?? Date.now()),
      requestId: requestIdOf(event, context),
      get principal(): Principal {
        if (!principal) throw new UnauthorizedError(`${route.id} is public and knows no principal`);
        return principal;
      },
    } as ApiRequest<RouteSchema>);
    if (result instanceof DocumentBody) return textResponse(200, result.contentType, result.body);
    if (checkResponses) {
      const checked = schema.response.safeParse(result);
      if (!checked.success) {
        const issues = zodIssues(checked.error).map((i) => `${i.path}: ${i.message}`);
        throw new Error(`the answer of ${route.id} does not match its schema: ${issues.join('; ')}`);
      }
    }
    return jsonResponse(schema.status ?? 200, result);
  };

  return middy<ApiEvent, ApiResponse>().use(requestLog(logger)).use(httpErrors(logger)).handler(dispatch);
};
