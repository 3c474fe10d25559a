/** Check-in opens this long before the start when the session does not say otherwise. */
export const DEFAULT_CHECK_IN_BEFORE_MINUTES = 15;
/** The longest either side of the window may be: a day. */
export const MAX_CHECK_IN_MINUTES = 24 * 60;
/**
 * A start this far in the past is still accepted when a session is created: the organiser's clock and ours may
 * differ a little, and "now" typed into a form is already a few seconds old when it arrives.
 */
export const PAST_START_GRACE_MS = 5 * 60_000;

export interface CheckInWindow {
  readonly opensAt: Date;
  readonly closesAt: Date;
}

/**
 * When the test-taker may check in: from `beforeMinutes` before the start to `afterMinutes` after it. A session
 * without a start (none scheduled, none booked yet) has no window: it may be checked in to at any time.
 */
export function checkInWindow(start: string | Date | null, beforeMinutes: number, afterMinutes: number): CheckInWindow | null {
  if (start === null) return null;
  const at = new Date(start).getTime();
  return { opensAt: new Date(at - beforeMinutes * 60_000), closesAt: new Date(at + afterMinutes * 60_000) };
}
