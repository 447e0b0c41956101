/**
 * Named errors. `name` is what Step Functions `ErrorEquals` matches and what the API maps to a
 * status code, so each class sets it explicitly (minifiers rename classes).
 */
export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `phases.rectify.start` or `organisation.units[3].id`. */
  path: string;
  message: string;
}

export class DefinitionError extends Error {
  constructor(
    readonly source: string,
    readonly issues: FieldIssue[],
  ) {
    super(`${source}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
    this.name = 'DefinitionError';
  }
}

export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

export class ValidationError extends Error {
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** The actor may not do this (谁上报、谁核查: only the reporter or the office verifies). */
export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}
