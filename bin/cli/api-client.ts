import * as z from 'zod/mini';
import type { FieldIssue } from '../../functions/shared/domain/errors.ts';
import { ROUTES, type RouteMeta } from '../../functions/shared/http/api-routes.ts';
import type { RouteSchema } from '../../functions/shared/http/route-schema.ts';
import { campaignSchemas } from '../../functions/shared/http/schemas/campaigns.ts';
import { notificationSchemas } from '../../functions/shared/http/schemas/notifications.ts';
import { workSchemas } from '../../functions/shared/http/schemas/work.ts';
import { EXIT, type ExitCode } from './common.ts';

/**
 * The zhili API as the CLI sees it: one request per call with fetch and a timeout, paths from the
 * route table, answers checked against the routes' zod schemas, and every failure an ApiError
 * with its exit code and a line saying what to do.
 */

const SCHEMAS = { ...campaignSchemas, ...workSchemas, ...notificationSchemas };
type Schemas = typeof SCHEMAS;
export type RouteId = keyof Schemas & string;

type Field<R extends RouteId, K extends keyof RouteSchema> =
  Schemas[R] extends Record<K, infer S> ? (S extends z.ZodMiniType ? S : never) : never;
/** What a route answers, as its schema reads it (defaults filled in). */
export type Answer<R extends RouteId> = z.output<Schemas[R]['response']>;

export interface CallInput<R extends RouteId> {
  params?: z.input<Field<R, 'params'>>;
  query?: Record<string, string | boolean | undefined>;
  body?: unknown;
}

/** An answer: the JSON as sent (what --json prints) and as the route's schema reads it. */
export interface Answered<T> {
  raw: unknown;
  data: T;
}

/** The local server is the default target; tokens there come from its dev-tokens file. */
export const LOCAL_API = 'http://127.0.0.1:8787';

/** How long a request may take: launches and clock moves play the local workflow before answering. */
export const DEFAULT_TIMEOUT_MS = 120_000;

export const isLoopback = (url: string): boolean => {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host.startsWith('127.');
};

export interface ApiFailure {
  /** The API's error name (ValidationError, …), or the CLI's own (Unreachable, Timeout, BadAnswer). */
  error: string;
  message: string;
  issues?: FieldIssue[];
  /** The HTTP status, when the API answered. */
  status?: number;
  /** What to do about it. */
  hint?: string;
}

/** A request that did not succeed, with the exit code it means. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly failure: ApiFailure,
    readonly exitCode: ExitCode,
    /** Whether the request could have written something (anything but a GET). */
    readonly wrote: boolean,
  ) {
    super(failure.message);
  }
}

/**
 * The exit code of an HTTP status: the caller's input refused (1), not signed in or not allowed (4),
 * anything else (a 5xx, a throttle, a timeout) the runtime's (3).
 */
export const exitCodeOf = (status: number): ExitCode => {
  if (status === 401 || status === 403) return EXIT.denied;
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return EXIT.badInput;
  return EXIT.runtime;
};

const ErrorAnswer = z.object({
  error: z.optional(z.string()),
  message: z.string(),
  issues: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
});

/** The role and unit a bearer token claims, read without verifying it (for the hints only). */
export const claimsOf = (token: string | undefined): { role?: string; unit?: string; name?: string } => {
  const payload = token?.split('.')[1];
  if (!payload) return {};
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const groups = claims['cognito:groups'];
    const role = Array.isArray(groups) ? String(groups[0] ?? '') : undefined;
    const unit = claims['custom:unit'];
    const name = claims.name ?? claims['cognito:username'];
    return {
      ...(role ? { role } : {}),
      ...(typeof unit === 'string' ? { unit } : {}),
      ...(typeof name === 'string' ? { name } : {}),
    };
  } catch {
    return {};
  }
};

export interface ApiClientOptions {
  baseUrl: string;
  token?: string;
  timeoutMs?: number;
}

interface RequestSpec {
  method: string;
  path: string;
  query?: Record<string, string | boolean | undefined>;
  body?: unknown;
  /** What the answer should be: JSON (the default) or a document. */
  accept?: 'json' | 'text';
  /** Who may call it, for the 403 hint. */
  roles?: readonly string[];
}

