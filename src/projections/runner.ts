import { EventEmitter } from 'node:events';
import type { EventStore, RecordedEvent, Subscription } from '../store/event-store.js';
import { CHECKPOINTS_DDL } from '../store/sql-schema.js';
import type { Sql } from '../store/sql.js';
import type { Projection } from './projection.js';

/** Emitted after each committed batch: what subscriptions re-read. */
export interface AppliedBatch {
  readonly events: readonly RecordedEvent[];
}

const RECENT_IDS = 20_000;

/**
 * Folds the event store into the read models. Each batch is one transaction that applies the events to every
 * projection whose checkpoint is behind them and moves those checkpoints. Several nodes may run a runner on one
 * database: the checkpoint rows are locked for the transaction, so the second node finds them moved and only
 * notifies its own subscribers.
 */
export class ProjectionRunner {
  private readonly emitter = new EventEmitter();
  private subscription: Subscription | null = null;
  private readonly recent = new Set<string>();
  private readonly waiters = new Map<string, Array<() => void>>();
  private failure: unknown = null;

  constructor(
    private readonly store: EventStore,
    private readonly db: Sql,
    readonly projections: readonly Projection[],
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** Creates the read-model tables if needed. */
  async migrate(): Promise<void> {
    await this.db.exec(CHECKPOINTS_DDL);
    for (const p of this.projections) await this.db.exec(p.ddl);
  }

  /** Catches up from the stored checkpoints and keeps following new events until `stop`. */
  async start(): Promise<void> {
    await this.migrate();
    const after = await this.lowestCheckpoint();
    this.failure = null;
    this.subscription = this.store.subscribe((events) => this.applyBatch(events), {
      after,
      onError: (error) => {
        this.failure = error;
        if (this.emitter.listenerCount('failed') > 0) this.emitter.emit('failed', error);
        else console.error('projection runner stopped:', error);
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = null;
  }

  /** Applies everything stored so far, without following (startup scripts, tests). */
  async catchUp(): Promise<void> {
    await this.migrate();
    let after = await this.lowestCheckpoint();
    for (;;) {
      const events = await this.store.readAll({ after, limit: 1000 });
      if (events.length === 0) return;
      await this.applyBatch(events);
      after = events[events.length - 1].checkpoint;
    }
  }

  /** Empties every read model and folds all events again from the beginning. */
  async rebuild(): Promise<void> {
    await this.migrate();
    await this.db.transaction(async (tx) => {
      for (const p of this.projections) for (const table of p.tables) await tx.exec(`TRUNCATE ${table}`);
      await tx.query(`DELETE FROM projection_checkpoints WHERE name = ANY($1::text[])`, [this.projections.map((p) => p.name)]);
    });
    await this.catchUp();
  }

  /** Calls `listener` after each batch is committed. Returns the unsubscribe function. */
  onApplied(listener: (batch: AppliedBatch) => void): () => void {
    this.emitter.on('applied', listener);
    return () => this.emitter.off('applied', listener);
  }

  /** Calls `listener` when the runner stops on an error (a projection failed; restart resumes at its checkpoint). */
  onFailed(listener: (error: unknown) => void): () => void {
    this.emitter.on('failed', listener);
    return () => this.emitter.off('failed', listener);
  }

  /** Resolves once the event with this id is in every read model (read-your-writes for the API). */
  waitForEvent(eventId: string, timeoutMs = 5000): Promise<void> {
    if (this.recent.has(eventId)) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        reject(new Error(`read models did not reach event ${eventId} within ${timeoutMs} ms`));
      }, timeoutMs);
      const resolveOnce = () => {
        clearTimeout(timer);
        resolve();
      };
      const list = this.waiters.get(eventId) ?? [];
      list.push(resolveOnce);
      this.waiters.set(eventId, list);
      const done = () => {
        const rest = (this.waiters.get(eventId) ?? []).filter((w) => w !== resolveOnce);
        if (rest.length) this.waiters.set(eventId, rest);
        else this.waiters.delete(eventId);
      };
    });
  }

  private async lowestCheckpoint(): Promise<string | null> {
    const rows = await this.db.query<{ name: string; checkpoint: string | null }>(
      `SELECT name, checkpoint FROM projection_checkpoints WHERE name = ANY($1::text[])`,
      [this.projections.map((p) => p.name)],
    );
    if (rows.length < this.projections.length) return null;
    return rows.map((r) => r.checkpoint).reduce((min, c) => (c === null || min === null ? null : c < min ? c : min), rows[0]?.checkpoint ?? null);
  }

  private async applyBatch(events: readonly RecordedEvent[]): Promise<void> {
    const names = this.projections.map((p) => p.name);
    await this.db.transaction(async (tx) => {
      const lock = () =>
        tx.query<{ name: string; checkpoint: string | null }>(
          `SELECT name, checkpoint FROM projection_checkpoints WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE`,
          [names],
        );
      let rows = await lock();
      if (rows.length < names.length) {
        // First batch after a start or a rebuild: create the missing rows, then lock them all.
        await tx.query(
          `INSERT INTO projection_checkpoints (name, checkpoint, updated_at) SELECT n, NULL, now() FROM unnest($1::text[]) n ON CONFLICT (name) DO NOTHING`,
          [names],
        );
        rows = await lock();
      }
      const checkpoints = new Map(rows.map((r) => [r.name, r.checkpoint]));
      const last = events[events.length - 1].checkpoint;
      const moved: string[] = [];
      for (const projection of this.projections) {
        const from = checkpoints.get(projection.name) ?? null;
        if (from !== null && from >= last) continue;
        for (const event of events) {
          if (from !== null && event.checkpoint <= from) continue;
          if (projection.handles.has(event.type)) await projection.apply(tx, event);
        }
        moved.push(projection.name);
      }
      // One statement for every checkpoint this batch moved (PGlite costs ≈0.2 ms a statement, whatever its size).
      if (moved.length) {
        await tx.query(`UPDATE projection_checkpoints SET checkpoint = $2, updated_at = now() WHERE name = ANY($1::text[])`, [moved, last]);
      }
    });
    for (const event of events) {
      this.recent.add(event.id);
      const waiting = this.waiters.get(event.id);
      if (waiting) {
        this.waiters.delete(event.id);
        for (const resolve of waiting) resolve();
      }
    }
    if (this.recent.size > RECENT_IDS) {
      const drop = this.recent.size - RECENT_IDS;
      let i = 0;
      for (const id of this.recent) {
        if (i++ >= drop) break;
        this.recent.delete(id);
      }
    }
    this.emitter.emit('applied', { events });
  }
}
