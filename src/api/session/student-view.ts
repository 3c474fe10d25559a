import { ForbiddenError } from '../../domain/core/errors.js';
import { fieldsOf, type Query } from '../../projections/search/index.js';
import type { Caller } from '../authorization.js';
import { METRIC_CODES } from '../../domain/session/metrics.js';

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

/** Whether a caller may see a session's score and the averages it comes from: staff always; a test-taker only where the session says. */
export function scoreVisibleTo(actor: Caller | null | undefined, session: { readonly scoreVisibleToStudent: boolean }): boolean {
  return !isStudent(actor) || session.scoreVisibleToStudent;
}

/** Fields a test-taker's search may not test: matching them value by value would read them. */
const HIDDEN_FROM_STUDENTS = new Set(['comment', 'score', ...METRIC_CODES.map((c) => `averages.${c}`)]);

/** A test-taker's search may not test the comment, the score or the averages: matching would read them. */
export function assertSearchable(actor: Caller | null | undefined, query: Query): void {
  if (!isStudent(actor)) return;
  const hidden = [...fieldsOf(query)].find((f) => HIDDEN_FROM_STUDENTS.has(f));
  if (hidden) throw new ForbiddenError(`a test-taker cannot search by ${hidden === 'comment' ? 'the proctor\'s comment' : hidden}`);
}
