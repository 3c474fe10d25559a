import { IllegalStateError, ValidationError } from '../core/errors.js';
import { text as boundedText } from '../core/fields.js';
import type { MetricCode } from './metrics.js';
import { coveredMs } from './score.js';
import type { Session, SessionFacts } from './state.js';

/**
 * What the session's per-command deciders share: the states a command needs the session in, the session's own clock
 * (pauses excluded), and the bounds on what people type.
 */

const LOGIN = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$/;
export const MAX_TEXT = 5000;

export type Live = Extract<Session, { status: 'in_progress' | 'paused' }>;
export type Existing = Exclude<Session, { status: 'none' }>;

export function text(value: string, what: string, max = MAX_TEXT): string {
  return boundedText(value, what, max, { multiline: max >= 1000 });
}

export function login(value: string, what: string): string {
  if (typeof value !== 'string' || !LOGIN.test(value)) throw new ValidationError(`${what} ${JSON.stringify(String(value).slice(0, 40))} is not a valid login`, { field: what });
  return value;
}

export function exists(state: Session, action: string): Existing {
  if (state.status === 'none') throw new IllegalStateError(`cannot ${action}: the session does not exist`);
  return state;
}

export function live(state: Session, action: string): Live {
  const s = exists(state, action);
  if (s.status !== 'in_progress' && s.status !== 'paused') throw new IllegalStateError(`cannot ${action}: the session is ${readable(s.status)}`);
  return s;
}

/** States in which people are still talking: before the start, during, and while paused. */
export function open(state: Session, action: string): Existing {
  const s = exists(state, action);
  if (s.status === 'finished' || s.status === 'concluded' || s.status === 'cancelled') {
    throw new IllegalStateError(`cannot ${action}: the session is ${readable(s.status)}`);
  }
  return s;
}

export function readable(status: Session['status']): string {
  return status === 'in_progress' ? 'in progress' : status === 'none' ? 'not created' : status;
}

/** Minutes of session time between the start and `at`, pauses excluded. */
export function elapsedMinutes(s: SessionFacts, at: Date, pausedAt?: string): number {
  if (!s.startedAt) return 0;
  const pausedNow = pausedAt ? at.getTime() - Date.parse(pausedAt) : 0;
  const elapsed = at.getTime() - Date.parse(s.startedAt) - s.pausedMs - pausedNow;
  return Math.max(0, Math.ceil(elapsed / 60_000));
}

/**
 * Violation time the server decided rather than the browser: c5/c6 within the session (from its start to `end`) from
 * the face-check spans, and t1 from the recording's analysis (a minute with a contradiction counts whole, however many
 * metrics disagree in it).
 */
export function faceViolation(s: SessionFacts, end: Date): Partial<Record<MetricCode, number>> {
  if (!s.startedAt) return {};
  const from = Date.parse(s.startedAt);
  const t1 = new Set(s.contradicted.map((key) => key.split(':')[0])).size * 60_000;
  return { c5: coveredMs(s.faceSpans.c5, from, end.getTime()), c6: coveredMs(s.faceSpans.c6, from, end.getTime()), t1 };
}
