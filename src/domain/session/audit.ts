import { MAX_INT4, wholeNumber } from '../core/fields.js';
import type { CommandOf } from './commands.js';
import type { SessionEvent } from './events.js';
import { exists } from './rules.js';
import type { Session } from './state.js';

/**
 * The audit log of the stream itself: who replayed it and who took it away. Both are allowed in every status (an
 * audit comes after the session, usually long after) and change nothing else the session knows.
 */

export function recordReplay(command: CommandOf<'RecordReplay'>, state: Session): SessionEvent[] {
  exists(state, 'replay the session');
  const { actor, now } = command.metadata;
  const events = wholeNumber(command.data.events, 'events', 0, MAX_INT4);
  return [{ type: 'StreamReplayed', data: { by: actor.id, role: actor.role, events, at: now.toISOString() } }];
}

export function recordStreamExport(command: CommandOf<'RecordStreamExport'>, state: Session): SessionEvent[] {
  exists(state, 'export the session\'s events');
  const { actor, now } = command.metadata;
  const throughVersion = wholeNumber(command.data.throughVersion, 'version', 0, MAX_INT4);
  return [{ type: 'StreamExported', data: { by: actor.id, role: actor.role, throughVersion, at: now.toISOString() } }];
}
