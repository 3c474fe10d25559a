import { assertNever } from '../core/errors.js';
import { DEFAULT_CHECK_IN_BEFORE_MINUTES } from './check-in.js';
import type { Conclusion, FileKind, FinishedBy, IdentityPhotoKind, LtiLink, SessionEvent } from './events.js';
import type { MetricCode, MetricValues } from './metrics.js';
import { GrowingMap } from '../core/growing-map.js';
import { examSteps, type ExamSteps } from './steps.js';
import { recordingAnalysed, type ServerTally } from './server-tally.js';

/** What every existing session knows, whatever its status. */
export interface SessionFacts {
  readonly sessionId: string;
  readonly name: string;
  readonly student: string;
  readonly proctor: string | null;
  readonly durationMinutes: number;
  readonly metrics: readonly MetricCode[];
  readonly weights: Readonly<Partial<Record<MetricCode, number>>>;
  readonly threshold: number;
  readonly autoConclude: boolean;
  /** The session asks for a second (mobile) camera. */
  readonly secondCamera: boolean;
  /** The test-taker books the time from the proctors' slots; `booking` is the slot booked (whose calendar, when), once it is. */
  readonly selfScheduling: boolean;
  readonly booking: { readonly proctor: string; readonly start: string } | null;
  /** The start set by the organisers (a booking, once made, takes its place). */
  readonly scheduledAt: string | null;
  /** Minutes before and after the start during which the test-taker may check in. */
  readonly checkInMinutes: { readonly before: number; readonly after: number };
  readonly checkedIn: boolean;
  readonly identityVerified: boolean;
  /** The stages and addons of the session's exam (its template's, or those of a session without one). */
  readonly steps: ExamSteps;
  /** The kinds of identity photo submitted so far. */
  readonly identityPhotos: readonly IdentityPhotoKind[];
  /** The proctor who confirmed the test-taker and let them start (the approval stage), once one has. */
  readonly approvedBy: string | null;
  /** An incident message is in force: the test content is covered. */
  readonly blocked: boolean;
  readonly proctorsPresent: readonly string[];
  /** Recorded per-minute values, by minute index. */
  readonly minutes: Readonly<Record<number, MetricValues>>;
  readonly messageIds: readonly string[];
  readonly noteIds: readonly string[];
  readonly photoIds: readonly string[];
  /** Files stored in the session by id, with what each is for (identity photos must be one of these). */
  readonly files: Readonly<Record<string, FileKind>>;
  /** Bytes of recording stored so far (the upload quota counts them). */
  readonly recordedBytes: number;
  /** Bytes of files stored so far. */
  readonly fileBytes: number;
  /** Refused uploads per `track:seq`, and how many refusals the session has recorded in all. */
  readonly refusals: Readonly<Record<string, number>>;
  readonly refusalCount: number;
  /** Segments recorded as lost, as `track:seq`. */
  readonly lost: readonly string[];
  /**
   * Stored recording segments by `track:seq`: the content's sha-256 (a retried upload of the same segment is
   * recognised) and when it began (the server's findings are placed in minutes by it).
   */
  readonly segments: GrowingMap<string, StoredSegment>;
  /** Segments the server has analysed (`track:seq`), and what it saw, tallied per minute (see `analysis.ts`). */
  readonly analysed: GrowingMap<string, true>;
  readonly serverMinutes: Readonly<Record<number, ServerTally>>;
  /** t1 raised so far, as `minute:code`. */
  readonly contradicted: readonly string[];
  /** c5 and c6 as time spans: a yellow face check puts the session in c5 (similar profile), a red one in c6, till another. */
  readonly faceSpans: Readonly<Record<'c5' | 'c6', ReadonlyArray<{ from: string; to: string | null }>>>;
  /** The call in progress, if any. */
  readonly call: { readonly callId: string; readonly video: boolean } | null;
  readonly startedAt: string | null;
  /** Milliseconds spent paused so far (not counted as session time). */
  readonly pausedMs: number;
  /** The LMS launch the session came from by LTI 1.3 (the latest, when launched again); null otherwise. */
  readonly lti: LtiLink | null;
  /** The platform has said the attempt is over (LtiEndAssessment). */
  readonly ltiEnded: boolean;
  /** Days its media is kept after it ends, from its template; null: made without one (the default template's value). */
  readonly retentionDays: number | null;
  /** When its recordings, photos and files were destroyed; null while they are kept. */
  readonly mediaDeletedAt: string | null;
  /** The last logged view of each file by each person (`by fileId` → when): repeats soon after are not logged again. */
  readonly fileViews: Readonly<Record<string, string>>;
  /** An examination committee reviews the conclusion, or has decided it for good (absent: neither). */
  readonly committee?: 'reviewing' | 'decided';
}

