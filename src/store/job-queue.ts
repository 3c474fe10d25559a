import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { sqlErrorInfo, type Sql } from './sql.js';

const DDL = `
CREATE TABLE IF NOT EXISTS jobs (
  id           text PRIMARY KEY,
  kind         text NOT NULL,
  payload      jsonb NOT NULL,
  state        text NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
  attempts     integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL,
  run_after    timestamptz NOT NULL,
  owner        text,
  locked_until timestamptz,
  last_error   text,
  created_at   timestamptz NOT NULL,
  finished_at  timestamptz
);
-- Tables made before jobs had priorities get the column (0 for the jobs already there).
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS priority integer NOT NULL DEFAULT 0;
DROP INDEX IF EXISTS jobs_ready;
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (kind, priority DESC, run_after) WHERE state IN ('pending', 'running');
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (kind, finished_at) WHERE state = 'done';
`;

/** The channel a NOTIFY wakes workers on (payload: the job kind). */
export const JOBS_CHANNEL = 'jobs';

/** Work to be done once, named by an id derived from what it is about (a second enqueue of that id is nothing). */
export interface NewJob {
  readonly id: string;
  readonly kind: string;
  readonly payload: unknown;
  /** Due jobs of a kind are claimed highest priority first, then oldest first (default 0). */
  readonly priority?: number;
}

/** A job this queue holds until it completes or fails it, or its lease lapses. */
export interface ClaimedJob<P = unknown> {
  readonly id: string;
  readonly kind: string;
  readonly payload: P;
  /** 1 for the first run; a job whose worker died comes back with the next number. */
  readonly attempt: number;
  readonly maxAttempts: number;
}

/** The jobs of one kind by state: what an operator watches to see whether background work keeps up. */
export interface JobKindStatus {
  readonly kind: string;
  readonly pending: number;
  readonly running: number;
  readonly failed: number;
  /** When the oldest job still waiting was added (null: none waits). */
  readonly oldestPendingAt: Date | null;
}

/**
 * Each kind's jobs waiting, running and failed (done ones are not counted), without creating the table: where no job
 * was ever queued, none.
 */
export async function jobStatuses(db: Sql): Promise<JobKindStatus[]> {
  let rows: Array<{ kind: string; pending: string; running: string; failed: string; oldest: Date | string | null }>;
  try {
    rows = await db.query(
      `SELECT kind, count(*) FILTER (WHERE state = 'pending')::text AS pending, count(*) FILTER (WHERE state = 'running')::text AS running,
         count(*) FILTER (WHERE state = 'failed')::text AS failed, min(created_at) FILTER (WHERE state = 'pending') AS oldest
       FROM jobs WHERE state <> 'done' GROUP BY kind ORDER BY kind`,
    );
  } catch (error) {
    if (sqlErrorInfo(error).code === '42P01') return []; // no jobs table yet
    throw error;
  }
  return rows.map((r) => ({
    kind: r.kind, pending: Number(r.pending), running: Number(r.running), failed: Number(r.failed),
    oldestPendingAt: r.oldest === null ? null : new Date(r.oldest),
  }));
}

/** A job as the table has it (tests, and operators reading it). */
export interface JobRow {
  readonly id: string;
  readonly state: 'pending' | 'running' | 'done' | 'failed';
  readonly attempts: number;
  readonly lastError: string | null;
}

export interface JobQueueOptions {
  /** Who claims (default host:pid:random): a claim is completed only by the claim that made it. */
  readonly owner?: string;
  readonly clock?: () => Date;
  /** How long a claim holds a job before another worker may take it (default 2 min; a face check takes about a second). */
  readonly leaseMs?: number;
  /** Runs a job may take before it is given up as failed (default 5), crashed runs included. */
  readonly maxAttempts?: number;
  /** The wait after failed attempt `n` (default 30 s doubling, at most 10 min). */
  readonly backoffMs?: (attempt: number) => number;
}

/**
 * A job queue in the SQL database, shared by every node and worker on it. A job is enqueued once (its id), claimed by
 * one worker at a time (`FOR UPDATE SKIP LOCKED`: concurrent claims pass over each other's rows, never wait or share
 * one), done once (only the claim holding it completes it), survives restarts (it is a row), and a run that crashed
 * or failed is tried again after a back-off until `maxAttempts` runs, then kept as `failed` with its last error.
 */
export class JobQueue {
  private readonly owner: string;
  private readonly clock: () => Date;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: (attempt: number) => number;
  private ready: Promise<void> | null = null;

