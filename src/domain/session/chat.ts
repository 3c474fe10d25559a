import { IllegalStateError, ValidationError } from '../core/errors.js';
import { identifier } from '../core/fields.js';
import type { CommandOf } from './commands.js';
import type { SessionEvent } from './events.js';
import { exists, live, open, text } from './rules.js';
import type { Session } from './state.js';
import { requireAddon } from './steps.js';

/** Deciders about the people in the session and what they say: messages (incident mode), notes, calls, proctors present. */

export function sendMessage(command: CommandOf<'SendMessage'>, state: Session): SessionEvent[] {
  const { now, actor } = command.metadata;
  const at = now.toISOString();
  const s = open(state, 'send a message');
  const d = command.data;
  identifier(d.messageId, 'message id');
  if (s.messageIds.includes(d.messageId)) return [];
  if (d.attachmentId != null && s.files[identifier(d.attachmentId, 'attachment id')] !== 'attachment') {
    throw new ValidationError(`file ${d.attachmentId} is not an attachment uploaded to this session`, { field: 'attachmentId' });
  }
  const body = d.attachmentId && !d.text.trim() ? '' : text(d.text, 'message');
  const fromStaff = actor.role === 'proctor' || actor.role === 'admin';
  // Without the chat the proctor may still warn (an incident message covers the content) and lift the warning.
  if (!fromStaff) requireAddon(s.steps, 'chat', 'send a message');
  if (d.incident && !fromStaff) throw new ValidationError('only a proctor can send a message in incident mode');
  const events: SessionEvent[] = [
    { type: 'MessageSent', data: { messageId: d.messageId, from: actor.id, role: actor.role, text: body, incident: d.incident ?? false, attachmentId: d.attachmentId ?? null, at } },
  ];
  if (fromStaff && d.incident && !s.blocked) events.push({ type: 'ContentBlocked', data: { messageId: d.messageId, by: actor.id, at } });
  if (fromStaff && !d.incident && s.blocked) events.push({ type: 'ContentUnblocked', data: { messageId: d.messageId, by: actor.id, at } });
  return events;
}

export function addNote(command: CommandOf<'AddNote'>, state: Session): SessionEvent[] {
  const s = exists(state, 'add a note');
  identifier(command.data.noteId, 'note id');
  if (s.noteIds.includes(command.data.noteId)) return [];
  return [{ type: 'NoteAdded', data: { noteId: command.data.noteId, author: command.metadata.actor.id, text: text(command.data.text, 'note'), at: command.metadata.now.toISOString() } }];
}

export function startCall(command: CommandOf<'StartCall'>, state: Session): SessionEvent[] {
  const s = live(state, 'call');
  requireAddon(s.steps, 'calls', 'call');
  identifier(command.data.callId, 'call id');
  if (s.call) throw new IllegalStateError('a call is already in progress');
  return [{ type: 'CallStarted', data: { callId: command.data.callId, by: command.metadata.actor.id, video: command.data.video, at: command.metadata.now.toISOString() } }];
}

export function endCall(command: CommandOf<'EndCall'>, state: Session): SessionEvent[] {
  const s = exists(state, 'hang up');
  identifier(command.data.callId, 'call id');
  if (!s.call || s.call.callId !== command.data.callId) return []; // already over: both sides may hang up at once
  return [{ type: 'CallEnded', data: { callId: command.data.callId, by: command.metadata.actor.id, at: command.metadata.now.toISOString() } }];
}

export function joinAsProctor(command: CommandOf<'JoinAsProctor'>, state: Session): SessionEvent[] {
  const { now, actor } = command.metadata;
  const s = open(state, 'join');
  if (s.proctorsPresent.includes(actor.id)) return [];
  return [{ type: 'ProctorJoined', data: { proctor: actor.id, at: now.toISOString() } }];
}

export function leaveAsProctor(command: CommandOf<'LeaveAsProctor'>, state: Session): SessionEvent[] {
  const { now, actor } = command.metadata;
  const s = exists(state, 'leave');
  if (!s.proctorsPresent.includes(actor.id)) return [];
  return [{ type: 'ProctorLeft', data: { proctor: actor.id, at: now.toISOString() } }];
}