export interface StoredSegment {
  readonly sha256: string;
  readonly start: string;
}

export type Session =
  | { readonly status: 'none' }
  | (SessionFacts & { readonly status: 'scheduled' })
  | (SessionFacts & { readonly status: 'waiting' })
  | (SessionFacts & { readonly status: 'in_progress'; readonly startedAt: string; readonly deadline: string })
  | (SessionFacts & { readonly status: 'paused'; readonly startedAt: string; readonly deadline: string; readonly pausedAt: string })
  | (SessionFacts & { readonly status: 'finished'; readonly finishedAt: string; readonly finishedBy: FinishedBy; readonly score: number | null })
  | (SessionFacts & {
      readonly status: 'concluded';
      readonly finishedAt: string;
      readonly finishedBy: FinishedBy;
      readonly score: number | null;
      readonly conclusion: Conclusion;
    })
  | (SessionFacts & { readonly status: 'cancelled'; readonly cancelledAt: string });

export type SessionStatus = Session['status'];

export const initialSession = (): Session => ({ status: 'none' });

const ms = (iso: string) => Date.parse(iso);

/**
 * The session's state machine: the events that move its status are applied here, every other event is a fact the
 * session remembers whatever its status (`rememberFact`).
 */
export function evolveSession(state: Session, event: SessionEvent): Session {
  if (event.type === 'SessionCreated') return createdSession(event.data);
  if (state.status === 'none') return state; // events before creation cannot exist; ignore rather than crash a replay
  switch (event.type) {
    case 'ProctorAssigned':
      return { ...state, proctor: event.data.proctor };
    case 'SessionBooked':
      return { ...state, proctor: event.data.proctor, booking: { proctor: event.data.proctor, start: event.data.scheduledAt } };
    case 'SessionRescheduled':
      return { ...state, scheduledAt: event.data.scheduledAt };
    case 'SessionCancelled':
      return { ...state, status: 'cancelled', cancelledAt: event.data.at };
    case 'ParticipantCheckedIn':
      return state.status === 'scheduled' ? { ...state, status: 'waiting', checkedIn: true } : { ...state, checkedIn: true };
    case 'SessionStarted':
      return { ...state, status: 'in_progress', startedAt: event.data.at, deadline: event.data.deadline };
    case 'SessionPaused':
      return state.status === 'in_progress' ? { ...state, status: 'paused', pausedAt: event.data.at } : state;
    case 'SessionResumed':
      return state.status === 'paused' ? resumed(state, event.data.at) : state;
    case 'SessionFinished': {
      const pausedMs = state.status === 'paused' ? state.pausedMs + (ms(event.data.at) - ms(state.pausedAt)) : state.pausedMs;
      return { ...state, status: 'finished', pausedMs, call: null, finishedAt: event.data.at, finishedBy: event.data.by, score: null };
    }
    case 'ScoreComputed':
      return state.status === 'finished' || state.status === 'concluded' ? { ...state, score: event.data.score } : state;
    case 'SessionConcluded':
      return state.status === 'finished' || state.status === 'concluded'
        ? { ...state, status: 'concluded', conclusion: event.data.conclusion }
        : state;
    case 'SentToCommittee':
      return { ...state, committee: 'reviewing' };
    case 'CommitteeDecided':
      return state.status === 'concluded' ? { ...state, committee: 'decided', conclusion: event.data.conclusion } : state;
    default:
      return rememberFact(state, event);
  }
}

