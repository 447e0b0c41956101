/**
 * Errors of the HTTP edge itself, beside the domain's (functions/shared/domain/errors.ts). Like those,
 * each sets `name` explicitly: minifiers rename classes, and the name is what the error body carries.
 * error-response.ts maps every one of them to its status code, in one place.
 */

/** No usable credentials: no token, or one that says nothing about who is calling. */
export class UnauthorizedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

/** The request body is larger than the API takes. */
export class PayloadTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadTooLargeError';
  }
}

/** The request body is not JSON. */
export class UnsupportedMediaTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedMediaTypeError';
  }
}
