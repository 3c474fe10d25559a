import type { MetricCode, MetricValues } from './metrics.js';
import type { SessionTemplateRef } from '../template/ref.js';

/** Who ended a session: `integrator` is the LMS that created it. */
export type FinishedBy = 'student' | 'proctor' | 'admin' | 'integrator' | 'timeout';
export type Conclusion = 'positive' | 'negative';
export type FaceResult = 'green' | 'yellow' | 'red';
/**
 * Why a face check came out as it did. Green or yellow: `match` (within the 1:1 threshold of the profile's reference)
 * or `new_reference` (the profile had none: this photo's face became it). Red: `mismatch` (another person),
 * `no_face`, `several_faces` (a face photo must show the test-taker alone), `unreadable` (not a complete image, or its
 * content is gone) or `no_reference` (a document photo with nothing to compare it with).
 */
export type FaceCheckReason = 'match' | 'new_reference' | 'mismatch' | 'no_face' | 'several_faces' | 'unreadable' | 'no_reference';
export const FACE_CHECK_REASONS: readonly FaceCheckReason[] = ['match', 'new_reference', 'mismatch', 'no_face', 'several_faces', 'unreadable', 'no_reference'];
export type IdentityPhotoKind = 'face' | 'document';
/** The recorded media of a session: camera with microphone, the shared screen, the phone's camera. */
export type RecordingTrack = 'camera' | 'screen' | 'mobile';
/** Why a session's media was destroyed. */
export type MediaDeletionReason = 'retention';
/** What an uploaded file is for: a chat attachment, or an identity photo. */
export type FileKind = 'attachment' | IdentityPhotoKind;

/** The client's metrics the server re-derives from the camera recording (no face, several faces, a stranger, voices). */
export type CheckedCode = 'c2' | 'c3' | 'c4' | 'm2';

/** What the server saw in one second of a segment: the frame's faces and picture, and the sound's level. */
export interface SecondFindings {
  /** Faces in the second's frame; null where nothing was looked for (a screen track, an audio-only second). */
  readonly faces: number | null;
  /** Distance of the least-matching face to the profile's reference face; null without a face or a reference. */
  readonly distance: number | null;
  /** A face is someone else's: its distance is above the match threshold. */
  readonly stranger: boolean;
  /** The picture is dark or covered: low mean luminance, or nearly uniform. */
  readonly dark: boolean;
  /** The picture has not changed for a long span (a still image or a frozen camera). */
  readonly frozen: boolean;
  /** The sound's RMS level in dBFS; null without an audio track. */
  readonly db: number | null;
  /** The sound is loud enough to be speech or noise (m2). */
  readonly loud: boolean;
}