type StatusEvent = Extract<
  SessionEvent,
  {
    type:
      | 'SessionCreated' | 'ProctorAssigned' | 'SessionBooked' | 'SessionRescheduled' | 'SessionCancelled' | 'ParticipantCheckedIn' | 'SessionStarted'
      | 'SessionPaused' | 'SessionResumed' | 'SessionFinished' | 'ScoreComputed' | 'SessionConcluded' | 'SentToCommittee' | 'CommitteeDecided';
  }
>;

/** Files, recordings, identity, calls, metrics, messages, proctors present: what happened in the session, status aside. */
function rememberFact(state: Existing, event: Exclude<SessionEvent, StatusEvent>): Existing {
  switch (event.type) {
    case 'IdentityPhotoSubmitted': {
      const identityPhotos = state.identityPhotos.includes(event.data.kind) ? state.identityPhotos : [...state.identityPhotos, event.data.kind];
      return { ...state, photoIds: [...state.photoIds, event.data.photoId], identityPhotos };
    }
    case 'FileStored':
      return { ...state, files: { ...state.files, [event.data.fileId]: event.data.kind }, fileBytes: state.fileBytes + event.data.size };
    case 'IdentityVerified':
      return { ...state, identityVerified: true, approvedBy: event.data.method === 'proctor' ? state.approvedBy ?? event.data.by : state.approvedBy };
    case 'RecordingSegmentStored':
      return segmentStored(state, event.data);
    case 'RecordingSegmentRefused': {
      const key = `${event.data.track}:${event.data.seq}`;
      return { ...state, refusals: { ...state.refusals, [key]: (state.refusals[key] ?? 0) + 1 }, refusalCount: state.refusalCount + 1 };
    }
    case 'RecordingSegmentLost':
      return { ...state, lost: [...state.lost, `${event.data.track}:${event.data.seq}`] };
    case 'RecordingAnalysed':
      return recordingAnalysed(state, event.data);
    case 'ClientReportContradicted':
      return { ...state, contradicted: [...state.contradicted, `${event.data.minute}:${event.data.code}`] };
    case 'CallStarted':
      return { ...state, call: { callId: event.data.callId, video: event.data.video } };
    case 'CallEnded':
      return { ...state, call: null };
    case 'MetricsRecorded':
      return { ...state, minutes: { ...state.minutes, [event.data.minute]: event.data.values } };
    case 'FaceChecked':
      return faceChecked(state, event.data);
    case 'MessageSent':
      return { ...state, messageIds: [...state.messageIds, event.data.messageId] };
    case 'ContentBlocked':
      return { ...state, blocked: true };
    case 'ContentUnblocked':
      return { ...state, blocked: false };
    case 'ProctorJoined':
      return { ...state, proctorsPresent: [...state.proctorsPresent.filter((p) => p !== event.data.proctor), event.data.proctor] };
    case 'ProctorLeft':
      return { ...state, proctorsPresent: state.proctorsPresent.filter((p) => p !== event.data.proctor) };
    case 'NoteAdded':
      return { ...state, noteIds: [...state.noteIds, event.data.noteId] };
    case 'LtiLaunched':
      return { ...state, lti: event.data.link };
    case 'LtiAssessmentEnded':
      return { ...state, ltiEnded: true };
    case 'FileViewed':
      return { ...state, fileViews: { ...state.fileViews, [`${event.data.by} ${event.data.fileId}`]: event.data.at } };
    case 'SessionMediaDeleted':
      return { ...state, mediaDeletedAt: event.data.at };
    // The access log and what the read models alone keep: nothing the session decides by.
    case 'RecordingPlayed': case 'RecordingViewed': case 'StreamReplayed': case 'StreamExported':
    case 'MobileCameraConnected': case 'ViolationDetected': case 'LtiMessageSent': case 'LtiServiceCalled':
      return state;
    default:
      return assertNever(event, 'session event');
  }
}

