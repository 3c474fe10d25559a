import type { MetricValues } from '../../domain/session/metrics.js';
import type { Sql } from '../../store/sql.js';
import type { EntryKind } from './projection.js';

export interface ProtocolMinute {
  readonly minute: number;
  readonly values: MetricValues;
  readonly total: number;
}

export interface ProtocolEntry {
  readonly seq: number;
  readonly kind: EntryKind;
  readonly at: Date;
  readonly actor: string | null;
  readonly body: { readonly type: string } & Record<string, unknown>;
}

export async function protocolMinutes(db: Sql, sessionId: string): Promise<ProtocolMinute[]> {
  const rows = await db.query<{ minute: number; vals: MetricValues; total: number }>(
    `SELECT minute, vals, total FROM protocol_minutes WHERE session_id = $1 ORDER BY minute`,
    [sessionId],
  );
  return rows.map((r) => ({ minute: Number(r.minute), values: r.vals, total: Number(r.total) }));
}

/** Entries in stream order, optionally only some kinds (the chat is `['message']`, the Faces tab `['face']`). */
export async function protocolEntries(db: Sql, sessionId: string, kinds?: readonly EntryKind[]): Promise<ProtocolEntry[]> {
  const rows = await db.query<{ seq: number; kind: EntryKind; at: Date; actor: string | null; body: ProtocolEntry['body'] }>(
    `SELECT seq, kind, at, actor, body FROM protocol_entries
      WHERE session_id = $1 AND ($2::text[] IS NULL OR kind = ANY($2::text[])) ORDER BY seq`,
    [sessionId, kinds ? [...kinds] : null],
  );
  return rows.map((r) => ({ seq: Number(r.seq), kind: r.kind, at: new Date(r.at), actor: r.actor, body: r.body }));
}

export interface RecordingSegment {
  readonly track: string;
  readonly seq: number;
  readonly start: Date;
  readonly durationMs: number;
  readonly size: number;
  readonly sha256: string;
}

export async function recordingSegments(db: Sql, sessionId: string, track?: string): Promise<RecordingSegment[]> {
  const rows = await db.query<{ track: string; seq: number; start_at: Date; duration_ms: number; size: string | number; sha256: string }>(
    `SELECT track, seq, start_at, duration_ms, size, sha256 FROM protocol_segments
      WHERE session_id = $1 AND ($2::text IS NULL OR track = $2) ORDER BY track, seq`,
    [sessionId, track ?? null],
  );
  return rows.map((r) => ({ track: r.track, seq: Number(r.seq), start: new Date(r.start_at), durationMs: Number(r.duration_ms), size: Number(r.size), sha256: r.sha256 }));
}

/**
 * What the server's analysis of one stored segment needs: its content's hash and whose session it is (null: no such
 * segment). One row, however long the exam has run.
 */
export async function segmentToAnalyse(db: Sql, sessionId: string, track: string, seq: number): Promise<{ sha256: string; student: string } | null> {
  const [row] = await db.query<{ sha256: string; student: string }>(
    `SELECT s.sha256, m.student FROM protocol_segments s JOIN monitor_sessions m ON m.session_id = s.session_id
      WHERE s.session_id = $1 AND s.track = $2 AND s.seq = $3`,
    [sessionId, track, seq],
  );
  return row ?? null;
}

export async function recordingSegment(db: Sql, sessionId: string, track: string, seq: number): Promise<RecordingSegment | null> {
  const rows = await db.query<{ track: string; seq: number; start_at: Date; duration_ms: number; size: string | number; sha256: string }>(
    `SELECT track, seq, start_at, duration_ms, size, sha256 FROM protocol_segments WHERE session_id = $1 AND track = $2 AND seq = $3`,
    [sessionId, track, seq],
  );
  const r = rows[0];
  return r ? { track: r.track, seq: Number(r.seq), start: new Date(r.start_at), durationMs: Number(r.duration_ms), size: Number(r.size), sha256: r.sha256 } : null;
}

/**
 * Running sessions that use n3 whose camera recording has ended before `before` (or that have none and started
 * before it), with where it ends: what the recording watchdog reports. One statement for every running session, however
 * many there are: each session's latest-starting segment is one probe of an index, and a track's segments follow one
 * another, so it is the one that ends last. Not the highest-numbered: a Janus piece converted after a crash is numbered
 * after newer ones.
 */
export async function stalledCameraRecordings(db: Sql, before: Date): Promise<Array<{ sessionId: string; until: Date }>> {
  const rows = await db.query<{ session_id: string; until: Date }>(
    `SELECT m.session_id, coalesce(last.until, m.started_at) AS until
       FROM monitor_sessions m
       LEFT JOIN LATERAL (
         SELECT p.start_at + make_interval(secs => p.duration_ms / 1000.0) AS until FROM protocol_segments p
          WHERE p.session_id = m.session_id AND p.track = 'camera' ORDER BY p.start_at DESC LIMIT 1) last ON true
      WHERE m.status = 'in_progress' AND m.started_at IS NOT NULL AND 'n3' = ANY(m.metrics) AND coalesce(last.until, m.started_at) < $1
      ORDER BY 2`,
    [before],
  );
  return rows.map((r) => ({ sessionId: r.session_id, until: new Date(r.until) }));
}

/**
 * Camera and screen segments stored without an analysis (`RecordingAnalysed`) in the protocol: what the server's
 * analysis has still to do after a restart (its queue holds the rest).
 */
export async function unanalysedSegments(db: Sql, limit = 10_000): Promise<Array<{ sessionId: string; track: string; seq: number; startMs: number; durationMs: number; startedAtMs: number | null }>> {
  const rows = await db.query<{ session_id: string; track: string; seq: number; start_at: Date; duration_ms: number; started_at: Date | null }>(
    `SELECT s.session_id, s.track, s.seq, s.start_at, s.duration_ms, m.started_at FROM protocol_segments s
     LEFT JOIN monitor_sessions m ON m.session_id = s.session_id
     WHERE s.track IN ('camera', 'screen') AND NOT EXISTS (
       SELECT 1 FROM protocol_entries e WHERE e.session_id = s.session_id AND e.kind = 'recording'
         AND e.body->>'type' = 'RecordingAnalysed' AND e.body->>'track' = s.track AND (e.body->>'seq')::int = s.seq)
     ORDER BY s.start_at LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ sessionId: r.session_id, track: r.track, seq: Number(r.seq), startMs: new Date(r.start_at).getTime(), durationMs: Number(r.duration_ms),
    startedAtMs: r.started_at === null ? null : new Date(r.started_at).getTime() }));
}
