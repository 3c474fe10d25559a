import type { CommandMetadata } from '../core/decider.js';
import type { Conclusion, FaceCheckReason, LtiLink, LtiService, FaceResult, FileKind, IdentityPhotoKind, MediaDeletionReason, RecordingTrack, SecondFindings, SessionEvent } from './events.js';
import type { MetricCode, MetricValues } from './metrics.js';
import type { SessionTemplateRef } from '../template/ref.js';

/** What can be asked of a session. Each carries `metadata` (now, actor, command id): the decider reads no clock. */
export type SessionCommand =
  | {
      readonly type: 'CreateSession';
      readonly data: {
        readonly sessionId: string;
        readonly name: string;
        readonly student: string;
        readonly studentName?: string | null;
        readonly proctor?: string | null;
        readonly durationMinutes: number;
        readonly scheduledAt?: Date | null;
        readonly metrics?: readonly MetricCode[];
        readonly weights?: Partial<Record<MetricCode, number>>;
        readonly threshold?: number;
        readonly autoConclude?: boolean;
        readonly url?: string | null;
        readonly template?: string | null;
        readonly tags?: readonly string[];
        readonly secondCamera?: boolean;
        /** The test-taker picks the time (and with it the proctor) from the proctors' open slots. */
        readonly selfScheduling?: boolean;
        /** The test-taker may see their credibility score (by default they see the conclusion only). */
        readonly scoreVisibleToStudent?: boolean;
        /** Check-in opens this many minutes before the start (default 15) and closes this many after it (default: the duration). */
        readonly checkInBeforeMinutes?: number | null;
        readonly checkInAfterMinutes?: number | null;
        readonly integrationId?: string | null;
        /** The template version the settings came from (the app fills them from it), and what else of it the session keeps. */
        readonly fromTemplate?: SessionTemplateRef | null;
      };
      readonly metadata: CommandMetadata;
    }
  | { readonly type: 'AssignProctor'; readonly data: { readonly proctor: string | null }; readonly metadata: CommandMetadata }
  | { readonly type: 'BookTime'; readonly data: { readonly scheduledAt: Date; readonly proctor: string }; readonly metadata: CommandMetadata }
  /** Moves the start of a session set by its organisers (not one the test-taker booked into a slot). */
  | { readonly type: 'RescheduleSession'; readonly data: { readonly scheduledAt: Date }; readonly metadata: CommandMetadata }
  | { readonly type: 'CancelSession'; readonly data: { readonly reason: string }; readonly metadata: CommandMetadata }
  | { readonly type: 'CheckIn'; readonly data: { readonly userAgent: string; readonly browserSupported: boolean }; readonly metadata: CommandMetadata }
  | { readonly type: 'SubmitIdentityPhoto'; readonly data: { readonly photoId: string; readonly kind: IdentityPhotoKind }; readonly metadata: CommandMetadata }
  | {
      readonly type: 'StoreFile';
      readonly data: {
        readonly fileId: string;
        readonly kind: FileKind;
        readonly name: string;
        readonly contentType: string;
        readonly size: number;
        readonly sha256: string;
        /** The most the session's files may hold together (absent: no limit). */
        readonly quotaBytes?: number;
      };
      readonly metadata: CommandMetadata;
    }
  | { readonly type: 'VerifyIdentity'; readonly data: { readonly method: 'proctor' | 'automatic' }; readonly metadata: CommandMetadata }
  | { readonly type: 'StartSession'; readonly data: Record<string, never>; readonly metadata: CommandMetadata }
  | { readonly type: 'RecordMetrics'; readonly data: { readonly minute: number; readonly values: MetricValues }; readonly metadata: CommandMetadata }
  | {
      readonly type: 'RecordAnalysis';
      readonly data: { readonly track: RecordingTrack; readonly seq: number; readonly seconds: readonly SecondFindings[]; readonly skipped?: string | null };
      readonly metadata: CommandMetadata;
    }
  | { readonly type: 'RecordViolation'; readonly data: { readonly code: MetricCode; readonly detail?: string | null }; readonly metadata: CommandMetadata }
  | {
      readonly type: 'RecordFaceCheck';
      readonly data: {
        readonly photoId: string;
        readonly result: FaceResult;
        readonly distance?: number | null;
        readonly similarProfiles?: readonly string[];
        readonly reason?: FaceCheckReason | null;
        readonly faceCount?: number | null;
      };
      readonly metadata: CommandMetadata;
    }
  | {
      readonly type: 'SendMessage';
      readonly data: { readonly messageId: string; readonly text: string; readonly incident?: boolean; readonly attachmentId?: string | null };
      readonly metadata: CommandMetadata;
    }
  | {
      readonly type: 'StoreRecordingSegment';
      readonly data: {
        readonly track: RecordingTrack;
        readonly seq: number;
        readonly start: Date;
        readonly durationMs: number;
        readonly size: number;
        readonly sha256: string;
        /** The most recording the session may hold, all segments together (absent: no limit). */
        readonly quotaBytes?: number;
      };
      readonly metadata: CommandMetadata;
    }
  | {
      /** A segment that arrived broken (or could not be made): refused; the third refusal of one segment records it lost. */
      readonly type: 'RefuseRecordingSegment';
      readonly data: {
        readonly track: RecordingTrack;
        readonly seq: number;
        readonly start: Date;
        readonly durationMs: number;
        readonly reason: string;
        /**
         * Lost now, without a refusal or more tries: the server made it and cannot make it again, or nothing was
         * recorded there (a publisher cut).
         */
        readonly final?: boolean;
      };
      readonly metadata: CommandMetadata;
    }
  | { readonly type: 'RecordPlayback'; readonly data: { readonly track: RecordingTrack; readonly seq: number }; readonly metadata: CommandMetadata }
  | { readonly type: 'ViewRecording'; readonly data: { readonly viewId: string; readonly until: Date }; readonly metadata: CommandMetadata }
  /** Records who opened the stream for replay, and how many events it held then. */
  | { readonly type: 'RecordReplay'; readonly data: { readonly events: number }; readonly metadata: CommandMetadata }
  /** Logs that the actor opened or downloaded one of the session's files (repeats within a few minutes are one entry). */
  | { readonly type: 'RecordFileView'; readonly data: { readonly fileId: string }; readonly metadata: CommandMetadata }
  /**
   * Records that the session's media is destroyed under the retention policy; `defaultRetentionDays` counts for a
   * session made without a template (the default template's value now).
   */
  | { readonly type: 'DeleteSessionMedia'; readonly data: { readonly reason: MediaDeletionReason; readonly defaultRetentionDays: number }; readonly metadata: CommandMetadata }
  /** Records who took the stream away, and up to which version. */
  | { readonly type: 'RecordStreamExport'; readonly data: { readonly throughVersion: number }; readonly metadata: CommandMetadata }
  | { readonly type: 'StartCall'; readonly data: { readonly callId: string; readonly video: boolean }; readonly metadata: CommandMetadata }
  | { readonly type: 'EndCall'; readonly data: { readonly callId: string }; readonly metadata: CommandMetadata }
  | { readonly type: 'ConnectMobileCamera'; readonly data: { readonly userAgent: string }; readonly metadata: CommandMetadata }
  | { readonly type: 'JoinAsProctor'; readonly data: Record<string, never>; readonly metadata: CommandMetadata }
  | { readonly type: 'LeaveAsProctor'; readonly data: Record<string, never>; readonly metadata: CommandMetadata }
  | { readonly type: 'AddNote'; readonly data: { readonly noteId: string; readonly text: string }; readonly metadata: CommandMetadata }
  | { readonly type: 'PauseSession'; readonly data: Record<string, never>; readonly metadata: CommandMetadata }
  | { readonly type: 'ResumeSession'; readonly data: Record<string, never>; readonly metadata: CommandMetadata }
  | {
      readonly type: 'FinishSession';
      readonly data: { readonly timeout?: boolean; readonly conclusion?: Conclusion | null; readonly comment?: string | null; readonly messageToStudent?: string | null };
      readonly metadata: CommandMetadata;
    }
  | {
      readonly type: 'ConcludeSession';
      readonly data: { readonly conclusion: Conclusion; readonly comment?: string | null; readonly messageToStudent?: string | null };
      readonly metadata: CommandMetadata;
    }
  /** Records that an examination committee reviews the conclusion (the committee's own stream holds the review). */
  | { readonly type: 'SendToCommittee'; readonly data: { readonly members: readonly string[]; readonly chair: string }; readonly metadata: CommandMetadata }
  | {
      readonly type: 'RecordCommitteeDecision';
      readonly data: Omit<Extract<SessionEvent, { type: 'CommitteeDecided' }>['data'], 'by' | 'at'>;
      readonly metadata: CommandMetadata;
    }
  | { readonly type: 'RecordLtiLaunch'; readonly data: { readonly messageType: string; readonly link: LtiLink }; readonly metadata: CommandMetadata }
  | { readonly type: 'RecordLtiMessage'; readonly data: { readonly messageType: string; readonly url: string }; readonly metadata: CommandMetadata }
  | { readonly type: 'EndLtiAssessment'; readonly data: { readonly errorMessage?: string | null; readonly errorLog?: string | null }; readonly metadata: CommandMetadata }
  | {
      readonly type: 'RecordLtiServiceCall';
      readonly data: {
        readonly service: LtiService; readonly action: string; readonly url: string; readonly attempt: number;
        readonly status: number | null; readonly outcome: string; readonly ok: boolean;
      };
      readonly metadata: CommandMetadata;
    };

export type SessionCommandType = SessionCommand['type'];

/** One kind of command, by its type: what a per-command decider receives. */
export type CommandOf<T extends SessionCommandType> = Extract<SessionCommand, { readonly type: T }>;