type Created = Extract<SessionEvent, { type: 'SessionCreated' }>['data'];
type FaceCheck = Extract<SessionEvent, { type: 'FaceChecked' }>['data'];
type Existing = Exclude<Session, { status: 'none' }>;

/** A new session knows what it was created with, and nothing has happened in it yet. */
function createdSession(d: Created): Session {
  return {
    status: 'scheduled',
    sessionId: d.sessionId,
    name: d.name,
    student: d.student,
    proctor: d.proctor,
    durationMinutes: d.durationMinutes,
    metrics: d.metrics,
    weights: d.weights,
    threshold: d.threshold,
    autoConclude: d.autoConclude,
    secondCamera: d.secondCamera,
    selfScheduling: d.selfScheduling ?? false,
    booking: null,
    scheduledAt: d.scheduledAt,
    checkInMinutes: { before: d.checkInBeforeMinutes ?? DEFAULT_CHECK_IN_BEFORE_MINUTES, after: d.checkInAfterMinutes ?? d.durationMinutes },
    checkedIn: false,
    identityVerified: false,
    steps: examSteps(d.fromTemplate, d.secondCamera),
    identityPhotos: [],
    approvedBy: null,
    blocked: false,
    proctorsPresent: [],
    minutes: {},
    messageIds: [],
    noteIds: [],
    photoIds: [],
    files: {},
    recordedBytes: 0,
    fileBytes: 0,
    refusals: {},
    refusalCount: 0,
    lost: [],
    segments: GrowingMap.empty(),
    analysed: GrowingMap.empty(),
    serverMinutes: {},
    contradicted: [],
    faceSpans: { c5: [], c6: [] },
    call: null,
    startedAt: null,
    pausedMs: 0,
    lti: null,
    ltiEnded: false,
    retentionDays: d.fromTemplate?.retentionDays ?? null,
    mediaDeletedAt: null,
    fileViews: {},
  };
}

/** A yellow check opens a c5 span, a red one a c6 span; a check of another colour closes the span it does not continue. */
function faceChecked(state: Existing, d: FaceCheck): Existing {
  const photoIds = state.photoIds.includes(d.photoId) ? state.photoIds : [...state.photoIds, d.photoId];
  const open = (code: 'c5' | 'c6') => state.faceSpans[code].some((s) => s.to === null);
  const set = (code: 'c5' | 'c6', on: boolean) => {
    const spans = state.faceSpans[code];
    if (on) return open(code) ? spans : [...spans, { from: d.at, to: null }];
    return spans.map((s) => (s.to === null ? { ...s, to: d.at } : s));
  };
  return { ...state, photoIds, faceSpans: { c5: set('c5', d.result === 'yellow'), c6: set('c6', d.result === 'red') } };
}

/** A stored segment: its content's hash (a retried upload is recognised), its start, and the bytes it adds to the quota. */
function segmentStored(state: Existing, d: Extract<SessionEvent, { type: 'RecordingSegmentStored' }>['data']): Existing {
  const key = `${d.track}:${d.seq}`;
  return { ...state, segments: state.segments.with(key, { sha256: d.sha256, start: d.start }), recordedBytes: state.recordedBytes + d.size };
}

/** The pause is not session time: the deadline moves by its length. */
function resumed(state: Extract<Session, { status: 'paused' }>, at: string): Session {
  const pause = ms(at) - ms(state.pausedAt);
  const deadline = new Date(ms(state.deadline) + pause).toISOString();
  const { pausedAt: _, ...rest } = state;
  return { ...rest, status: 'in_progress', pausedMs: state.pausedMs + pause, deadline };
}