/** Everything that can happen to a proctoring session. Times are ISO-8601 strings taken from the command. */
export type SessionEvent =
  | {
      readonly type: 'SessionCreated';
      readonly data: {
        readonly sessionId: string;
        readonly name: string;
        readonly student: string;
        readonly studentName: string | null;
        readonly proctor: string | null;
        readonly durationMinutes: number;
        readonly scheduledAt: string | null;
        readonly metrics: readonly MetricCode[];
        readonly weights: Readonly<Partial<Record<MetricCode, number>>>;
        readonly threshold: number;
        readonly autoConclude: boolean;
        readonly url: string | null;
        readonly template: string | null;
        readonly tags: readonly string[];
        readonly secondCamera: boolean;
        /** Absent in events from before self-scheduling existed. */
        readonly selfScheduling?: boolean;
        /** Absent (false) in events from before: the test-taker sees the conclusion, not the score. */
        readonly scoreVisibleToStudent?: boolean;
        /**
         * Check-in opens this many minutes before the scheduled (or booked) start and closes this many after it.
         * Absent in events from before the window existed: 15 and the duration.
         */
        readonly checkInBeforeMinutes?: number;
        readonly checkInAfterMinutes?: number;
        readonly createdBy: string;
        readonly integrationId: string | null;
        /** The template version the session was made from, with its stages, addons, rules and retention; absent: none. */
        readonly fromTemplate?: SessionTemplateRef;
        readonly at: string;
      };
    }
  | { readonly type: 'ProctorAssigned'; readonly data: { readonly proctor: string | null; readonly previous: string | null; readonly by: string; readonly at: string } }
  | {
      readonly type: 'SessionBooked';
      readonly data: { readonly scheduledAt: string; readonly proctor: string; readonly previousProctor: string | null; readonly by: string; readonly at: string };
    }
  | { readonly type: 'SessionRescheduled'; readonly data: { readonly scheduledAt: string; readonly previous: string | null; readonly by: string; readonly at: string } }
  | { readonly type: 'SessionCancelled'; readonly data: { readonly reason: string; readonly by: string; readonly at: string } }
  | { readonly type: 'ParticipantCheckedIn'; readonly data: { readonly userAgent: string; readonly browserSupported: boolean; readonly at: string } }
  | { readonly type: 'IdentityPhotoSubmitted'; readonly data: { readonly photoId: string; readonly kind: IdentityPhotoKind; readonly at: string } }
  | {
      readonly type: 'FileStored';
      readonly data: {
        readonly fileId: string;
        readonly kind: FileKind;
        readonly name: string;
        readonly contentType: string;
        readonly size: number;
        readonly sha256: string;
        readonly by: string;
        readonly at: string;
      };
    }
  | { readonly type: 'IdentityVerified'; readonly data: { readonly by: string; readonly method: 'proctor' | 'automatic'; readonly at: string } }
  | { readonly type: 'SessionStarted'; readonly data: { readonly at: string; readonly deadline: string } }
  | { readonly type: 'MetricsRecorded'; readonly data: { readonly minute: number; readonly values: MetricValues; readonly at: string } }
  | { readonly type: 'ViolationDetected'; readonly data: { readonly code: MetricCode; readonly detail: string | null; readonly at: string } }
  | {
      readonly type: 'FaceChecked';
      readonly data: {
        readonly photoId: string;
        readonly result: FaceResult;
        readonly distance: number | null;
        readonly similarProfiles: readonly string[];
        /** Absent in events recorded before reasons were: read it as unknown (`null`). */
        readonly reason?: FaceCheckReason | null;
        /** How many faces the photo showed (null when it could not be read; absent in older events). */
        readonly faceCount?: number | null;
        readonly at: string;
      };
    }
  | {
      readonly type: 'MessageSent';
      readonly data: {
        readonly messageId: string;
        readonly from: string;
        readonly role: string;
        readonly text: string;
        readonly incident: boolean;
        readonly attachmentId: string | null;
        readonly at: string;
      };
    }
  | { readonly type: 'ContentBlocked'; readonly data: { readonly messageId: string; readonly by: string; readonly at: string } }
  | { readonly type: 'ContentUnblocked'; readonly data: { readonly messageId: string; readonly by: string; readonly at: string } }
  | {
      readonly type: 'RecordingSegmentStored';
      readonly data: {
        readonly track: RecordingTrack;
        readonly seq: number;
        readonly start: string;
        readonly durationMs: number;
        readonly size: number;
        readonly sha256: string;
        readonly at: string;
      };
    }
  /** The server's analysis of one stored segment, second by second; `skipped` says why there is none (no decoder). */
  | { readonly type: 'RecordingAnalysed'; readonly data: { readonly track: RecordingTrack; readonly seq: number; readonly start: string; readonly seconds: readonly SecondFindings[]; readonly skipped: string | null; readonly at: string } }
  /** t1: for one minute, what the recording shows and what the browser reported for a metric differ (shares 0–100). */
  | { readonly type: 'ClientReportContradicted'; readonly data: { readonly minute: number; readonly code: CheckedCode; readonly server: number; readonly client: number; readonly seconds: number; readonly at: string } }
  /** An upload refused because its content is not a whole, playable segment (checked before it is stored). */
  | {
      readonly type: 'RecordingSegmentRefused';
      readonly data: { readonly track: RecordingTrack; readonly seq: number; readonly reason: string; readonly attempt: number; readonly at: string };
    }
  /** A segment that stayed broken: a gap in the recording, with its cause, never a recording. */
  | {
      readonly type: 'RecordingSegmentLost';
      readonly data: { readonly track: RecordingTrack; readonly seq: number; readonly start: string; readonly durationMs: number; readonly reason: string; readonly at: string };
    }
  | { readonly type: 'RecordingPlayed'; readonly data: { readonly track: RecordingTrack; readonly seq: number; readonly by: string; readonly at: string } }
  /** A reviewer opened the recording for watching: one event covers the segments fetched under `viewId` while it lasts. */
  | { readonly type: 'RecordingViewed'; readonly data: { readonly viewId: string; readonly by: string; readonly until: string; readonly at: string } }
  /** An auditor or administrator opened the session's event stream for replay (the access log of audits). */
  | { readonly type: 'StreamReplayed'; readonly data: { readonly by: string; readonly role: string; readonly events: number; readonly at: string } }
  /** The session's event stream left the system for an outside auditor: versions 0 to `throughVersion`. */
  | { readonly type: 'StreamExported'; readonly data: { readonly by: string; readonly role: string; readonly throughVersion: number; readonly at: string } }
  /** Someone opened or downloaded a file of the session (a chat file or an identity photo): the access log of files. */
  | { readonly type: 'FileViewed'; readonly data: { readonly fileId: string; readonly kind: FileKind; readonly by: string; readonly at: string } }
  /**
   * The session's recordings, photos and files were destroyed (its media key shredded): `retentionDays` after it ended,
   * under the retention policy. How many of each there were; the score, conclusion and events stay.
   */
  | {
      readonly type: 'SessionMediaDeleted';
      readonly data: {
        readonly reason: MediaDeletionReason; readonly retentionDays: number; readonly endedAt: string;
        readonly recordings: number; readonly photos: number; readonly files: number; readonly at: string;
      };
    }
  | { readonly type: 'CallStarted'; readonly data: { readonly callId: string; readonly by: string; readonly video: boolean; readonly at: string } }
  | { readonly type: 'CallEnded'; readonly data: { readonly callId: string; readonly by: string; readonly at: string } }
  /** The test-taker's phone opened the second-camera link and publishes its camera into the session. */
  | { readonly type: 'MobileCameraConnected'; readonly data: { readonly userAgent: string; readonly at: string } }
  | { readonly type: 'ProctorJoined'; readonly data: { readonly proctor: string; readonly at: string } }
  | { readonly type: 'ProctorLeft'; readonly data: { readonly proctor: string; readonly at: string } }
  | { readonly type: 'NoteAdded'; readonly data: { readonly noteId: string; readonly author: string; readonly text: string; readonly at: string } }
  | { readonly type: 'SessionPaused'; readonly data: { readonly by: string; readonly at: string } }
  | { readonly type: 'SessionResumed'; readonly data: { readonly by: string; readonly at: string } }
  | { readonly type: 'SessionFinished'; readonly data: { readonly by: FinishedBy; readonly actor: string; readonly at: string } }
  | {
      readonly type: 'ScoreComputed';
      readonly data: {
        readonly score: number;
        readonly minutes: number;
        /** Per metric: share of session time in violation (0–100), its weight, and what it took off the score. */
        readonly breakdown: readonly { readonly code: MetricCode; readonly share: number; readonly weight: number; readonly contribution: number }[];
        readonly at: string;
      };
    }
  /** An LMS launched (or launched again) into this session: the link is what later messages and service calls use. */
  | { readonly type: 'LtiLaunched'; readonly data: { readonly messageType: string; readonly link: LtiLink; readonly at: string } }
  /** We sent an LTI message back to the platform through the browser (LtiStartAssessment, a deep-linking response). */
  | { readonly type: 'LtiMessageSent'; readonly data: { readonly messageType: string; readonly url: string; readonly at: string } }
  /** The platform said the attempt is over (LtiEndAssessment), with its error message and log when it went wrong. */
  | { readonly type: 'LtiAssessmentEnded'; readonly data: { readonly errorMessage: string | null; readonly errorLog: string | null; readonly at: string } }
  /** One call to one of the platform's services, and what came of it (status null: no answer). */
  | {
      readonly type: 'LtiServiceCalled';
      readonly data: {
        readonly service: LtiService; readonly action: string; readonly url: string; readonly attempt: number;
        readonly status: number | null; readonly outcome: string; readonly ok: boolean; readonly at: string;
      };
    }
  | {
      readonly type: 'SessionConcluded';
      readonly data: {
        readonly conclusion: Conclusion;
        /** For the record: proctors, the committee and auditors read it; the test-taker never does. */
        readonly comment: string | null;
        /** What the test-taker is told, if anything (absent in events from before it existed). */
        readonly messageToStudent?: string | null;
        readonly by: string;
        readonly automatic: boolean;
        readonly at: string;
      };
    }
  /** The session's conclusion is under an examination committee's review (stream `committee-<id>`): members and chair. */
  | { readonly type: 'SentToCommittee'; readonly data: { readonly members: readonly string[]; readonly chair: string; readonly by: string; readonly at: string } }
  /** The committee's decision, final: the votes it rests on and the session's conclusion from now on. */
  | {
      readonly type: 'CommitteeDecided';
      readonly data: {
        readonly decision: 'upheld' | 'overturned';
        readonly conclusion: Conclusion;
        readonly votes: ReadonlyArray<{ readonly member: string; readonly vote: 'uphold' | 'overturn'; readonly comment: string }>;
        readonly tieBrokenByChair: boolean;
        readonly by: string;
        readonly at: string;
      };
    };

