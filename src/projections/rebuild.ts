import { IllegalStateError } from '../domain/core/errors.js';
import type { EventStore, RecordedEvent } from '../store/event-store.js';
import type { Sql } from '../store/sql.js';
import { lockCheckpoints, recordFailure } from './checkpoints.js';
import type { Projection } from './projection.js';

const BATCH = 1000;

/**
 * Builds `projection` anew from the first event into tables of a schema of its own, while the live tables keep
 * answering, then swaps them in one transaction that holds the projection's checkpoint row: the live runner (on any
 * node) waits on that lock, then carries on from the new checkpoint. Readers see the old model or the new one, never
 * half of one. The failure, if any, is cleared; if the rebuild itself fails on an event, nothing live changes.
 */
export async function rebuildInShadow(
  store: EventStore,
  db: Sql,
  projection: Projection,
  /** Runs `fn` while this node's runner applies no batch. */
  exclusive: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<{ events: number; checkpoint: string | null }> {
  const build = await ShadowBuild.open(store, db, projection);
  try {
    // Most of the history, in batches, without holding anything the live runner needs.
    await build.foldBatches({ stopAtShortBatch: true });
    // The rest, then the swap, while the runner here applies nothing. On a server the events still to fold are read
    // under the checkpoint row's lock, which other nodes' runners wait on; PGlite has one connection (a read outside
    // the transaction would wait for it) and no other node, so there they are read just before.
    await exclusive(async () => {
      if (db.engine === 'pglite') await build.foldBatches({ stopAtShortBatch: false });
      await build.swap();
    });
  } finally {
    await build.drop();
  }
  return { events: build.applied, checkpoint: build.after };
}

/** One projection's tables being built in a schema of their own, and what has been folded into them so far. */
class ShadowBuild {
  applied = 0;
  after: string | null = null;

  private constructor(
    private readonly store: EventStore,
    private readonly db: Sql,
    private readonly projection: Projection,
    private readonly target: string,
    private readonly shadow: string,
  ) {}

  static async open(store: EventStore, db: Sql, projection: Projection): Promise<ShadowBuild> {
    const [{ schema: target }] = await db.query<{ schema: string }>(`SELECT current_schema() AS schema`);
    const shadow = `rebuild_${projection.name.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${Date.now().toString(36)}`;
    const build = new ShadowBuild(store, db, projection, target, shadow);
    await db.exec(`CREATE SCHEMA ${shadow}`);
    try {
      await db.transaction(async (tx) => {
        await build.into(tx);
        await tx.exec(projection.ddl);
      });
    } catch (error) {
      await build.drop();
      throw error;
    }
    return build;
  }

  /** Folds stored events batch by batch, a transaction each; stopping at a short batch leaves the tail to `swap`. */
  async foldBatches(options: { stopAtShortBatch: boolean }): Promise<void> {
    for (;;) {
      const events = await this.store.readAll({ after: this.after, limit: BATCH });
      if (events.length === 0) return;
      await this.db.transaction(async (tx) => {
        await this.into(tx);
        await this.fold(tx, events);
      });
      this.after = events[events.length - 1].checkpoint;
      if (options.stopAtShortBatch && events.length < BATCH) return;
    }
  }

  /** Under the projection's checkpoint lock: the last events, the shadow tables in place of the live ones, the failure cleared. */
  async swap(): Promise<void> {
    const target = quoteIdent(this.target);
    await this.db.transaction(async (tx) => {
      await lockCheckpoints(tx, [this.projection.name]);
      await this.into(tx);
      if (this.db.engine !== 'pglite') await this.foldTail(tx);
      await tx.exec(`SET LOCAL search_path TO ${target}`);
      for (const table of this.projection.tables) {
        await tx.exec(`DROP TABLE IF EXISTS ${target}.${table}`);
        await tx.exec(`ALTER TABLE ${this.shadow}.${table} SET SCHEMA ${target}`);
      }
      await tx.query(`UPDATE projection_checkpoints SET checkpoint = $2, updated_at = now() WHERE name = $1`, [this.projection.name, this.after]);
      await recordFailure(tx, this.projection.name, null);
    });
  }

  async drop(): Promise<void> {
    await this.db.exec(`DROP SCHEMA IF EXISTS ${this.shadow} CASCADE`);
  }

  private async foldTail(tx: Sql): Promise<void> {
    for (;;) {
      const events = await this.store.readAll({ after: this.after, limit: BATCH });
      if (events.length === 0) return;
      await this.fold(tx, events);
      this.after = events[events.length - 1].checkpoint;
    }
  }

  private into(tx: Sql): Promise<void> {
    return tx.exec(`SET LOCAL search_path TO ${this.shadow}, ${quoteIdent(this.target)}`);
  }

  private async fold(tx: Sql, events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      if (!this.projection.handles.has(event.type)) continue;
      try {
        await this.projection.apply(tx, event);
      } catch (error) {
        throw new IllegalStateError(`projection ${this.projection.name} cannot apply event ${event.id} (${event.type} in ${event.streamId}): ${(error as Error).message}`);
      }
      this.applied += 1;
    }
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
