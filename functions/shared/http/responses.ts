import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  ConflictError,
  DefinitionError,
  type FieldIssue,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../domain/errors.ts';
import { PayloadTooLargeError, UnauthorizedError, UnsupportedMediaTypeError } from './http-errors.ts';
import type { ErrorBody } from './route-schema.ts';

/** The API's answers: JSON with fixed headers, and the one mapping from errors to status codes. */

export type ApiResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

export const jsonResponse = (statusCode: number, body: unknown, headers: Record<string, string> = {}) =>
  ({
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...COMMON_HEADERS, ...headers },
    body: JSON.stringify(body),
  }) satisfies ApiResponse;

export const textResponse = (statusCode: number, contentType: string, body: string) =>
  ({
    statusCode,
    headers: { 'content-type': contentType, ...COMMON_HEADERS },
    body,
  }) satisfies ApiResponse;

/**
 * Errors the API answers with their own message, by class: each one says what is wrong, and what is
 * wrong is the caller's to fix. The first class an error is an instance of decides.
 */
const EXPOSED: readonly [new (...args: never[]) => Error, number][] = [
  [ValidationError, 400],
  [DefinitionError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [PayloadTooLargeError, 413],
  [UnsupportedMediaTypeError, 415],
];

const issuesOf = (error: Error): FieldIssue[] | undefined =>
  error instanceof ValidationError || error instanceof DefinitionError ? error.issues : undefined;

/** The status of an error: its class's, or 500 for anything else. */
export const statusOf = (error: unknown): number =>
  EXPOSED.find(([type]) => error instanceof type)?.[1] ?? 500;

/**
 * The one place where errors become answers. A 500 says nothing of its cause (which may hold
 * internals): the caller gets the request id, the log gets the error with the same id.
 */
export const errorResponse = (error: unknown, requestId: string): ApiResponse => {
  const status = statusOf(error);
  if (status === 500 || !(error instanceof Error)) {
    return jsonResponse(500, {
      error: 'InternalServerError',
      message: `the request failed on our side; quote request id ${requestId} when you report it`,
    } satisfies ErrorBody);
  }
  const issues = issuesOf(error);
  const body: ErrorBody = { error: error.name, message: error.message, ...(issues ? { issues } : {}) };
  return jsonResponse(status, body, status === 401 ? { 'www-authenticate': 'Bearer' } : {});
};
