import type { Sql } from '../../store/sql.js';

/** A delivery as the integration's page shows it; `due` (concluded, not yet scheduled) shows as pending. */
export interface DeliveryRow {
  readonly key: string;
  readonly sessionId: string;
  readonly integration: string;
  readonly deliveryId: string | null;
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly lastAttemptAt: Date | null;
  readonly nextAttemptAt: Date | null;
  readonly concludedAt: Date;
}

/** What a due row holds to build the result it posts. */
export interface DueDelivery {
  readonly key: string;
  readonly sessionId: string;
  readonly integration: string;
  readonly scheduled: boolean;
  readonly student: string;
  readonly score: number | null;
  readonly conclusion: string;
  readonly comment: string | null;
  readonly concludedAt: Date;
}

interface Row {
  delivery_key: string;
  session_id: string;
  integration: string;
  delivery_id: string | null;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: Date | string | null;
  next_attempt_at: Date | string | null;
  concluded_at: Date | string;
  student: string;
  score: number | null;
  conclusion: string;
  comment: string | null;
}

const date = (v: Date | string) => new Date(v);
const maybeDate = (v: Date | string | null) => (v === null ? null : new Date(v));

/** The URL results of `integration`'s sessions go to, or null. */
export async function webhookUrlOf(db: Sql, integration: string): Promise<string | null> {
  const [row] = await db.query<{ url: string }>(`SELECT url FROM webhook_endpoints WHERE integration = $1`, [integration.toLowerCase()]);
  return row?.url ?? null;
}

/** The integration's most recent deliveries, newest conclusion first. */
export async function deliveriesOf(db: Sql, integration: string, limit = 50): Promise<DeliveryRow[]> {
  const rows = await db.query<Row>(`SELECT * FROM webhook_deliveries WHERE integration = $1 ORDER BY concluded_at DESC, delivery_key LIMIT $2`, [integration.toLowerCase(), limit]);
  return rows.map((r) => ({
    key: r.delivery_key, sessionId: r.session_id, integration: r.integration, deliveryId: r.delivery_id, status: r.status === 'due' ? 'pending' : (r.status as DeliveryRow['status']),
    attempts: r.attempts, lastStatus: r.last_status, lastError: r.last_error, lastAttemptAt: maybeDate(r.last_attempt_at), nextAttemptAt: maybeDate(r.next_attempt_at),
    concludedAt: date(r.concluded_at),
  }));
}

/** Deliveries to schedule or to attempt by `now`, oldest first. */
export async function dueDeliveries(db: Sql, now: Date, limit = 100): Promise<DueDelivery[]> {
  const rows = await db.query<Row>(
    `SELECT * FROM webhook_deliveries WHERE status IN ('due', 'pending') AND next_attempt_at <= $1 ORDER BY next_attempt_at, delivery_key LIMIT $2`,
    [now, limit],
  );
  return rows.map((r) => ({
    key: r.delivery_key, sessionId: r.session_id, integration: r.integration, scheduled: r.status !== 'due', student: r.student, score: r.score === null ? null : Number(r.score),
    conclusion: r.conclusion, comment: r.comment, concludedAt: date(r.concluded_at),
  }));
}
