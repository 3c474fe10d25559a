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
  const [{ schema: target }] = await db.query<{ schema: string }>(`SELECT current_schema() AS schema`);
  const shadow = `rebuild_${projection.name.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${Date.now().toString(36)}`;
  const into = (tx: Sql) => tx.exec(`SET LOCAL search_path TO ${shadow}, ${quoteIdent(target)}`);
  await db.exec(`CREATE SCHEMA ${shadow}`);
  let applied = 0;
  let after: string | null = null;
  try {
    await db.transaction(async (tx) => {
      await into(tx);
      await tx.exec(projection.ddl);
    });
    const fold = async (tx: Sql, events: readonly RecordedEvent[]) => {
      for (const event of events) {
        if (!projection.handles.has(event.type)) continue;
        try {
          await projection.apply(tx, event);
        } catch (error) {
          throw new IllegalStateError(`projection ${projection.name} cannot apply event ${event.id} (${event.type} in ${event.streamId}): ${(error as Error).message}`);
        }
        applied += 1;
      }
    };
    // Most of the history, in batches, without holding anything the live runner needs.
    for (;;) {
      const events = await store.readAll({ after, limit: BATCH });
      if (events.length === 0) break;
      await db.transaction(async (tx) => {
        await into(tx);
        await fold(tx, events);
      });
      after = events[events.length - 1].checkpoint;
      if (events.length < BATCH) break;
    }
    // The rest, then the swap, while the runner here applies nothing. On a server the events still to fold are read
    // under the checkpoint row's lock, which other nodes' runners wait on; PGlite has one connection (a read outside
    // the transaction would wait for it) and no other node, so there they are read just before.
    const tail = async (tx: Sql) => {
      for (;;) {
        const events = await store.readAll({ after, limit: BATCH });
        if (events.length === 0) return;
        await fold(tx, events);
        after = events[events.length - 1].checkpoint;
      }
    };
    await exclusive(async () => {
      if (db.engine === 'pglite') {
        for (;;) {
          const events = await store.readAll({ after, limit: BATCH });
          if (events.length === 0) break;
          await db.transaction(async (tx) => {
            await into(tx);
            await fold(tx, events);
          });
          after = events[events.length - 1].checkpoint;
        }
      }
      await db.transaction(async (tx) => {
        await lockCheckpoints(tx, [projection.name]);
        await into(tx);
        if (db.engine !== 'pglite') await tail(tx);
        await tx.exec(`SET LOCAL search_path TO ${quoteIdent(target)}`);
        for (const table of projection.tables) {
          await tx.exec(`DROP TABLE IF EXISTS ${quoteIdent(target)}.${table}`);
          await tx.exec(`ALTER TABLE ${shadow}.${table} SET SCHEMA ${quoteIdent(target)}`);
        }
        await tx.query(`UPDATE projection_checkpoints SET checkpoint = $2, updated_at = now() WHERE name = $1`, [projection.name, after]);
        await recordFailure(tx, projection.name, null);
      });
    });
  } finally {
    await db.exec(`DROP SCHEMA IF EXISTS ${shadow} CASCADE`);
  }
  return { events: applied, checkpoint: after };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
