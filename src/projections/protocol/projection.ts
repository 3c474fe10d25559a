import { assertNever } from '../../domain/core/errors.js';
import { SESSION_EVENT_TYPES, sessionIdOf, type SessionEvent } from '../../domain/session/events.js';
import type { Projection } from '../projection.js';

/**
 * What the protocol page shows: per-minute metric values (the histogram and the red-to-green minutes) and every
 * entry of the session's life in order (chat, notes, face checks, violations, state changes) for the timeline.
 */
export const PROTOCOL_DDL = `
CREATE TABLE IF NOT EXISTS protocol_minutes (
  session_id text NOT NULL,
  minute     integer NOT NULL,
  vals       jsonb NOT NULL,
  total      double precision NOT NULL,
  PRIMARY KEY (session_id, minute)
);
CREATE TABLE IF NOT EXISTS protocol_entries (
  session_id text NOT NULL,
  seq        integer NOT NULL,
  kind       text NOT NULL,
  at         timestamptz NOT NULL,
  actor      text,
  body       jsonb NOT NULL,
  PRIMARY KEY (session_id, seq)
);
CREATE INDEX IF NOT EXISTS protocol_entries_kind ON protocol_entries (session_id, kind, seq);
CREATE TABLE IF NOT EXISTS protocol_segments (
  session_id  text NOT NULL,
  track       text NOT NULL,
  seq         integer NOT NULL,
  start_at    timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  size        bigint NOT NULL,
  sha256      text NOT NULL,
  PRIMARY KEY (session_id, track, seq)
);
`;

/** Entry kinds: what the timeline's first section and the event list group by. */
export type EntryKind = 'message' | 'file' | 'call' | 'playback' | 'recording' | 'note' | 'face' | 'identity' | 'violation' | 'state' | 'presence' | 'block' | 'score' | 'lms' | 'committee';

export const protocolProjection: Projection<SessionEvent> = {
  name: 'protocol',
  ddl: PROTOCOL_DDL,
  tables: ['protocol_minutes', 'protocol_entries', 'protocol_segments'],
  handles: new Set(SESSION_EVENT_TYPES),
  async apply(tx, event) {
    const id = sessionIdOf(event);
    const entry = (kind: EntryKind, at: string, actor: string | null, body: unknown) =>
      tx.query(
        `INSERT INTO protocol_entries (session_id, seq, kind, at, actor, body) VALUES ($1, $2, $3, $4, $5, $6::text::jsonb) ON CONFLICT DO NOTHING`,
        [id, event.streamVersion, kind, at, actor, JSON.stringify({ type: event.type, ...body as object })],
      );
    const actor = (event.metadata.actor as string | undefined) ?? null;
    switch (event.type) {
      case 'MetricsRecorded': {
        const total = Object.values(event.data.values).reduce((a, b) => a + (b ?? 0), 0);
        await tx.query(
          `INSERT INTO protocol_minutes (session_id, minute, vals, total) VALUES ($1, $2, $3::text::jsonb, $4) ON CONFLICT DO NOTHING`,
          [id, event.data.minute, JSON.stringify(event.data.values), total],
        );
        return;
      }
      case 'MessageSent':
        return void (await entry('message', event.data.at, event.data.from, event.data));
      case 'RecordingSegmentStored':
        await tx.query(
          `INSERT INTO protocol_segments (session_id, track, seq, start_at, duration_ms, size, sha256) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
          [id, event.data.track, event.data.seq, event.data.start, event.data.durationMs, event.data.size, event.data.sha256],
        );
        return;
      case 'RecordingPlayed':
      case 'RecordingViewed':
      case 'StreamReplayed':
      case 'StreamExported':
        return void (await entry('playback', event.data.at, event.data.by, event.data));
      case 'RecordingSegmentRefused':
      case 'RecordingSegmentLost':
        return void (await entry('recording', event.data.at, actor, event.data));
      case 'CallStarted':
      case 'CallEnded':
        return void (await entry('call', event.data.at, event.data.by, event.data));
      case 'FileStored':
        return void (await entry('file', event.data.at, event.data.by, event.data));
      case 'NoteAdded':
        return void (await entry('note', event.data.at, event.data.author, event.data));
      case 'FaceChecked':
        return void (await entry('face', event.data.at, actor, event.data));
      case 'IdentityPhotoSubmitted':
      case 'IdentityVerified':
        return void (await entry('identity', event.data.at, actor, event.data));
      case 'ViolationDetected':
        return void (await entry('violation', event.data.at, actor, event.data));
      case 'ContentBlocked':
      case 'ContentUnblocked':
        return void (await entry('block', event.data.at, event.data.by, event.data));
      case 'ProctorJoined':
      case 'ProctorLeft':
        return void (await entry('presence', event.data.at, event.data.proctor, event.data));
      case 'MobileCameraConnected':
        return void (await entry('presence', event.data.at, actor, event.data));
      case 'ScoreComputed':
        return void (await entry('score', event.data.at, actor, event.data));
      case 'LtiLaunched':
      case 'LtiMessageSent':
      case 'LtiAssessmentEnded':
      case 'LtiServiceCalled':
        return void (await entry('lms', event.data.at, actor, event.data));
      case 'SessionCreated':
      case 'ProctorAssigned':
      case 'SessionBooked':
      case 'SessionRescheduled':
      case 'SessionCancelled':
      case 'ParticipantCheckedIn':
      case 'SessionStarted':
      case 'SessionPaused':
      case 'SessionResumed':
      case 'SessionFinished':
      case 'SessionConcluded':
        return void (await entry('state', event.data.at, actor, event.data));
      case 'SentToCommittee':
      case 'CommitteeDecided':
        return void (await entry('committee', event.data.at, event.data.by, event.data));
      default:
        return assertNever(event, 'session event');
    }
  },
};
