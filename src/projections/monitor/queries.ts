import { DEFAULT_CHECK_IN_BEFORE_MINUTES } from '../../domain/session/check-in.js';
import { METRIC_CODES, type MetricCode } from '../../domain/session/metrics.js';
import type { Sql } from '../../store/sql.js';
import { listSessionPage, type Condition, type SessionPage, type SessionSort } from './paging.js';
import type { MonitorRow, SessionStatus } from './row.js';

type DbRow = Record<string, unknown>;

export function toMonitorRow(r: DbRow): MonitorRow {
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string | Date));
  const averages: Partial<Record<MetricCode, number>> = {};
  for (const c of METRIC_CODES) {
    const value = r[`avg_${c}`];
    if (value !== null && value !== undefined) averages[c] = Number(value);
  }
  return {
    sessionId: r.session_id as string,
    name: r.name as string,
    student: r.student as string,
    studentName: (r.student_name as string | null) ?? null,
    proctor: (r.proctor as string | null) ?? null,
    status: r.status as SessionStatus,
    date: date(r.date)!,
    createdAt: date(r.created_at)!,
    scheduledAt: date(r.scheduled_at),
    startedAt: date(r.started_at),
    stoppedAt: date(r.stopped_at),
    duration: Number(r.duration),
    score: r.score === null || r.score === undefined ? null : Number(r.score),
    conclusion: (r.conclusion as string | null) ?? null,
    comment: (r.comment as string | null) ?? null,
    messageToStudent: (r.message_to_student as string | null) ?? null,
    template: (r.template as string | null) ?? null,
    tags: (r.tags as string[] | null) ?? [],
    metrics: ((r.metrics as string[] | null) ?? []) as MetricCode[],
    url: (r.url as string | null) ?? null,
    createdBy: r.created_by as string,
    blocked: Boolean(r.blocked),
    finishedBy: (r.finished_by as string | null) ?? null,
    secondCamera: Boolean(r.second_camera),
    scoreVisible: Boolean(r.score_visible),
    selfScheduling: Boolean(r.self_scheduling),
    booked: Boolean(r.booked),
    checkInBefore: r.check_in_before === null || r.check_in_before === undefined ? DEFAULT_CHECK_IN_BEFORE_MINUTES : Number(r.check_in_before),
    checkInAfter: r.check_in_after === null || r.check_in_after === undefined ? Number(r.duration) : Number(r.check_in_after),
    averages,
    recentCodes: ((r.recent_codes as string[] | null) ?? []) as MetricCode[],
    committeeStatus: ((r.committee_status as string | null) ?? 'none') as MonitorRow['committeeStatus'],
    committeeDecision: ((r.committee_decision as string | null) ?? null) as MonitorRow['committeeDecision'],
    committee: (r.committee_members as string[] | null) ?? [],
    awaitingApproval: Boolean(r.awaiting_approval),
    version: Number(r.version),
  };
}

export async function getMonitorRow(db: Sql, sessionId: string): Promise<MonitorRow | null> {
  const [row] = await db.query<DbRow>(`SELECT * FROM monitor_sessions WHERE session_id = $1`, [sessionId]);
  return row ? toMonitorRow(row) : null;
}

/** The rows of `ids` (absent ones left out), in one query: live subscriptions read a whole batch's sessions at once. */
export async function getMonitorRows(db: Sql, ids: readonly string[]): Promise<Map<string, MonitorRow>> {
  const out = new Map<string, MonitorRow>();
  if (ids.length === 0) return out;
  const rows = await db.query<DbRow>(`SELECT * FROM monitor_sessions WHERE session_id = ANY($1::text[])`, [[...ids]]);
  for (const r of rows) out.set(r.session_id as string, toMonitorRow(r));
  return out;
}

export type { Condition, SessionPage } from './paging.js';
export { renumber } from './paging.js';

/** Newest first (date, then id), keyset-paginated. `conditions` are ANDed (search filter, visibility). */
export function listMonitorRows(db: Sql, conditions: readonly Condition[], page: { first: number; after?: string | null; sort?: SessionSort }): Promise<SessionPage> {
  return listSessionPage(db, conditions, page, toMonitorRow);
}

/** Sessions running past their planned length at `now` (pauses not counted here: the decider has the exact deadline). */
export async function overdueSessions(db: Sql, now: Date): Promise<string[]> {
  const rows = await db.query<{ session_id: string }>(
    `SELECT session_id FROM monitor_sessions
      WHERE status IN ('in_progress', 'paused') AND started_at + make_interval(mins => duration) <= $1::timestamptz
      ORDER BY started_at LIMIT 500`,
    [now.toISOString()],
  );
  return rows.map((r) => r.session_id);
}

/** Which of `ids` have a session in the read model (one query, for acting on many at once). */
export async function existingSessionIds(db: Sql, ids: readonly string[]): Promise<Set<string>> {
  const rows = await db.query<{ session_id: string }>(`SELECT session_id FROM monitor_sessions WHERE session_id = ANY($1::text[])`, [[...ids]]);
  return new Set(rows.map((r) => r.session_id));
}
