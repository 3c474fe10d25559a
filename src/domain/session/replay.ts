import type { SessionEvent } from './events.js';
import { elapsedMinutes, faceViolation } from './rules.js';
import { computeScore, type Score } from './score.js';
import { evolveSession, initialSession, type Session } from './state.js';

/**
 * Replay: the session as `evolveSession` rebuilt it after each event, and its score as it stood. Pure and free of
 * Node, so the auditor's browser runs this very module (web/src/lib/replay/) and sees what the server would.
 */

/** The state after each event: `states[i]` is the fold of `events[0..i]`. */
export function replayStates(events: readonly SessionEvent[]): Session[] {
  const states: Session[] = [];
  let state = initialSession();
  for (const event of events) {
    state = evolveSession(state, event);
    states.push(state);
  }
  return states;
}

/**
 * The credibility score as it stood at `at`: computed as finishing the session then would (its time so far, pauses
 * excluded, face-check spans up to then); once finished, over the session's whole time, as the server computed it.
 * Null before the start, or for a session that never started.
 */
export function scoreAt(state: Session, at: Date): Score | null {
  if (state.status === 'none' || state.status === 'cancelled' || !state.startedAt) return null;
  const ended = state.status === 'finished' || state.status === 'concluded';
  const end = ended ? new Date(state.finishedAt) : at;
  const pausedAt = state.status === 'paused' ? state.pausedAt : undefined;
  return computeScore({
    metrics: state.metrics, weights: state.weights, minutes: state.minutes,
    sessionMinutes: elapsedMinutes(state, end, pausedAt), violatedMs: faceViolation(state, end),
  });
}