export class ApiClient {
  readonly baseUrl: string;
  readonly token: string | undefined;
  private readonly timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Calls a route of the route table; its JSON answer is checked against the route's response schema. */
  async call<R extends RouteId>(id: R, input: CallInput<R> = {}): Promise<Answered<Answer<R>>> {
    const route = routeOf(id);
    const raw = await this.request({ ...this.specOf(route, input), accept: 'json' });
    const parsed = (SCHEMAS[id].response as z.ZodMiniType).safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw this.badAnswer(
        `${route.method} ${route.path} answered with an unexpected body (${issue?.path.join('.') || '(body)'}: ${issue?.message})`,
        route.method,
      );
    }
    return { raw, data: parsed.data as Answer<R> };
  }

  /** Calls a route that answers with a document (a bulletin as Markdown, HTML or CSV). */
  async document<R extends RouteId>(id: R, input: CallInput<R> = {}): Promise<string> {
    return (await this.request({ ...this.specOf(routeOf(id), input), accept: 'text' })) as string;
  }

  /** A request outside the route table (the local server's clock); the JSON answer as sent. */
  async local(method: 'GET' | 'POST', path: string, body?: unknown, roles?: readonly string[]) {
    return this.request({ method, path, body, roles, accept: 'json' });
  }

  private specOf(route: RouteMeta, input: CallInput<RouteId>): Omit<RequestSpec, 'accept'> {
    const params = (input.params ?? {}) as Record<string, string>;
    const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params[name];
      if (value === undefined) throw new Error(`${route.id}: no value for {${name}}`);
      return encodeURIComponent(value);
    });
    return { method: route.method, path, query: input.query, body: input.body, roles: route.roles };
  }

  private async request(spec: RequestSpec): Promise<unknown> {
    const url = new URL(`${this.baseUrl}${spec.path}`);
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const wrote = spec.method !== 'GET';
    let response: Response;
    try {
      response = await fetch(url, {
        method: spec.method,
        headers: {
          accept: spec.accept === 'text' ? 'text/*' : 'application/json',
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(spec.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw this.unreachable(error, wrote);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.unreachable(error, wrote);
    }
    const isJson = /^application\/([\w.-]+\+)?json/i.test(response.headers.get('content-type') ?? '');
    let json: unknown;
    if (isJson) {
      try {
        json = JSON.parse(text);
      } catch {
        throw this.badAnswer(
          `${spec.method} ${spec.path} answered ${response.status} with broken JSON`,
          spec.method,
        );
      }
    }
    if (!response.ok) throw this.refusal(response.status, json, spec);
    if (spec.accept === 'text') return text;
    if (!isJson) {
      throw this.badAnswer(
        `${spec.method} ${spec.path} answered ${response.status} with ${response.headers.get('content-type') ?? 'no content type'}, not JSON`,
        spec.method,
      );
    }
    return json;
  }

  private refusal(status: number, json: unknown, spec: RequestSpec): ApiError {
    const parsed = ErrorAnswer.safeParse(json);
    const failure: ApiFailure = parsed.success
      ? {
          error: parsed.data.error ?? `HTTP${status}`,
          message: parsed.data.message,
          ...(parsed.data.issues ? { issues: parsed.data.issues } : {}),
          status,
        }
      : { error: `HTTP${status}`, message: `${spec.method} ${spec.path} answered ${status}`, status };
    const hint = this.hintFor(status, spec);
    return new ApiError(hint ? { ...failure, hint } : failure, exitCodeOf(status), spec.method !== 'GET');
  }

  private hintFor(status: number, spec: RequestSpec): string | undefined {
    if (status === 401) {
      return isLoopback(this.baseUrl)
        ? 'sign in: --as <role> (or --as liaison:<unit>) takes a dev token of the local server started by `zhili serve` in the same ZHILI_HOME; or pass --token / ZHILI_TOKEN'
        : `sign in: \`zhili login --api ${this.baseUrl} --client-id <id> --region <region> --user <email>\`, or pass --token / ZHILI_TOKEN`;
    }
    if (status === 403 && spec.roles && spec.roles.length > 0) {
      const { role } = claimsOf(this.token);
      if (role && spec.roles.includes(role)) return undefined;
      const needs = `this needs the role ${spec.roles.join(' or ')}${role ? `; you act as ${role}` : ''}`;
      return isLoopback(this.baseUrl)
        ? `${needs} (on the local server: --as ${spec.roles[0]})`
        : `${needs}: sign in as someone who has it`;
    }
    return undefined;
  }

  private unreachable(error: unknown, wrote: boolean): ApiError {
    const cause = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (cause.name === 'TimeoutError' || cause.name === 'AbortError') {
      return new ApiError(
        {
          error: 'Timeout',
          message: `no answer from ${this.baseUrl} within ${this.timeoutMs / 1000} s`,
          hint: 'ZHILI_TIMEOUT (seconds) allows longer; a write that timed out may still have happened: look before you retry',
        },
        EXIT.runtime,
        wrote,
      );
    }
    const why = cause.cause?.code ?? cause.cause?.message ?? cause.message ?? String(error);
    return new ApiError(
      isLoopback(this.baseUrl)
        ? {
            error: 'Unreachable',
            message: `no zhili API at ${this.baseUrl} (${why})`,
            hint: 'start one with `zhili serve` (or pass --api)',
          }
        : {
            error: 'Unreachable',
            message: `cannot reach the zhili API at ${this.baseUrl} (${why})`,
            hint: 'check the address (--api or ZHILI_API) and your network',
          },
      EXIT.runtime,
      false,
    );
  }

  private badAnswer(message: string, method: string): ApiError {
    return new ApiError(
      {
        error: 'BadAnswer',
        message,
        hint: `is ${this.baseUrl} a zhili API of the same version as this CLI?`,
      },
      EXIT.runtime,
      method !== 'GET',
    );
  }
}

const routeOf = (id: RouteId): RouteMeta => {
  const route = ROUTES.find((r) => r.id === id);
  if (!route) throw new Error(`no route ${id}`);
  return route;
};

/**
 * Prints a failure: with --json the failure as JSON on stdout (the API's error body, its status and
 * the hint), always the message, each field and the hint on stderr.
 */
export const printFailure = (error: ApiError, json: boolean): void => {
  const { failure } = error;
  if (json) console.log(JSON.stringify(failure, null, 2));
  console.error(`✗ ${failure.message}`);
  for (const issue of failure.issues ?? []) console.error(`  - ${issue.path || '(body)'}: ${issue.message}`);
  if (error.exitCode === EXIT.badInput && error.wrote) console.error('Nothing was written.');
  if (failure.hint) console.error(`  → ${failure.hint}`);
};
