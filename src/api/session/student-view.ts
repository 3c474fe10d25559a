import { ForbiddenError } from '../../domain/core/errors.js';
import { fieldsOf, type Query } from '../../projections/search/index.js';
import type { Caller } from '../authorization.js';

const isStudent = (actor: Caller | null | undefined) => actor?.role === 'student';

/**
 * What a caller may read of a session event's data. The proctor's comment on a conclusion is for the record
 * (proctors, committee, auditors): a test-taker gets the conclusion and the message meant for them, never the comment.
 */
export function eventDataFor(actor: Caller | null | undefined, type: string, data: unknown): unknown {
  if (!isStudent(actor) || type !== 'SessionConcluded' || typeof data !== 'object' || data === null) return data;
  const { comment: _, ...rest } = data as Record<string, unknown>;
  return rest;
}

/** The session's comment as a caller may read it (the same rule as `eventDataFor`). */
export function commentFor(actor: Caller | null | undefined, comment: string | null): string | null {
  return isStudent(actor) ? null : comment;
}

/** A test-taker's search may not test the comment either: matching it letter by letter would read it. */
export function assertSearchable(actor: Caller | null | undefined, query: Query): void {
  if (isStudent(actor) && fieldsOf(query).has('comment')) throw new ForbiddenError('a test-taker cannot search the proctor\'s comment');
}
