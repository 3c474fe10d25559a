import { assertNever } from '../../domain/core/errors.js';
import { SESSION_EVENT_TYPES, sessionIdOf, type SessionEvent } from '../../domain/session/events.js';
import type { Recorded } from '../../store/event-store.js';
import type { Sql } from '../../store/sql.js';
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
-- The recording watchdog's probe: where each track's latest segment starts.
CREATE INDEX IF NOT EXISTS protocol_segments_latest ON protocol_segments (session_id, track, start_at);
`;

/** Entry kinds: what the timeline's first section and the event list group by. */
export type EntryKind = 'message' | 'file' | 'call' | 'playback' | 'recording' | 'note' | 'face' | 'identity' | 'violation' | 'state' | 'presence' | 'block' | 'score' | 'lms' | 'committee';

/** The row one event adds to the protocol, as its table's columns. */
type ProtocolRow =
  | { readonly table: 'minutes'; readonly values: readonly [string, number, string, number] }
  | { readonly table: 'entries'; readonly values: readonly [string, number, EntryKind, string, string | null, string] }
  | { readonly table: 'segments'; readonly values: readonly [string, string, number, string, number, number, string] };

/** Each table's insert of many rows at once (one statement per table for a whole page), as the columns' arrays. */
const INSERTS: Record<ProtocolRow['table'], string> = {
  minutes: `INSERT INTO protocol_minutes (session_id, minute, vals, total)
    SELECT s, m, v::jsonb, t FROM unnest($1::text[], $2::int4[], $3::text[], $4::float8[]) AS x(s, m, v, t) ON CONFLICT DO NOTHING`,
  entries: `INSERT INTO protocol_entries (session_id, seq, kind, at, actor, body)
    SELECT s, q, k, a, w, b::jsonb FROM unnest($1::text[], $2::int4[], $3::text[], $4::timestamptz[], $5::text[], $6::text[]) AS x(s, q, k, a, w, b)
    ON CONFLICT DO NOTHING`,
  segments: `INSERT INTO protocol_segments (session_id, track, seq, start_at, duration_ms, size, sha256)
    SELECT * FROM unnest($1::text[], $2::text[], $3::int4[], $4::timestamptz[], $5::int4[], $6::int8[], $7::text[]) ON CONFLICT DO NOTHING`,
};

/** Writes the rows in one statement per table; a key already there keeps its first row, as one insert at a time would. */
async function insertRows(tx: Sql, rows: readonly ProtocolRow[]): Promise<void> {
  for (const table of ['minutes', 'entries', 'segments'] as const) {
    const mine = rows.filter((r) => r.table === table);
    if (mine.length === 0) continue;
    const columns = mine[0].values.map((_, i) => mine.map((r) => r.values[i]));
    await tx.query(INSERTS[table], columns);
  }
}

/** Which row an event adds: the minute's metrics, a recording segment, or an entry of the timeline. */
function rowOf(event: Recorded<SessionEvent>): ProtocolRow {
  const id = sessionIdOf(event);
  const entry = (kind: EntryKind, at: string, actor: string | null, body: unknown): ProtocolRow => ({
    table: 'entries',
    values: [id, event.streamVersion, kind, at, actor, JSON.stringify({ type: event.type, ...body as object })],
  });
  const actor = (event.metadata.actor as string | undefined) ?? null;
  switch (event.type) {
    case 'MetricsRecorded': {
      const total = Object.values(event.data.values).reduce((a, b) => a + (b ?? 0), 0);
      return { table: 'minutes', values: [id, event.data.minute, JSON.stringify(event.data.values), total] };
    }
    case 'MessageSent':
      return entry('message', event.data.at, event.data.from, event.data);
    case 'RecordingSegmentStored':
      return { table: 'segments', values: [id, event.data.track, event.data.seq, event.data.start, event.data.durationMs, event.data.size, event.data.sha256] };
    case 'RecordingPlayed': case 'RecordingViewed': case 'StreamReplayed': case 'StreamExported': case 'FileViewed':
      return entry('playback', event.data.at, event.data.by, event.data);
    case 'SessionMediaDeleted':
      return entry('state', event.data.at, actor, event.data);
    case 'RecordingSegmentRefused': case 'RecordingSegmentLost': case 'RecordingAnalysed':
      return entry('recording', event.data.at, actor, event.data);
    case 'CallStarted': case 'CallEnded':
      return entry('call', event.data.at, event.data.by, event.data);
    case 'FileStored':
      return entry('file', event.data.at, event.data.by, event.data);
    case 'NoteAdded':
      return entry('note', event.data.at, event.data.author, event.data);
    case 'FaceChecked':
      return entry('face', event.data.at, actor, event.data);
    case 'IdentityPhotoSubmitted': case 'IdentityVerified':
      return entry('identity', event.data.at, actor, event.data);
    case 'ViolationDetected': case 'ClientReportContradicted':
      return entry('violation', event.data.at, actor, event.data);
    case 'ContentBlocked': case 'ContentUnblocked':
      return entry('block', event.data.at, event.data.by, event.data);
    case 'ProctorJoined': case 'ProctorLeft':
      return entry('presence', event.data.at, event.data.proctor, event.data);
    case 'MobileCameraConnected':
      return entry('presence', event.data.at, actor, event.data);
    case 'ScoreComputed':
      return entry('score', event.data.at, actor, event.data);
    case 'LtiLaunched': case 'LtiMessageSent': case 'LtiAssessmentEnded': case 'LtiServiceCalled':
      return entry('lms', event.data.at, actor, event.data);
    case 'SessionCreated': case 'ProctorAssigned': case 'SessionBooked': case 'SessionRescheduled': case 'SessionCancelled': case 'ParticipantCheckedIn': case 'SessionStarted': case 'SessionPaused': case 'SessionResumed': case 'SessionFinished': case 'SessionConcluded':
      return entry('state', event.data.at, actor, event.data);
    case 'SentToCommittee': case 'CommitteeDecided':
      return entry('committee', event.data.at, event.data.by, event.data);
    default:
      return assertNever(event, 'session event');
  }
}

/** The histogram shows t1 on its minute (a whole minute, as the score counts it), beside the browser's values. */
async function t1OnItsMinute(tx: Sql, sessionId: string, minute: number): Promise<void> {
  await tx.query(
    `UPDATE protocol_minutes SET total = total + CASE WHEN vals ? 't1' THEN 0 ELSE 100 END, vals = vals || '{"t1":100}'::jsonb WHERE session_id = $1 AND minute = $2`,
    [sessionId, minute],
  );
}

/**
 * What an event changes besides adding its row, run once the rows before it are written: the media listed goes with
 * the media (the deletion entry's counts say it existed), and t1 marks its minute on the histogram.
 */
function effectOf(event: Recorded<SessionEvent>): ((tx: Sql) => Promise<unknown>) | null {
  const id = sessionIdOf(event);
  if (event.type === 'SessionMediaDeleted') return (tx) => tx.query('DELETE FROM protocol_segments WHERE session_id = $1', [id]);
  if (event.type === 'ClientReportContradicted') {
    const { minute } = event.data;
    return (tx) => t1OnItsMinute(tx, id, minute);
  }
  return null;
}

/** A page's rows in one statement per table, split only where an event's other change must come between them. */
async function applyAll(tx: Sql, events: readonly Recorded<SessionEvent>[]): Promise<void> {
  let rows: ProtocolRow[] = [];
  for (const event of events) {
    const effect = effectOf(event);
    if (effect) {
      await insertRows(tx, rows);
      rows = [];
      await effect(tx);
    }
    rows.push(rowOf(event));
  }
  await insertRows(tx, rows);
}

export const protocolProjection: Projection<SessionEvent> = {
  name: 'protocol',
  ddl: PROTOCOL_DDL,
  tables: ['protocol_minutes', 'protocol_entries', 'protocol_segments'],
  handles: new Set(SESSION_EVENT_TYPES),
  async apply(tx, event) {
    await applyAll(tx, [event]);
  },
  async applyPage(tx, events) {
    await applyAll(tx, events);
  },
};
