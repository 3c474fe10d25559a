import { NotFoundError } from '../core/errors.js';
import { MAX_INT4, wholeNumber } from '../core/fields.js';
import type { CommandOf } from './commands.js';
import type { SessionEvent } from './events.js';
import { exists } from './rules.js';
import type { Session } from './state.js';

/**
 * The access log: who replayed the stream, who took it away, who opened its files. All are allowed in every status (an
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

/** Repeated reads of one file by one person within this window are one entry (a viewer re-fetching an image, a retry). */
export const FILE_VIEW_WINDOW_MS = 10 * 60_000;

export function recordFileView(command: CommandOf<'RecordFileView'>, state: Session): SessionEvent[] {
  const s = exists(state, 'open a file');
  const { fileId } = command.data;
  const kind = s.files[fileId];
  if (!kind) throw new NotFoundError(`no file ${String(fileId).slice(0, 64)} in this session`);
  const { actor, now } = command.metadata;
  const last = s.fileViews[`${actor.id} ${fileId}`];
  if (last && now.getTime() - Date.parse(last) < FILE_VIEW_WINDOW_MS) return [];
  return [{ type: 'FileViewed', data: { fileId, kind, by: actor.id, at: now.toISOString() } }];
}
