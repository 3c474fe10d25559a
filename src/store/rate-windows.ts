import { createHash } from 'node:crypto';
import { migrate } from './migrate.js';
import type { Sql } from './sql.js';

const DDL = `
CREATE TABLE IF NOT EXISTS rate_windows (
  key        text PRIMARY KEY,
  started_ms bigint NOT NULL,
  count      integer NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_windows_started ON rate_windows (started_ms);
`;

/** Windows older than this are swept (the longest limit's window is minutes). */
const KEEP_MS = 24 * 3600_000;

/**
 * Fixed-window counters in a table, so that every node on the database counts the same attempts: behind a load
 * balancer that spreads requests, per-node counters would let a guesser try as many times over as there are nodes.
 */
export class SqlRateWindows {
  private ready: Promise<void> | null = null;
  private sinceSweep = 0;

  constructor(private readonly db: Sql) {}

  /** Counts one attempt on `key` at `now` (ms): a window older than `windowMs` starts again at 1. */
  async hit(key: string, windowMs: number, now: number): Promise<{ start: number; count: number }> {
    await (this.ready ??= migrate(this.db, DDL));
    if (++this.sinceSweep >= 1000) {
      this.sinceSweep = 0;
      await this.db.query(`DELETE FROM rate_windows WHERE started_ms < $1`, [now - KEEP_MS]);
    }
    const [row] = await this.db.query<{ started_ms: string; count: number }>(
      `INSERT INTO rate_windows (key, started_ms, count) VALUES ($1, $2, 1)
       ON CONFLICT (key) DO UPDATE SET
         started_ms = CASE WHEN rate_windows.started_ms <= $2 - $3 THEN $2 ELSE rate_windows.started_ms END,
         count = CASE WHEN rate_windows.started_ms <= $2 - $3 THEN 1 ELSE rate_windows.count + 1 END
       RETURNING started_ms::text AS started_ms, count`,
      [stored(key), Math.floor(now), Math.floor(windowMs)],
    );
    return { start: Number(row.started_ms), count: row.count };
  }

  /** The current window of `key`, counting nothing (null: none yet). */
  async peek(key: string): Promise<{ start: number; count: number } | null> {
    await (this.ready ??= migrate(this.db, DDL));
    const [row] = await this.db.query<{ started_ms: string; count: number }>(
      `SELECT started_ms::text AS started_ms, count FROM rate_windows WHERE key = $1`, [stored(key)],
    );
    return row ? { start: Number(row.started_ms), count: row.count } : null;
  }
}

/** Keys hold what callers type (a username): a long one is kept as its hash. */
function stored(key: string): string {
  return key.length <= 200 ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}
