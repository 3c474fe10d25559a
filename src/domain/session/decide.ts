import type { Actor, Decider } from '../core/decider.js';
import { assertNever, IllegalStateError, ValidationError } from '../core/errors.js';
import { clip, identifier, instant, MAX_INT4, optionalText, text as boundedText, wholeNumber } from '../core/fields.js';
import { checkInWindow, DEFAULT_CHECK_IN_BEFORE_MINUTES, MAX_CHECK_IN_MINUTES, PAST_START_GRACE_MS } from './check-in.js';
import type { SessionCommand } from './commands.js';
import { FACE_CHECK_REASONS, type FaceCheckReason, type FinishedBy, type SessionEvent } from './events.js';
import { isMetricCode, METRIC_CODES, type MetricCode } from './metrics.js';
import { computeScore, coveredMs } from './score.js';
import { evolveSession, initialSession, type Session, type SessionFacts } from './state.js';

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
const LOGIN = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$/;
const MAX_TEXT = 5000;
/** How long one logged view of a recording may authorise downloads (a longer watch opens another view). */
export const MAX_VIEW_MS = 12 * 3_600_000;
/** Browsers number segments by the second since 2026 (a reloaded page never reuses one): an int4 column holds them. */
const MAX_SEGMENT_SEQ = MAX_INT4;
/** Refusals one segment gets before it is recorded lost, and refusals a session records at most (the rest are refused silently). */
const REFUSALS_BEFORE_LOST = 3;
const MAX_REFUSALS_RECORDED = 300;
const MAX_TAGS = 20;
/** How long before the start a recording may begin (the recorder starts as the exam page opens), and clock skew after now. */
const RECORDING_LEAD_MS = 10 * 60_000;
const CLOCK_SKEW_MS = 5 * 60_000;

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

type Live = Extract<Session, { status: 'in_progress' | 'paused' }>;
type Existing = Exclude<Session, { status: 'none' }>;

function text(value: string, what: string, max = MAX_TEXT): string {
  return boundedText(value, what, max, { multiline: max >= 1000 });
}

function login(value: string, what: string): string {
  if (typeof value !== 'string' || !LOGIN.test(value)) throw new ValidationError(`${what} ${JSON.stringify(String(value).slice(0, 40))} is not a valid login`, { field: what });
  return value;
}

function metricList(list: readonly string[] | undefined): MetricCode[] {
  if (list === undefined) return [...METRIC_CODES];
  const unknown = list.filter((c) => !isMetricCode(c));
  if (unknown.length) throw new ValidationError(`unknown metric ${unknown.join(', ')}; known: ${METRIC_CODES.join(' ')}`);
  return [...new Set(list as MetricCode[])];
}

function exists(state: Session, action: string): Existing {
  if (state.status === 'none') throw new IllegalStateError(`cannot ${action}: the session does not exist`);
  return state;
}

function live(state: Session, action: string): Live {
  const s = exists(state, action);
  if (s.status !== 'in_progress' && s.status !== 'paused') throw new IllegalStateError(`cannot ${action}: the session is ${readable(s.status)}`);
  return s;
}

/** States in which people are still talking: before the start, during, and while paused. */
function open(state: Session, action: string): Existing {
  const s = exists(state, action);
  if (s.status === 'finished' || s.status === 'concluded' || s.status === 'cancelled') {
    throw new IllegalStateError(`cannot ${action}: the session is ${readable(s.status)}`);
  }
  return s;
}

/**
 * Whether `actor` may book the session at `scheduledAt` with `proctor` now: 'same' when it is booked so already (a
 * retry or a double click changes nothing, whoever asks), 'book' when it may be; otherwise throws why not. The API
 * asks this before it takes a seat on the proctor's schedule, so a refusal takes none.
 */