/** The LMS services a session's platform may offer: grades (AGS), the course's people (NRPS), control of the attempt (ACS). */
export type LtiService = 'ags' | 'nrps' | 'acs';

/** How a session is tied to the LMS launch it came from (LTI 1.3): where its results and controls go. No secrets. */
export interface LtiLink {
  readonly platformId: string;
  readonly deploymentId: string;
  /** The platform's id of the person (`sub`), under the platform's issuer. */
  readonly userId: string;
  readonly resourceLinkId: string;
  readonly contextId: string | null;
  /** AGS (from the launch's endpoint claim): the line items container, the launch's own line item, the scopes granted. */
  readonly lineItemsUrl: string | null;
  readonly lineItemUrl: string | null;
  readonly agsScopes: readonly string[];
  /** NRPS: the course's memberships URL. */
  readonly membershipsUrl: string | null;
  /** LTI Proctoring Services, when the launch was LtiStartProctoring: what to echo back and where. */
  readonly proctoring: {
    readonly attemptNumber: number;
    readonly startAssessmentUrl: string;
    /** Opaque to us: echoed unchanged in LtiStartAssessment. */
    readonly sessionData: string;
    readonly acsUrl: string | null;
    readonly acsActions: readonly string[];
    /** The `proctoring_settings` claim as JSON text, when sent. */
    readonly settings: string | null;
  } | null;
  /** Where the learner goes back to the course (`launch_presentation.return_url`), if given; absent in older links. */
  readonly returnUrl?: string | null;
  /**
   * The launch's `resource_link` claim as JSON text (id, title, description…), echoed unchanged in LtiStartAssessment;
   * absent in links recorded before it was kept (then `{ id: resourceLinkId }` is echoed).
   */
  readonly resourceLinkClaim?: string | null;
}

