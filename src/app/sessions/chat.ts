import { randomUUID } from 'node:crypto';
import type { Actor } from '../../domain/core/decider.js';
import type { SessionEvent } from '../../domain/session/events.js';
import type { Core } from '../core/core.js';

type DataOfEvent<T extends SessionEvent['type']> = Extract<SessionEvent, { type: T }>['data'];

/** Sends a chat message in a session (an incident message blocks the test content); answers the message as recorded. */
export async function sendMessage(
  core: Core,
  actor: Actor,
  sessionId: string,
  message: { readonly text: string; readonly incident: boolean; readonly attachmentId?: string | null },
): Promise<DataOfEvent<'MessageSent'>> {
  const { events } = await core.session(sessionId, 'SendMessage', { messageId: randomUUID(), ...message }, actor);
  const sent = events.find((e) => e.type === 'MessageSent');
  if (!sent || sent.type !== 'MessageSent') throw new Error('message was not recorded');
  return sent.data;
}

/** Adds a proctor's note to the session's protocol; answers the note as recorded. */
export async function addNote(core: Core, actor: Actor, sessionId: string, text: string): Promise<DataOfEvent<'NoteAdded'>> {
  const { events } = await core.session(sessionId, 'AddNote', { noteId: randomUUID(), text }, actor);
  const [e] = events;
  if (!e || e.type !== 'NoteAdded') throw new Error('note was not recorded');
  return e.data;
}
