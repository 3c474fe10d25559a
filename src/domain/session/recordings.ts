import { IllegalStateError, ValidationError } from '../core/errors.js';
import { clip, identifier, instant, MAX_INT4, wholeNumber } from '../core/fields.js';
import type { CommandOf } from './commands.js';
import type { RecordingTrack, SessionEvent } from './events.js';
import { exists, open, readable } from './rules.js';
import type { Session } from './state.js';
import { requireAddon } from './steps.js';

/** Deciders about what the session stores: files, recording segments (stored, refused, lost, played), the mobile camera. */

/** Browsers number segments by the second since 2026 (a reloaded page never reuses one): an int4 column holds them. */
const MAX_SEGMENT_SEQ = MAX_INT4;
/** Refusals one segment gets before it is recorded lost, and refusals a session records at most (the rest are refused silently). */
const REFUSALS_BEFORE_LOST = 3;
const MAX_REFUSALS_RECORDED = 300;
/** How long before the start a recording may begin (the recorder starts as the exam page opens), and clock skew after now. */
const RECORDING_LEAD_MS = 10 * 60_000;
const CLOCK_SKEW_MS = 5 * 60_000;
/** How long one logged view of a recording may authorise downloads (a longer watch opens another view). */
export const MAX_VIEW_MS = 12 * 3_600_000;

export function storeFile(command: CommandOf<'StoreFile'>, state: Session): SessionEvent[] {
  const s = open(state, 'attach a file');
  const d = command.data;
  identifier(d.fileId, 'file id');
  if (s.files[d.fileId]) return [];
  if (!['attachment', 'face', 'document'].includes(d.kind)) throw new ValidationError(`file kind ${JSON.stringify(d.kind)} is not attachment, face or document`);
  if (!Number.isInteger(d.size) || d.size <= 0) throw new ValidationError('the file is empty');
  wholeNumber(d.size, 'file size', 1, Number.MAX_SAFE_INTEGER);
  if (!/^[0-9a-f]{64}$/.test(d.sha256)) throw new ValidationError('the file hash is not a sha-256');
  if (d.quotaBytes !== undefined && s.fileBytes + d.size > d.quotaBytes) {
    throw new IllegalStateError(`the session's file quota of ${Math.round(d.quotaBytes / 1024 / 1024)} MB is used up`, { quota: 'files' });
  }
  const name = d.name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim().slice(0, 200) || 'file';
  return [{ type: 'FileStored', data: { fileId: d.fileId, kind: d.kind, name, contentType: clip(d.contentType, 100), size: d.size, sha256: d.sha256, by: command.metadata.actor.id, at: command.metadata.now.toISOString() } }];
}

export function storeRecordingSegment(command: CommandOf<'StoreRecordingSegment'>, state: Session): SessionEvent[] {
  const { now } = command.metadata;
  const s = exists(state, 'store a recording');
  if (s.status === 'scheduled' || s.status === 'cancelled' || !s.startedAt) {
    throw new IllegalStateError(`cannot store a recording: the session is ${readable(s.status)}`);
  }
  const d = command.data;
  segmentNamed(d);
  if (d.track === 'screen') requireAddon(s.steps, 'screen', 'store a screen recording');
  if (d.track === 'mobile') requireAddon(s.steps, 'secondCamera', 'store a second-camera recording');
  if (d.start.getTime() < Date.parse(s.startedAt) - RECORDING_LEAD_MS || d.start.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    throw new ValidationError(`a segment starting at ${d.start.toISOString()} lies outside the session`, { field: 'start' });
  }
  wholeNumber(d.size, 'segment size', 1, MAX_INT4);
  if (!Number.isFinite(d.durationMs) || d.durationMs <= 0 || d.durationMs > 10 * 60_000) throw new ValidationError('segment duration must be from 1 ms to 10 minutes');
  if (!/^[0-9a-f]{64}$/.test(d.sha256)) throw new ValidationError('the segment hash is not a sha-256');
  if (s.status === 'finished' || s.status === 'concluded') assertRecordedBeforeEnd(s.finishedAt, d.start);
  const stored = s.segments.get(`${d.track}:${d.seq}`)?.sha256;
  if (stored === d.sha256) return []; // the same upload again
  // A number recorded lost stays a gap: its content never becomes a recording afterwards.
  if (s.lost.includes(`${d.track}:${d.seq}`)) throw new IllegalStateError(`segment ${d.seq} of ${d.track} is already recorded lost`);
  if (stored) throw new IllegalStateError(`segment ${d.seq} of ${d.track} is already stored with other content`);
  if (d.quotaBytes !== undefined && s.recordedBytes + d.size > d.quotaBytes) {
    throw new IllegalStateError(`the session's recording quota of ${Math.round(d.quotaBytes / 1024 / 1024)} MB is used up`, { quota: 'recording' });
  }
  return [
    {
      type: 'RecordingSegmentStored',
      data: { track: d.track, seq: d.seq, start: d.start.toISOString(), durationMs: Math.round(d.durationMs), size: d.size, sha256: d.sha256, at: now.toISOString() },
    },
  ];
}

