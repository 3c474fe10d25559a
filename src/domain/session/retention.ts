import { IllegalStateError, ValidationError } from '../core/errors.js';
import { wholeNumber } from '../core/fields.js';
import { MAX_RETENTION_DAYS } from '../template/settings.js';
import type { CommandOf } from './commands.js';
import type { SessionEvent } from './events.js';
import { exists, readable } from './rules.js';
import type { Session } from './state.js';

const DAY_MS = 86_400_000;

/** When the session ended (finished or cancelled), or null while it has not. */
export function sessionEndedAt(state: Session): string | null {
  if (state.status === 'finished' || state.status === 'concluded') return state.finishedAt;
  if (state.status === 'cancelled') return state.cancelledAt;
  return null;
}

/**
 * The session's media is destroyed once its retention is over, counted from its end: the days of its template, or
 * `defaultRetentionDays` for a session made without one. Never before (a sweep with a wrong clock or a wrong
 * candidate deletes nothing); a second deletion records nothing.
 */
export function deleteSessionMedia(command: CommandOf<'DeleteSessionMedia'>, state: Session): SessionEvent[] {
  const s = exists(state, 'delete the session\'s media');
  if (s.mediaDeletedAt) return [];
  const { reason, defaultRetentionDays } = command.data;
  if (reason !== 'retention') throw new ValidationError(`unknown reason ${JSON.stringify(String(reason).slice(0, 40))} to delete media`);
  const endedAt = sessionEndedAt(s);
  if (!endedAt) throw new IllegalStateError(`cannot delete the session's media: the session is ${readable(s.status)}`);
  const retentionDays = s.retentionDays ?? wholeNumber(defaultRetentionDays, 'retention (days)', 1, MAX_RETENTION_DAYS);
  const until = Date.parse(endedAt) + retentionDays * DAY_MS;
  const { now } = command.metadata;
  if (now.getTime() < until) throw new IllegalStateError(`the session's media is kept until ${new Date(until).toISOString()} (${retentionDays} days after its end)`);
  const kinds = Object.values(s.files);
  return [{
    type: 'SessionMediaDeleted',
    data: {
      reason, retentionDays, endedAt,
      recordings: s.segments.size,
      photos: kinds.filter((k) => k !== 'attachment').length,
      files: kinds.filter((k) => k === 'attachment').length,
      at: now.toISOString(),
    },
  }];
}
