/**
 * Errors that cross layers. Each carries a stable `code` that the API maps once to GraphQL `extensions.code`;
 * adapters translate driver errors into these so no driver error ever reaches a resolver.
 */
export type ErrorCode = 'BAD_USER_INPUT' | 'CONFLICT' | 'NOT_FOUND' | 'FORBIDDEN' | 'UNAUTHENTICATED' | 'ILLEGAL_STATE' | 'TOO_MANY_REQUESTS';

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that can never be accepted, whatever the state (bad field, bad value, bad syntax). */
export class ValidationError extends DomainError {
  readonly code = 'BAD_USER_INPUT' as const;
}

/** A command that is valid in itself but not in the aggregate's current state. */
export class IllegalStateError extends DomainError {
  readonly code = 'ILLEGAL_STATE' as const;
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND' as const;
}

/** The stream moved on since it was read (optimistic concurrency). Retrying after a fresh read may succeed. */
export class ConcurrencyError extends DomainError {
  readonly code = 'CONFLICT' as const;
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN' as const;
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED' as const;
}

/** Too many attempts in a short time (login guessing). */
export class TooManyRequestsError extends DomainError {
  readonly code = 'TOO_MANY_REQUESTS' as const;
}

const BY_CODE: Record<ErrorCode, new (message: string) => DomainError> = {
  BAD_USER_INPUT: ValidationError,
  CONFLICT: ConcurrencyError,
  NOT_FOUND: NotFoundError,
  FORBIDDEN: ForbiddenError,
  UNAUTHENTICATED: UnauthenticatedError,
  ILLEGAL_STATE: IllegalStateError,
  TOO_MANY_REQUESTS: TooManyRequestsError,
};

/** An error raised elsewhere (another node) raised again here as the same kind: a known code keeps its class. */
export function errorOfCode(code: string | null, message: string): Error {
  const Kind = code && Object.hasOwn(BY_CODE, code) ? BY_CODE[code as ErrorCode] : undefined;
  return Kind ? new Kind(message) : new Error(message);
}

/** Fails the exhaustiveness check of a `switch` on a union at compile time, and loudly at run time. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