export function bookingVerdict(state: Session, actor: Actor, scheduledAt: Date, proctor: string, now: Date): 'same' | 'book' {
  const s = exists(state, 'book a time');
  if (!s.selfScheduling) throw new IllegalStateError('this session\'s time is set by its organisers, not booked by the test-taker');
  if (s.status !== 'scheduled') throw new IllegalStateError(`cannot book a time: the session is ${readable(s.status)}`);
  if (s.booking && Date.parse(s.booking.start) === scheduledAt.getTime() && s.booking.proctor.toLowerCase() === proctor.toLowerCase()) return 'same';
  if (s.booking && actor.role !== 'admin') throw new IllegalStateError(`the session is booked for ${s.booking.start} already; only an administrator can change it`);
  if (scheduledAt.getTime() <= now.getTime()) throw new ValidationError('the time booked has passed');
  return 'book';
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

/** "Only the system administrator can change, cancel, or change proctors in already scheduled sessions." */
function onlyAdminChangesBooked(s: Existing, role: string, action: string): void {
  if (s.booking && role !== 'admin' && role !== 'system') throw new IllegalStateError(`the test-taker has booked this session: only an administrator can ${action}`);
}

function conclusionValue(value: string): void {
  if (value !== 'positive' && value !== 'negative') throw new ValidationError(`conclusion ${JSON.stringify(value)} is neither positive nor negative`);
}

export function readable(status: Session['status']): string {
  return status === 'in_progress' ? 'in progress' : status === 'none' ? 'not created' : status;
}

/** Minutes of session time between the start and `at`, pauses excluded. */
function elapsedMinutes(s: SessionFacts, at: Date, pausedAt?: string): number {
  if (!s.startedAt) return 0;
  const pausedNow = pausedAt ? at.getTime() - Date.parse(pausedAt) : 0;
  const elapsed = at.getTime() - Date.parse(s.startedAt) - s.pausedMs - pausedNow;
  return Math.max(0, Math.ceil(elapsed / 60_000));
}

/** c5/c6 time within the session (from its start to `end`), from the face-check spans. */
function faceViolation(s: SessionFacts, end: Date): Partial<Record<MetricCode, number>> {
  if (!s.startedAt) return {};
  const from = Date.parse(s.startedAt);
  return { c5: coveredMs(s.faceSpans.c5, from, end.getTime()), c6: coveredMs(s.faceSpans.c6, from, end.getTime()) };
}

export function decideSession(command: SessionCommand, state: Session): SessionEvent[] {
  const { now, actor } = command.metadata;
  const at = now.toISOString();
  switch (command.type) {
    case 'CreateSession': {
      if (state.status !== 'none') throw new IllegalStateError(`session ${state.sessionId} already exists`);
      const d = command.data;
      if (!SESSION_ID.test(d.sessionId)) {
        throw new ValidationError(`session id ${JSON.stringify(d.sessionId)} must be 1–100 letters, digits or _ . : - and start with a letter or digit`);
      }
      if (!Number.isInteger(d.durationMinutes) || d.durationMinutes < 1 || d.durationMinutes > 24 * 60) {
        throw new ValidationError(`duration must be a whole number of minutes from 1 to 1440, not ${d.durationMinutes}`);
      }
      const metrics = metricList(d.metrics);
      const weights: Partial<Record<MetricCode, number>> = {};
      for (const [code, weight] of Object.entries(d.weights ?? {})) {
        if (!isMetricCode(code)) throw new ValidationError(`weight given for unknown metric ${code}`);
        if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > 100) {
          throw new ValidationError(`weight of ${code} must be a number from 0 to 100`);
        }
        weights[code] = weight;
      }
      const threshold = d.threshold ?? 50;
      if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100) throw new ValidationError('threshold must be from 0 to 100');
      if (d.url != null && (d.url.length > 2000 || !/^https?:\/\/[^\s\u0000-\u001f\u007f]+$/i.test(d.url))) {
        throw new ValidationError(`url ${JSON.stringify(d.url.slice(0, 60))} is not an http(s) address of at most 2,000 characters`, { field: 'url' });
      }
      if ((d.tags ?? []).length > MAX_TAGS) throw new ValidationError(`at most ${MAX_TAGS} tags`, { field: 'tags' });
      const tags = (d.tags ?? []).map((t) => text(t, 'tag', 64));
      if (d.scheduledAt) {
        instant(d.scheduledAt, 'scheduled time');
        if (d.scheduledAt.getTime() < now.getTime() - PAST_START_GRACE_MS) {
          throw new ValidationError(
            `the start time ${d.scheduledAt.toISOString()} has passed (it is ${at} now); a start up to ${PAST_START_GRACE_MS / 60_000} minutes back is accepted, for clocks that differ`,
            { field: 'scheduledAt' },
          );
        }
      }
      const checkInBeforeMinutes = d.checkInBeforeMinutes == null ? DEFAULT_CHECK_IN_BEFORE_MINUTES : wholeNumber(d.checkInBeforeMinutes, 'check-in before the start (minutes)', 0, MAX_CHECK_IN_MINUTES);
      const checkInAfterMinutes = d.checkInAfterMinutes == null ? d.durationMinutes : wholeNumber(d.checkInAfterMinutes, 'check-in after the start (minutes)', 0, MAX_CHECK_IN_MINUTES);
      return [
        {
          type: 'SessionCreated',
          data: {
            sessionId: d.sessionId,
            name: text(d.name, 'session name', 300),
            student: login(d.student, 'test-taker'),
            studentName: optionalText(d.studentName, 'test-taker name', 200),
            proctor: d.proctor ? login(d.proctor, 'proctor') : null,
            durationMinutes: d.durationMinutes,
            scheduledAt: d.scheduledAt ? d.scheduledAt.toISOString() : null,
            metrics,
            weights,
            threshold,
            autoConclude: d.autoConclude ?? false,
            url: d.url ?? null,
            template: optionalText(d.template, 'template', 100),
            tags: [...new Set(tags)],
            secondCamera: d.secondCamera ?? false,
            ...(d.selfScheduling ? { selfScheduling: true } : {}),
            ...(d.scoreVisibleToStudent ? { scoreVisibleToStudent: true } : {}),
            checkInBeforeMinutes,
            checkInAfterMinutes,
            createdBy: actor.id,
            integrationId: d.integrationId ?? null,
            at,
          },
        },
      ];
    }
    case 'AssignProctor': {
      const s = exists(state, 'assign a proctor');
      if (s.status === 'finished' || s.status === 'concluded' || s.status === 'cancelled') {
        throw new IllegalStateError(`cannot assign a proctor: the session is ${readable(s.status)}`);
      }
      onlyAdminChangesBooked(s, actor.role, 'change its proctor');
      const proctor = command.data.proctor === null ? null : login(command.data.proctor, 'proctor');
      if (proctor === s.proctor) return [];
      return [{ type: 'ProctorAssigned', data: { proctor, previous: s.proctor, by: actor.id, at } }];
    }
    case 'BookTime': {
      const s = exists(state, 'book a time');
      instant(command.data.scheduledAt, 'booked time');
      if (bookingVerdict(s, actor, command.data.scheduledAt, command.data.proctor, now) === 'same') return [];
      const proctor = login(command.data.proctor, 'proctor');
      return [{ type: 'SessionBooked', data: { scheduledAt: command.data.scheduledAt.toISOString(), proctor, previousProctor: s.proctor, by: actor.id, at } }];
    }
    case 'CancelSession': {
      const s = exists(state, 'cancel the session');
      onlyAdminChangesBooked(s, actor.role, 'cancel it');
      if (s.status !== 'scheduled' && s.status !== 'waiting') {
        throw new IllegalStateError(`cannot cancel: the session is ${readable(s.status)}; only a session that has not started can be cancelled`);
      }
      return [{ type: 'SessionCancelled', data: { reason: text(command.data.reason, 'reason', 1000), by: actor.id, at } }];
    }
    case 'CheckIn': {
      const s = exists(state, 'check in');
      if (s.status !== 'scheduled' && s.status !== 'waiting' && s.status !== 'in_progress' && s.status !== 'paused') {
        throw new IllegalStateError(`cannot check in: the session is ${readable(s.status)}`);
      }
      if (s.selfScheduling && !s.booking) throw new IllegalStateError('choose a time for this session first');
      // The window guards the first check-in; a test-taker who checked in in time may reload the page later.
      const window = s.status === 'scheduled' ? checkInWindow(s.booking?.start ?? s.scheduledAt, s.checkInMinutes.before, s.checkInMinutes.after) : null;
      if (window) {
        const details = { opensAt: window.opensAt.toISOString(), closesAt: window.closesAt.toISOString() };
        if (now < window.opensAt) throw new IllegalStateError(`check-in opens at ${details.opensAt}`, details);
        if (now > window.closesAt) throw new IllegalStateError(`check-in closed at ${details.closesAt}`, details);
      }
      return [{ type: 'ParticipantCheckedIn', data: { userAgent: clip(command.data.userAgent, 500), browserSupported: command.data.browserSupported === true, at } }];
    }
    case 'SubmitIdentityPhoto': {
      const s = open(state, 'submit an identity photo');
      if (!s.checkedIn) throw new IllegalStateError('cannot submit an identity photo: the test-taker has not checked in');
      if (command.data.kind !== 'face' && command.data.kind !== 'document') throw new ValidationError('kind must be face or document', { field: 'kind' });
      identifier(command.data.photoId, 'photo id');
      if (s.photoIds.includes(command.data.photoId)) return [];
      if (s.files[command.data.photoId] !== command.data.kind) {
        throw new ValidationError(`photo ${command.data.photoId} is not a ${command.data.kind} photo uploaded to this session`, { field: 'photoId' });
      }
      return [{ type: 'IdentityPhotoSubmitted', data: { photoId: command.data.photoId, kind: command.data.kind, at } }];
    }
    case 'StoreFile': {
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
      return [{ type: 'FileStored', data: { fileId: d.fileId, kind: d.kind, name, contentType: clip(d.contentType, 100), size: d.size, sha256: d.sha256, by: actor.id, at } }];
    }
    case 'VerifyIdentity': {
      const s = open(state, 'verify identity');
      if (!s.checkedIn) throw new IllegalStateError('cannot verify identity: the test-taker has not checked in');
      if (s.identityVerified) return [];
      return [{ type: 'IdentityVerified', data: { by: actor.id, method: command.data.method, at } }];
    }
    case 'StartSession': {
      const s = exists(state, 'start');
      if (s.status === 'in_progress' || s.status === 'paused') return []; // a retried start is harmless
      if (s.status === 'scheduled') throw new IllegalStateError('cannot start: the test-taker has not checked in');
      if (s.status !== 'waiting') throw new IllegalStateError(`cannot start: the session is ${readable(s.status)}`);
      const deadline = new Date(now.getTime() + s.durationMinutes * 60_000).toISOString();
      return [{ type: 'SessionStarted', data: { at, deadline } }];
    }
    case 'RecordMetrics': {
      const s = exists(state, 'record metrics');
      const ended = s.status === 'finished' || s.status === 'concluded';
      if (s.status !== 'in_progress' && s.status !== 'paused' && !ended) throw new IllegalStateError(`cannot record metrics: the session is ${readable(s.status)}`);
      const { minute, values } = command.data;
      if (!Number.isInteger(minute) || minute < 0 || minute > s.durationMinutes * 2 + 60) {
        throw new ValidationError(`minute ${minute} is outside the session`);
      }
      const clean: Partial<Record<MetricCode, number>> = {};
      for (const [code, value] of Object.entries(values)) {
        if (!isMetricCode(code)) throw new ValidationError(`unknown metric ${code}`);
        if (!s.metrics.includes(code)) throw new ValidationError(`metric ${code} is not used by this session`);
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
          throw new ValidationError(`value of ${code} must be from 0 to 100, not ${value}`);
        }
        clean[code] = value;
      }
      const stored = s.minutes[minute];
      if (stored) {
        const same = Object.keys(clean).length === Object.keys(stored).length && Object.entries(clean).every(([k, v]) => stored[k as MetricCode] === v);
        if (same) return [];
        throw new IllegalStateError(`minute ${minute} is already recorded with other values`);
      }
      if (!ended) return [{ type: 'MetricsRecorded', data: { minute, values: clean, at } }];
      // A minute that arrives after the end (the last partial minute, or one queued while offline) still counts, if
      // it lies within the session; the score is computed again with it.
      const sessionMinutes = elapsedMinutes(s, new Date(s.finishedAt));
      if (minute >= sessionMinutes) throw new IllegalStateError(`minute ${minute} is after the end of the session (${sessionMinutes} minutes)`);
      const minutes = { ...s.minutes, [minute]: clean };
      const score = computeScore({ metrics: s.metrics, weights: s.weights, minutes, sessionMinutes, violatedMs: faceViolation(s, new Date(s.finishedAt)) });
      return [
        { type: 'MetricsRecorded', data: { minute, values: clean, at } },
        { type: 'ScoreComputed', data: { ...score, at } },
      ];
    }
    case 'RecordViolation': {
      const s = live(state, 'record a violation');
      if (!isMetricCode(command.data.code)) throw new ValidationError(`unknown metric ${command.data.code}`);
      if (!s.metrics.includes(command.data.code)) throw new ValidationError(`metric ${command.data.code} is not used by this session`);
      return [{ type: 'ViolationDetected', data: { code: command.data.code, detail: command.data.detail == null ? null : clip(command.data.detail, 1000), at } }];
    }
    case 'RecordFaceCheck': {
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
    case 'SendMessage': {
      const s = open(state, 'send a message');
      const d = command.data;
      identifier(d.messageId, 'message id');
      if (s.messageIds.includes(d.messageId)) return [];
      if (d.attachmentId != null && s.files[identifier(d.attachmentId, 'attachment id')] !== 'attachment') {
        throw new ValidationError(`file ${d.attachmentId} is not an attachment uploaded to this session`, { field: 'attachmentId' });
      }
      const body = d.attachmentId && !d.text.trim() ? '' : text(d.text, 'message');
      const fromStaff = actor.role === 'proctor' || actor.role === 'admin';
      if (d.incident && !fromStaff) throw new ValidationError('only a proctor can send a message in incident mode');
      const events: SessionEvent[] = [
        { type: 'MessageSent', data: { messageId: d.messageId, from: actor.id, role: actor.role, text: body, incident: d.incident ?? false, attachmentId: d.attachmentId ?? null, at } },
      ];
      if (fromStaff && d.incident && !s.blocked) events.push({ type: 'ContentBlocked', data: { messageId: d.messageId, by: actor.id, at } });
      if (fromStaff && !d.incident && s.blocked) events.push({ type: 'ContentUnblocked', data: { messageId: d.messageId, by: actor.id, at } });
      return events;
    }
    case 'StoreRecordingSegment': {
      const s = exists(state, 'store a recording');
      if (s.status === 'scheduled' || s.status === 'cancelled' || !s.startedAt) {
        throw new IllegalStateError(`cannot store a recording: the session is ${readable(s.status)}`);
      }
      const d = command.data;
      if (!['camera', 'screen', 'mobile'].includes(d.track)) throw new ValidationError(`track ${JSON.stringify(d.track)} is not camera, screen or mobile`);
      wholeNumber(d.seq, 'segment number', 0, MAX_SEGMENT_SEQ);
      instant(d.start, 'segment start');
      if (d.start.getTime() < Date.parse(s.startedAt) - RECORDING_LEAD_MS || d.start.getTime() > now.getTime() + CLOCK_SKEW_MS) {
        throw new ValidationError(`a segment starting at ${d.start.toISOString()} lies outside the session`, { field: 'start' });
      }
      wholeNumber(d.size, 'segment size', 1, MAX_INT4);
      if (!Number.isFinite(d.durationMs) || d.durationMs <= 0 || d.durationMs > 10 * 60_000) throw new ValidationError('segment duration must be from 1 ms to 10 minutes');
      if (!/^[0-9a-f]{64}$/.test(d.sha256)) throw new ValidationError('the segment hash is not a sha-256');
      if (s.status === 'finished' || s.status === 'concluded') assertRecordedBeforeEnd(s.finishedAt, d.start);
      const stored = s.segments[`${d.track}:${d.seq}`];
      if (stored === d.sha256) return []; // the same upload again
      if (stored) throw new IllegalStateError(`segment ${d.seq} of ${d.track} is already stored with other content`);
      if (d.quotaBytes !== undefined && s.recordedBytes + d.size > d.quotaBytes) {
        throw new IllegalStateError(`the session's recording quota of ${Math.round(d.quotaBytes / 1024 / 1024)} MB is used up`, { quota: 'recording' });
      }
      return [{ type: 'RecordingSegmentStored', data: { track: d.track, seq: d.seq, start: d.start.toISOString(), durationMs: Math.round(d.durationMs), size: d.size, sha256: d.sha256, at } }];
    }
    case 'RefuseRecordingSegment': {
      const s = exists(state, 'refuse a recording');
      const d = command.data;
      if (!['camera', 'screen', 'mobile'].includes(d.track)) throw new ValidationError(`track ${JSON.stringify(d.track)} is not camera, screen or mobile`);
      wholeNumber(d.seq, 'segment number', 0, MAX_SEGMENT_SEQ);
      instant(d.start, 'segment start');
      if (s.status === 'finished' || s.status === 'concluded') assertRecordedBeforeEnd(s.finishedAt, d.start); // not a gap: nothing was to be recorded
      const key = `${d.track}:${d.seq}`;
      if (s.segments[key] || s.lost.includes(key) || s.refusalCount >= MAX_REFUSALS_RECORDED) return [];
      const attempt = (s.refusals[key] ?? 0) + 1;
      const reason = clip(d.reason, 500);
      const events: SessionEvent[] = [{ type: 'RecordingSegmentRefused', data: { track: d.track, seq: d.seq, reason, attempt, at } }];
      if (d.final || attempt >= REFUSALS_BEFORE_LOST) {
        const durationMs = Number.isFinite(d.durationMs) ? Math.max(0, Math.min(Math.round(d.durationMs), 10 * 60_000)) : 0;
        events.push({ type: 'RecordingSegmentLost', data: { track: d.track, seq: d.seq, start: d.start.toISOString(), durationMs, reason, at } });
      }
      return events;
    }
    case 'RecordPlayback': {
      const s = exists(state, 'play a recording');
      wholeNumber(command.data.seq, 'segment number', 0, MAX_SEGMENT_SEQ);
      if (!s.segments[`${command.data.track}:${command.data.seq}`]) throw new IllegalStateError(`no segment ${command.data.seq} of ${command.data.track}`);
      return [{ type: 'RecordingPlayed', data: { track: command.data.track, seq: command.data.seq, by: actor.id, at } }];
    }
    case 'ViewRecording': {
      const s = exists(state, 'view the recording');
      if (Object.keys(s.segments).length === 0) throw new IllegalStateError('cannot view the recording: nothing has been recorded');
      const { viewId, until } = command.data;
      if (!/^[A-Za-z0-9-]{1,64}$/.test(viewId)) throw new ValidationError('a view id is 1 to 64 letters, digits or dashes');
      const lasts = until.getTime() - command.metadata.now.getTime();
      if (!(lasts > 0 && lasts <= MAX_VIEW_MS)) throw new ValidationError(`a view lasts from 1 ms to ${MAX_VIEW_MS / 3_600_000} hours`);
      return [{ type: 'RecordingViewed', data: { viewId, by: actor.id, until: until.toISOString(), at } }];
    }
    case 'StartCall': {
      const s = live(state, 'call');
      identifier(command.data.callId, 'call id');
      if (s.call) throw new IllegalStateError('a call is already in progress');
      return [{ type: 'CallStarted', data: { callId: command.data.callId, by: actor.id, video: command.data.video, at } }];
    }
    case 'EndCall': {
      const s = exists(state, 'hang up');
      identifier(command.data.callId, 'call id');
      if (!s.call || s.call.callId !== command.data.callId) return []; // already over: both sides may hang up at once
      return [{ type: 'CallEnded', data: { callId: command.data.callId, by: actor.id, at } }];
    }
    case 'ConnectMobileCamera': {
      const s = open(state, 'connect a mobile camera');
      if (!s.secondCamera) throw new IllegalStateError('this session does not use a second camera');
      return [{ type: 'MobileCameraConnected', data: { userAgent: clip(command.data.userAgent, 500), at } }];
    }
    case 'JoinAsProctor': {
      const s = open(state, 'join');
      if (s.proctorsPresent.includes(actor.id)) return [];
      return [{ type: 'ProctorJoined', data: { proctor: actor.id, at } }];
    }
    case 'LeaveAsProctor': {
      const s = exists(state, 'leave');
      if (!s.proctorsPresent.includes(actor.id)) return [];
      return [{ type: 'ProctorLeft', data: { proctor: actor.id, at } }];
    }
    case 'AddNote': {
      const s = exists(state, 'add a note');
      identifier(command.data.noteId, 'note id');
      if (s.noteIds.includes(command.data.noteId)) return [];
      return [{ type: 'NoteAdded', data: { noteId: command.data.noteId, author: actor.id, text: text(command.data.text, 'note'), at } }];
    }
    case 'PauseSession': {
      const s = live(state, 'pause');
      if (s.status === 'paused') return [];
      return [{ type: 'SessionPaused', data: { by: actor.id, at } }];
    }
    case 'ResumeSession': {
      const s = live(state, 'resume');
      if (s.status === 'in_progress') return [];
      return [{ type: 'SessionResumed', data: { by: actor.id, at } }];
    }
    case 'FinishSession': {
      const s = exists(state, 'finish');
      if (s.status === 'finished' || s.status === 'concluded') return []; // finishing twice (timer and test-taker racing) is not an error
      if (s.status !== 'in_progress' && s.status !== 'paused') throw new IllegalStateError(`cannot finish: the session is ${readable(s.status)}`);
      const d = command.data;
      let by: FinishedBy;
      if (d.timeout) {
        if (now.getTime() < Date.parse(s.deadline)) throw new IllegalStateError(`cannot finish on time-out before the deadline ${s.deadline}`);
        by = 'timeout';
      } else {
        by = actor.role === 'student' ? 'student' : actor.role === 'proctor' ? 'proctor' : actor.role === 'integrator' ? 'integrator' : 'admin';
      }
      if (d.conclusion) conclusionValue(d.conclusion);
      const comment = optionalText(d.comment, 'comment', MAX_TEXT, { multiline: true });
      if (d.conclusion && by === 'student') throw new ValidationError('a test-taker cannot give a conclusion');
      const messageToStudent = optionalText(d.messageToStudent, 'message to the test-taker', MAX_TEXT, { multiline: true });
      if (messageToStudent && !d.conclusion) throw new ValidationError('a message to the test-taker goes with a conclusion');
      const pausedAt = s.status === 'paused' ? s.pausedAt : undefined;
      const score = computeScore({
        metrics: s.metrics, weights: s.weights, minutes: s.minutes, sessionMinutes: elapsedMinutes(s, now, pausedAt), violatedMs: faceViolation(s, now),
      });
      const events: SessionEvent[] = [
        { type: 'SessionFinished', data: { by, actor: actor.id, at } },
        { type: 'ScoreComputed', data: { ...score, at } },
      ];
      if (d.conclusion) {
        events.push({ type: 'SessionConcluded', data: { conclusion: d.conclusion, comment, messageToStudent, by: actor.id, automatic: false, at } });
      } else if (s.autoConclude) {
        const conclusion = score.score < s.threshold ? 'negative' : 'positive';
        events.push({
          type: 'SessionConcluded',
          data: { conclusion, comment: `automatic: score ${score.score} against threshold ${s.threshold}`, messageToStudent: null, by: 'system', automatic: true, at },
        });
      }
      return events;
    }
    case 'ConcludeSession': {
      const s = exists(state, 'conclude');
      if (s.status === 'concluded' && actor.role !== 'admin') throw new IllegalStateError('the session already has a conclusion; only an administrator can change it');
      if (s.status !== 'finished' && s.status !== 'concluded') throw new IllegalStateError(`cannot conclude: the session is ${readable(s.status)}`);
      conclusionValue(command.data.conclusion);
      const comment = command.data.comment?.trim() ? text(command.data.comment, 'comment') : null;
      const messageToStudent = optionalText(command.data.messageToStudent, 'message to the test-taker', MAX_TEXT, { multiline: true });
      return [{ type: 'SessionConcluded', data: { conclusion: command.data.conclusion, comment, messageToStudent, by: actor.id, automatic: false, at } }];
    }
    default:
      return assertNever(command, 'session command');
  }
}

export const sessionDecider: Decider<SessionCommand, SessionEvent, Session> = {
  initialState: initialSession,
  decide: decideSession,
  evolve: evolveSession,
};
