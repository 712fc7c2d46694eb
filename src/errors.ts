// Error classes shared by activities, adapters and the API. The class name is the Temporal failure `type`,
// so permanent ones can be listed in `nonRetryableErrorTypes` by name.

/** A request that can never succeed as sent: answered with a 4xx, never retried, never a strategy failure. */
export class AppError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: string,
    readonly field?: string,
    /** Extra fields for the reply body (e.g. the id of the heal already running). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`, 400, 'validation_error', field);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(`${what} not found`, 404, 'not_found');
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, 409, 'conflict', undefined, details);
  }
}

/** An action target that is not in the request's allowlist, or not there at all. Permanent. */
export class TargetNotAllowedError extends AppError {
  constructor(message: string) {
    super(message, 422, 'target_not_allowed');
  }
}

/** A target that vanished while a heal ran: the heal fails and compensates instead of retrying forever. */
export class TargetGoneError extends Error {
  override name = 'TargetGoneError';
}

/** An action ran but its effect did not show (e.g. a restarted container never became healthy). */
export class ActionFailedError extends Error {
  override name = 'ActionFailedError';
}

export const NON_RETRYABLE_ERROR_TYPES = [
  'AppError',
  'ValidationError',
  'NotFoundError',
  'TargetNotAllowedError',
  'TargetGoneError',
  'ActionFailedError',
];
