import * as z from 'zod/mini';
import '../domain/zod-locale.ts';
import { Slug } from '../domain/ids.ts';
import type { ApiFunction, ROUTES } from './api-routes.ts';

/**
 * What crosses the HTTP boundary of one route, as zod schemas: the single source of the handlers'
 * types, of the validation, and of the OpenAPI document (functions/shared/http/openapi.ts).
 */
export interface RouteSchema {
  /** Path parameters; none when absent. */
  params?: z.ZodMiniType;
  /** Query parameters (strings, as API Gateway gives them); unknown ones are refused. None when absent. */
  query?: z.ZodMiniType;
  /** The JSON body; the route takes none when absent. */
  body?: z.ZodMiniType;
  /** The body may be left out (an empty POST); it is validated as `{}` then. */
  bodyOptional?: boolean;
  /**
   * The body's schema chosen by the validated path parameters (a hazard command's fields depend on
   * its action); `body` is then the union the OpenAPI document shows.
   */
  bodyFor?: (params: never) => z.ZodMiniType;
  /** The JSON answer on success. */
  response: z.ZodMiniType;
  /** The success status; 200 when absent. */
  status?: 200 | 201;
  /** Other representations the route answers with on request (`?format=`), besides JSON. */
  produces?: readonly string[];
  /** Said in the OpenAPI document beside the route's summary. */
  description?: string;
}

type RouteOf<F extends ApiFunction> = Extract<(typeof ROUTES)[number], { fn: F }>;
/** The ids of the routes one function serves. */
export type RouteIdOf<F extends ApiFunction> = RouteOf<F>['id'];

/** Every route of a function with its schemas: a route left out does not compile. */
export type FunctionSchemas<F extends ApiFunction> = { readonly [K in RouteIdOf<F>]: RouteSchema };

/** The body of every refusal and failure: the error's name, a message saying what is wrong, the fields. */
export const ErrorBody = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export { Slug };

export const CampaignParams = z.strictObject({ campaignId: Slug });

/** A query flag: `true`/`false` (or `1`/`0`) in the query string, a boolean to the handler. */
export const QueryFlag = z.pipe(
  z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }),
  z.transform((v) => v === 'true' || v === '1'),
);