  constructor(
    private readonly db: Sql,
    options: JobQueueOptions = {},
  ) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.clock = options.clock ?? (() => new Date());
    this.leaseMs = options.leaseMs ?? 120_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.backoffMs = options.backoffMs ?? ((attempt) => Math.min(600_000, 30_000 * 2 ** (attempt - 1)));
  }

  /** Creates the table (once per queue; nodes starting together may race to it, which is harmless). */
  migrate(): Promise<void> {
    this.ready ??= this.db.exec(DDL).catch((error) => {
      const { code } = sqlErrorInfo(error);
      // Another node created it between our IF NOT EXISTS and our CREATE.
      if (code !== '23505' && code !== '42P07') {
        this.ready = null;
        throw error;
      }
    });
    return this.ready;
  }

  /** Adds the jobs not there yet (done and failed ones stay as they are); answers how many were new, and wakes workers. */
  async enqueue(jobs: readonly NewJob[]): Promise<number> {
    if (jobs.length === 0) return 0;
    await this.migrate();
    const now = this.clock();
    // One statement per job. One statement for a batch (jsonb_to_recordset) cost the node 25× less CPU in a micro
    // benchmark, yet in bench:load (1,000 sessions, recordings and analysis on) violation → proctor p50 went from
    // 75–185 ms to 387–2,413 ms over four runs, and back to 106 ms with this loop; why is not known yet.
    const rows: Array<{ kind: string }> = [];
    for (const job of jobs) {
      rows.push(...(await this.db.query<{ kind: string }>(
        `INSERT INTO jobs (id, kind, payload, priority, state, max_attempts, run_after, created_at)
         VALUES ($1, $2, $3::text::jsonb, $4, 'pending', $5, $6, $6) ON CONFLICT (id) DO NOTHING RETURNING kind`,
        [job.id, job.kind, JSON.stringify(job.payload), Math.trunc(job.priority ?? 0), this.maxAttempts, now],
      )));
    }
    for (const kind of new Set(rows.map((r) => r.kind))) await this.db.query(`SELECT pg_notify($1, $2)`, [JOBS_CHANNEL, kind]);
    return rows.length;
  }

  /**
   * Deletes the jobs of `kind` completed before `before` (failed ones stay, for an operator to read), so the table holds the
   * work to do and the recent past, not every job ever run. Answers how many went. Safe beside claims: a done job is
   * never claimed again, and what it did is in the store.
   */
  async prune(kind: string, before: Date): Promise<number> {
    await this.migrate();
    const rows = await this.db.query(`DELETE FROM jobs WHERE kind = $1 AND state = 'done' AND finished_at < $2 RETURNING id`, [kind, before]);
    return rows.length;
  }

  /**
   * Takes up to `limit` jobs of `kind` that are due, highest priority first, then oldest: pending ones, and running
   * ones whose lease lapsed (their worker died). One whose lapsed run was its last attempt is marked failed instead.
   */
  async claim<P = unknown>(kind: string, limit: number): Promise<Array<ClaimedJob<P>>> {
    await this.migrate();
    const now = this.clock();
    await this.db.query(
      `UPDATE jobs SET state = 'failed', owner = NULL, locked_until = NULL, finished_at = $2,
         last_error = 'its worker stopped before finishing, ' || attempts || ' times'
       WHERE kind = $1 AND state = 'running' AND locked_until <= $2 AND attempts >= max_attempts`,
      [kind, now],
    );
    const rows = await this.db.query<{ id: string; payload: string; attempts: number; max_attempts: number }>(
      `UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, owner = $3, locked_until = $4
       FROM (
         SELECT id FROM jobs
         WHERE kind = $1 AND ((state = 'pending' AND run_after <= $2) OR (state = 'running' AND locked_until <= $2 AND attempts < max_attempts))
         ORDER BY priority DESC, run_after, created_at, id
         LIMIT $5
         FOR UPDATE SKIP LOCKED
       ) picked
       WHERE j.id = picked.id
       RETURNING j.id, j.payload::text AS payload, j.attempts, j.max_attempts`,
      [kind, now, this.owner, new Date(now.getTime() + this.leaseMs), Math.max(1, Math.floor(limit))],
    );
    return rows.map((r) => ({ id: r.id, kind, payload: JSON.parse(r.payload) as P, attempt: r.attempts, maxAttempts: r.max_attempts }));
  }

  /** Marks a claimed job done; false when the claim had lapsed and another worker holds it now. */
  async complete(job: ClaimedJob): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE jobs SET state = 'done', owner = NULL, locked_until = NULL, finished_at = $4, last_error = NULL
       WHERE id = $1 AND owner = $2 AND attempts = $3 AND state = 'running' RETURNING id`,
      [job.id, this.owner, job.attempt, this.clock()],
    );
    return rows.length > 0;
  }

  /**
   * Records a failed run: the job is due again after the back-off, or failed for good after its last attempt.
   * Answers which (null when the claim had lapsed).
   */
  async fail(job: ClaimedJob, error: string): Promise<'retry' | 'failed' | null> {
    const now = this.clock();
    const last = job.attempt >= job.maxAttempts;
    const rows = await this.db.query<{ state: 'pending' | 'failed' }>(
      `UPDATE jobs SET state = $4, owner = NULL, locked_until = NULL, run_after = $5, last_error = $6, finished_at = $7
       WHERE id = $1 AND owner = $2 AND attempts = $3 AND state = 'running' RETURNING state`,
      [job.id, this.owner, job.attempt, last ? 'failed' : 'pending', new Date(now.getTime() + this.backoffMs(job.attempt)), error.slice(0, 2000), last ? now : null],
    );
    if (rows.length === 0) return null;
    return rows[0].state === 'failed' ? 'failed' : 'retry';
  }

  /** One job as the table has it, or null. */
  async get(id: string): Promise<JobRow | null> {
    await this.migrate();
    const [row] = await this.db.query<{ id: string; state: JobRow['state']; attempts: number; last_error: string | null }>(
      `SELECT id, state, attempts, last_error FROM jobs WHERE id = $1`,
      [id],
    );
    return row ? { id: row.id, state: row.state, attempts: row.attempts, lastError: row.last_error } : null;
  }

  /** Calls `wake` when jobs of `kind` are enqueued, by this process or another on the database. */
  async listen(kind: string, wake: () => void): Promise<() => Promise<void>> {
    return this.db.listen(JOBS_CHANNEL, (payload) => {
      if (payload === kind) wake();
    });
  }
}