export type SessionEventType = SessionEvent['type'];

// A record, so adding an event type without listing it here is a compile error.
const EVENT_TYPES: Record<SessionEventType, true> = {
  SessionCreated: true, ProctorAssigned: true, SessionBooked: true, SessionRescheduled: true, SessionCancelled: true, ParticipantCheckedIn: true, IdentityPhotoSubmitted: true, FileStored: true,
  IdentityVerified: true, SessionStarted: true, MetricsRecorded: true, ViolationDetected: true, FaceChecked: true, MessageSent: true,
  ContentBlocked: true, ContentUnblocked: true, ProctorJoined: true, ProctorLeft: true, NoteAdded: true, SessionPaused: true,
  SessionResumed: true, SessionFinished: true, RecordingSegmentStored: true, RecordingSegmentRefused: true, RecordingSegmentLost: true, RecordingAnalysed: true, ClientReportContradicted: true, RecordingPlayed: true, RecordingViewed: true, StreamReplayed: true, StreamExported: true, FileViewed: true, SessionMediaDeleted: true, CallStarted: true, CallEnded: true, MobileCameraConnected: true, ScoreComputed: true, SessionConcluded: true,
  SentToCommittee: true, CommitteeDecided: true, LtiLaunched: true, LtiMessageSent: true, LtiAssessmentEnded: true, LtiServiceCalled: true,
};
export const SESSION_EVENT_TYPES = Object.keys(EVENT_TYPES) as SessionEventType[];

const SESSION_STREAM = 'session-';
export const sessionStreamId = (sessionId: string) => `${SESSION_STREAM}${sessionId}`;
/** Whether `streamId` is a session's: a type name alone does not say which aggregate an event belongs to. */
export const isSessionStream = (streamId: string) => streamId.startsWith(SESSION_STREAM);
/** The session whose stream an event was read from: the inverse of `sessionStreamId`. */
export const sessionIdOf = (event: { readonly streamId: string }) => event.streamId.slice(SESSION_STREAM.length);
