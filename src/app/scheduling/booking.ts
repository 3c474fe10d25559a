import type { Actor } from '../../domain/core/decider.js';
import { ConcurrencyError, IllegalStateError, NotFoundError } from '../../domain/core/errors.js';
import { bookingVerdict } from '../../domain/session/decide.js';
import { sessionStreamId } from '../../domain/session/events.js';
import type { Core } from '../core/core.js';

/** A seat taken on a proctor's calendar: whose calendar, and the slot's start (ISO-8601). */
export interface Booking {
  readonly proctor: string;
  readonly start: string;
}

/**
 * Books a self-scheduled session into a proctor's slot: a seat on the proctor's schedule, then the time on the
 * session. Two streams, so a saga: the session's own rules are checked first, so a refusal leaves no seat taken; a
 * refusal after the seat was taken gives the seat back. A booking moved elsewhere frees its old seat.
 * Booking the slot the session already has changes nothing, and answers once the read models show that booking.
 */
export async function bookSlot(core: Core, actor: Actor, target: { readonly sessionId: string; readonly proctor: string; readonly start: Date }): Promise<void> {
  const { sessionId, proctor, start } = target;
  const { state, version } = await core.loadSession(sessionId);
  if (state.status === 'none') throw new NotFoundError(`no session ${sessionId}`);
  if (bookingVerdict(state, actor, start, proctor, core.now()) === 'same') {
    await core.caughtUpWith(sessionStreamId(sessionId), version); // the booking may be another request's, just made
    return;
  }
  const previous = state.booking;

  // The proctor's schedule alone knows how many seats are left.
  const seat = await core.schedule(proctor, 'BookSeat', { start, sessionId, durationMinutes: state.durationMinutes }, actor);
  try {
    // The proctor's name as their calendar spells it (the account's), whatever case the caller used.
    await core.session(sessionId, 'BookTime', { scheduledAt: start, proctor: seat.state.proctor ?? proctor }, actor);
  } catch (error) {
    // The session refused (it changed meanwhile): give back the seat this call took, if it took one, and say why.
    if (seat.events.length > 0) await releaseSeat(core, actor, { proctor, start: start.toISOString() }, sessionId, `the session refused: ${(error as Error).message}`);
    throw error instanceof ConcurrencyError ? new IllegalStateError('the session changed while booking; try again') : error;
  }
  if (previous) await releaseSeat(core, actor, previous, sessionId, 'moved to another slot');
}

/** Gives a session to another proctor (or to nobody); a booked seat belongs to the proctor who had it, so it is freed. */
export async function assignProctor(core: Core, actor: Actor, sessionId: string, proctor: string | null): Promise<void> {
  const booking = await bookingOf(core, sessionId);
  const { state } = await core.session(sessionId, 'AssignProctor', { proctor }, actor);
  const now = state.status === 'none' ? null : state.proctor;
  if (booking && booking.proctor !== now) await releaseSeat(core, actor, booking, sessionId, `the session was given to ${now ?? 'nobody'}`);
}

/** Cancels a session that has not started, and frees the seat it had booked. */
export async function cancelSession(core: Core, actor: Actor, sessionId: string, reason: string): Promise<void> {
  const booking = await bookingOf(core, sessionId);
  await core.session(sessionId, 'CancelSession', { reason }, actor);
  if (booking) await releaseSeat(core, actor, booking, sessionId, `the session was cancelled: ${reason}`);
}

/** The slot a self-scheduled session is booked into, if any (read before a change that may free it). */
async function bookingOf(core: Core, sessionId: string): Promise<Booking | null> {
  const { state } = await core.loadSession(sessionId);
  return state.status === 'none' ? null : state.booking;
}

/**
 * Gives a booked seat back on the calendar it was taken from. A seat left taken only costs that slot a place, so a
 * failure here is logged, never allowed to undo the change that freed it.
 */
async function releaseSeat(core: Core, actor: Actor, booking: Booking, sessionId: string, reason: string): Promise<void> {
  try {
    await core.schedule(booking.proctor, 'ReleaseSeat', { start: new Date(booking.start), sessionId, reason }, actor);
  } catch (error) {
    console.error(`could not give back the seat of ${sessionId} on ${booking.proctor}'s calendar at ${booking.start}:`, error);
  }
}
