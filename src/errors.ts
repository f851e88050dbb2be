/** Stable error codes of the public API (API.md). */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BACKEND_UNAVAILABLE'
  | 'BACKEND_ERROR'
  | 'RATE_LIMITED';

/** Every stable code, in API.md's order (RATE_LIMITED: too many secret value reads). */
export const ERROR_CODES: readonly ErrorCode[] = [
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'CONFLICT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BACKEND_UNAVAILABLE',
  'BACKEND_ERROR',
  'RATE_LIMITED',
];

export interface InputIssue {
  path: string;
  message: string;
}

/** An expected failure: its message is safe to show to the caller and its code is stable. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Invalid input; lists every problem found. */
export class BadUserInputError extends AppError {
  constructor(
    message: string,
    readonly issues: InputIssue[] = [],
  ) {
    super('BAD_USER_INPUT', message, { issues });
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class AlreadyExistsError extends AppError {
  constructor(message: string) {
    super('ALREADY_EXISTS', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'A valid API token is required (Authorization: Bearer <token>)') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

/** A secret back-end, Postgres or Redis did not answer in time. */
export class BackendUnavailableError extends AppError {
  constructor(message: string) {
    super('BACKEND_UNAVAILABLE', message);
  }
}

/** A secret back-end answered with an error; the message carries nothing secret. */
export class BackendError extends AppError {
  constructor(message: string) {
    super('BACKEND_ERROR', message);
  }
}

/** The caller read more secret values than its rate allows; `retryAfterMs` says when to retry. */
export class RateLimitedError extends AppError {
  constructor(message: string, retryAfterMs: number) {
    super('RATE_LIMITED', message, { retryAfterMs });
  }
}

/** Turns zod issues into the public `{path, message}` list. */
export function issuesFromZod(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
  prefix = '',
): InputIssue[] {
  return issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.'),
    message: issue.message,
  }));
}