export function refuseRecordingSegment(command: CommandOf<'RefuseRecordingSegment'>, state: Session): SessionEvent[] {
  const at = command.metadata.now.toISOString();
  const s = exists(state, 'refuse a recording');
  const d = command.data;
  segmentNamed(d);
  if (s.status === 'finished' || s.status === 'concluded') assertRecordedBeforeEnd(s.finishedAt, d.start); // not a gap: nothing was to be recorded
  const key = `${d.track}:${d.seq}`;
  if (s.segments.has(key) || s.lost.includes(key) || s.refusalCount >= MAX_REFUSALS_RECORDED) return [];
  const attempt = (s.refusals[key] ?? 0) + 1;
  const reason = clip(d.reason, 500);
  // Lost outright (a gap, or a piece the server cannot make again): nothing was sent, so nothing is "asked again".
  const events: SessionEvent[] = d.final ? [] : [{ type: 'RecordingSegmentRefused', data: { track: d.track, seq: d.seq, reason, attempt, at } }];
  if (d.final || attempt >= REFUSALS_BEFORE_LOST) {
    const durationMs = Number.isFinite(d.durationMs) ? Math.max(0, Math.min(Math.round(d.durationMs), 10 * 60_000)) : 0;
    events.push({ type: 'RecordingSegmentLost', data: { track: d.track, seq: d.seq, start: d.start.toISOString(), durationMs, reason, at } });
  }
  return events;
}

export function recordPlayback(command: CommandOf<'RecordPlayback'>, state: Session): SessionEvent[] {
  const s = exists(state, 'play a recording');
  wholeNumber(command.data.seq, 'segment number', 0, MAX_SEGMENT_SEQ);
  if (!s.segments.has(`${command.data.track}:${command.data.seq}`)) throw new IllegalStateError(`no segment ${command.data.seq} of ${command.data.track}`);
  return [{ type: 'RecordingPlayed', data: { track: command.data.track, seq: command.data.seq, by: command.metadata.actor.id, at: command.metadata.now.toISOString() } }];
}

export function viewRecording(command: CommandOf<'ViewRecording'>, state: Session): SessionEvent[] {
  const s = exists(state, 'view the recording');
  if (s.segments.size === 0) throw new IllegalStateError('cannot view the recording: nothing has been recorded');
  const { viewId, until } = command.data;
  if (!/^[A-Za-z0-9-]{1,64}$/.test(viewId)) throw new ValidationError('a view id is 1 to 64 letters, digits or dashes');
  const lasts = until.getTime() - command.metadata.now.getTime();
  if (!(lasts > 0 && lasts <= MAX_VIEW_MS)) throw new ValidationError(`a view lasts from 1 ms to ${MAX_VIEW_MS / 3_600_000} hours`);
  return [{ type: 'RecordingViewed', data: { viewId, by: command.metadata.actor.id, until: until.toISOString(), at: command.metadata.now.toISOString() } }];
}

export function connectMobileCamera(command: CommandOf<'ConnectMobileCamera'>, state: Session): SessionEvent[] {
  const s = open(state, 'connect a mobile camera');
  if (!s.secondCamera) throw new IllegalStateError('this session does not use a second camera');
  return [{ type: 'MobileCameraConnected', data: { userAgent: clip(command.data.userAgent, 500), at: command.metadata.now.toISOString() } }];
}

/** The track, number and start every segment command names, stored or refused. */
function segmentNamed(d: { readonly track: RecordingTrack; readonly seq: number; readonly start: Date }): void {
  if (!['camera', 'screen', 'mobile'].includes(d.track)) throw new ValidationError(`track ${JSON.stringify(d.track)} is not camera, screen or mobile`);
  wholeNumber(d.seq, 'segment number', 0, MAX_SEGMENT_SEQ);
  instant(d.start, 'segment start');
}

/**
 * Nobody is recorded after their exam: a segment begun before the end (still uploading, or queued while offline) is
 * kept, one begun after it is refused (and the upload route keeps none of its bytes).
 */
function assertRecordedBeforeEnd(endedAt: string | Date, start: Date): void {
  const end = new Date(endedAt);
  if (start.getTime() > end.getTime()) {
    throw new IllegalStateError(`cannot store a recording that starts at ${start.toISOString()}: the session ended at ${end.toISOString()}`);
  }
}
