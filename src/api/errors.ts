import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DomainError, type ErrorCode } from '../domain/core/errors.js';

const API_CODE: Record<ErrorCode, string> = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  CONFLICT: 'CONFLICT',
  ILLEGAL_STATE: 'CONFLICT',
  NOT_FOUND: 'NOT_FOUND',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
};

/** The `extensions.code` the API gives an error of ours (also each session's code in a bulk answer). */
export const apiCode = (code: ErrorCode): string => API_CODE[code];

/** Finds our error under graphql-js's wrapping (resolver errors arrive as `originalError`). */
function domainErrorOf(error: unknown): DomainError | null {
  let e: unknown = error;
  for (let i = 0; i < 5 && e; i++) {
    if (e instanceof DomainError) return e;
    e = (e as { originalError?: unknown }).originalError;
  }
  return null;
}

/**
 * The one place errors become `extensions.code`: our error classes by their code, GraphQL's own validation errors
 * as they are, anything else as INTERNAL_SERVER_ERROR with a generic message (logged, never sent with its stack).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, log: (error: unknown) => void): GraphQLFormattedError {
  const domain = domainErrorOf(error);
  if (domain) {
    return {
      message: domain.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: API_CODE[domain.code], ...(domain.code === 'ILLEGAL_STATE' ? { reason: 'ILLEGAL_STATE' } : {}), ...domain.details },
    };
  }
  // Apollo relabels every validation error GRAPHQL_VALIDATION_FAILED; our limit rules keep their own codes.
  if (formatted.extensions && 'limit' in formatted.extensions) {
    const ext = formatted.extensions;
    const code = 'cost' in ext ? 'QUERY_TOO_COSTLY' : 'depth' in ext ? 'QUERY_TOO_DEEP' : 'QUERY_TOO_WIDE';
    return { ...formatted, extensions: { ...ext, code } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
    const { stacktrace: _, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const original = (error as { originalError?: unknown })?.originalError;
  if (error instanceof GraphQLError && !original) return { message: formatted.message, locations: formatted.locations, extensions: { code: 'BAD_USER_INPUT' } };
  log(original ?? error);
  return { message: 'internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
