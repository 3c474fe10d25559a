import type { Core } from '../core/core.js';
import type { Actor } from '../../domain/core/decider.js';
import { ForbiddenError, ValidationError } from '../../domain/core/errors.js';
import { identifier } from '../../domain/core/fields.js';
import type { Signalling } from '../../media/signalling.js';
import { presenterOf } from '../../projections/committee/queries.js';

/**
 * Where the presenter is in the protocol: the recording's playhead (seconds from the session's start) and the minute
 * selected on the timeline. Ephemeral on purpose: it moves several times a second while the recording plays, so it is
 * relayed to the room and never stored as an event (the presenter changes are).
 */
export interface PresenterPosition {
  readonly presenter: string;
  readonly time: number;
  readonly minute: number | null;
  readonly playing: boolean;
  readonly at: string;
}

/** The channel positions travel on: the signalling relay, under a name of its own so no session's media signals mix in. */
export const positionChannel = (sessionId: string) => `committee:${sessionId}`;
export const POSITION_KIND = 'committee-position';
/** At most one position per room per this many milliseconds goes out; the latest of a burst always does. */
export const POSITION_INTERVAL_MS = 100;
const LONGEST_SESSION_S = 7 * 24 * 3600;

const pending = new Map<string, PresenterPosition>();
const lastSent = new Map<string, number>();

function relay(signals: Signalling, sessionId: string, position: PresenterPosition): void {
  pending.delete(sessionId);
  lastSent.set(sessionId, Date.now());
  void signals.send({ sessionId: positionChannel(sessionId), from: position.presenter, to: '*', kind: POSITION_KIND, payload: position }).catch(() => {});
}

/** Relays the presenter's position to everyone else in the room, throttled (trailing: the last of a burst always goes). */
export async function movePosition(
  core: Core, signals: Signalling, actor: Actor, sessionId: string, input: { time: number; minute: number | null; playing: boolean },
): Promise<PresenterPosition> {
  identifier(sessionId, 'session id');
  if (typeof input.time !== 'number' || !Number.isFinite(input.time) || input.time < 0 || input.time > LONGEST_SESSION_S) {
    throw new ValidationError(`time must be a number of seconds from 0 to ${LONGEST_SESSION_S}`, { field: 'time' });
  }
  if (input.minute !== null && (!Number.isInteger(input.minute) || input.minute < 0 || input.minute > LONGEST_SESSION_S / 60)) {
    throw new ValidationError('minute must be a whole number of minutes into the session', { field: 'minute' });
  }
  if ((await presenterOf(core.db, sessionId)) !== actor.id) throw new ForbiddenError('only the presenter moves the room\'s position; take over presenting first');
  const position: PresenterPosition = { presenter: actor.id, time: input.time, minute: input.minute, playing: input.playing === true, at: core.now().toISOString() };
  const wait = (lastSent.get(sessionId) ?? 0) + POSITION_INTERVAL_MS - Date.now();
  if (pending.has(sessionId)) pending.set(sessionId, position);
  else if (wait <= 0) relay(signals, sessionId, position);
  else {
    pending.set(sessionId, position);
    setTimeout(() => {
      const latest = pending.get(sessionId);
      if (latest) relay(signals, sessionId, latest);
    }, wait).unref();
  }
  if (lastSent.size > 10_000) lastSent.clear();
  return position;
}
