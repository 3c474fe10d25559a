import { IllegalStateError, ValidationError } from '../core/errors.js';
import { identifier } from '../core/fields.js';
import type { CommandOf } from './commands.js';
import { FACE_CHECK_REASONS, type FaceCheckReason, type SessionEvent } from './events.js';
import { exists, login, open, readable } from './rules.js';
import type { Session } from './state.js';

/** Deciders about who sits the exam: identity photos, the proctor's verification, face checks against the profile. */

/** Reasons a green or yellow check may give; every other reason is red. */
const PASSING_REASONS = new Set<FaceCheckReason>(['match', 'new_reference']);
/** The c6 violation's words for each red reason. */
const RED_DETAIL: Record<FaceCheckReason, string> = {
  match: 'matches the profile',
  new_reference: 'became the reference',
  mismatch: 'does not match the profile',
  no_face: 'shows no face',
  several_faces: 'shows several faces',
  unreadable: 'could not be read',
  no_reference: 'could not be compared: the profile has no reference face',
};

export function submitIdentityPhoto(command: CommandOf<'SubmitIdentityPhoto'>, state: Session): SessionEvent[] {
  const s = open(state, 'submit an identity photo');
  if (!s.checkedIn) throw new IllegalStateError('cannot submit an identity photo: the test-taker has not checked in');
  if (command.data.kind !== 'face' && command.data.kind !== 'document') throw new ValidationError('kind must be face or document', { field: 'kind' });
  identifier(command.data.photoId, 'photo id');
  if (s.photoIds.includes(command.data.photoId)) return [];
  if (s.files[command.data.photoId] !== command.data.kind) {
    throw new ValidationError(`photo ${command.data.photoId} is not a ${command.data.kind} photo uploaded to this session`, { field: 'photoId' });
  }
  return [{ type: 'IdentityPhotoSubmitted', data: { photoId: command.data.photoId, kind: command.data.kind, at: command.metadata.now.toISOString() } }];
}

export function verifyIdentity(command: CommandOf<'VerifyIdentity'>, state: Session): SessionEvent[] {
  const s = open(state, 'verify identity');
  if (!s.checkedIn) throw new IllegalStateError('cannot verify identity: the test-taker has not checked in');
  // A proctor's confirmation is also the approval to start: an automatic one before it does not stand in for it.
  if (s.identityVerified && (command.data.method !== 'proctor' || s.approvedBy !== null)) return [];
  return [{ type: 'IdentityVerified', data: { by: command.metadata.actor.id, method: command.data.method, at: command.metadata.now.toISOString() } }];
}

export function recordFaceCheck(command: CommandOf<'RecordFaceCheck'>, state: Session): SessionEvent[] {
  const at = command.metadata.now.toISOString();
  const s = exists(state, 'record a face check');
  if (s.status === 'cancelled' || s.status === 'scheduled') throw new IllegalStateError(`cannot record a face check: the session is ${readable(s.status)}`);
  const d = command.data;
  if (!['green', 'yellow', 'red'].includes(d.result)) throw new ValidationError(`face check result ${JSON.stringify(d.result)} is not green, yellow or red`);
  identifier(d.photoId, 'photo id');
  if (d.distance != null && (!Number.isFinite(d.distance) || d.distance < 0 || d.distance > 100)) throw new ValidationError('face distance must be a number from 0 to 100');
  if ((d.similarProfiles ?? []).length > 50) throw new ValidationError('at most 50 similar profiles');
  for (const p of d.similarProfiles ?? []) login(p, 'similar profile');
  const reason = d.reason ?? null;
  if (reason !== null) {
    if (!FACE_CHECK_REASONS.includes(reason)) throw new ValidationError(`face check reason ${JSON.stringify(reason)} is not one of ${FACE_CHECK_REASONS.join(', ')}`);
    if ((d.result === 'red') !== !PASSING_REASONS.has(reason)) throw new ValidationError(`a ${d.result} face check cannot have the reason ${reason}`);
  }
  if (d.faceCount != null && (!Number.isInteger(d.faceCount) || d.faceCount < 0 || d.faceCount > 1000)) throw new ValidationError('face count must be a whole number from 0 to 1000');
  const events: SessionEvent[] = [
    {
      type: 'FaceChecked',
      data: { photoId: d.photoId, result: d.result, distance: d.distance ?? null, similarProfiles: [...(d.similarProfiles ?? [])], reason, faceCount: d.faceCount ?? null, at },
    },
  ];
  // A yellow check is c5 (a similar profile exists), a red one c6 (the face does not match), while the exam runs.
  const code = d.result === 'yellow' ? 'c5' : d.result === 'red' ? 'c6' : null;
  if (code && s.metrics.includes(code) && (s.status === 'in_progress' || s.status === 'paused')) {
    const detail = code === 'c5' ? `similar profiles: ${(d.similarProfiles ?? []).join(', ')}` : `photo ${d.photoId} ${RED_DETAIL[reason ?? 'mismatch']}`;
    events.push({ type: 'ViolationDetected', data: { code, detail, at } });
  }
  return events;
}
