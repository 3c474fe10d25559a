import { ALL_EVENT_TYPES } from '../../src/domain/event-types.js';
import { sessionDecider } from '../../src/domain/session/decide.js';
import type { SessionCommand } from '../../src/domain/session/commands.js';
import { sessionStreamId } from '../../src/domain/session/events.js';
import type { Actor } from '../../src/domain/core/decider.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { handleCommand } from '../../src/app/core/handle-command.js';
import { SqlEventStore } from '../../src/store/sql-event-store.js';
import { chainKeys } from '../../src/store/chain-keys.js';
import { PersonalDataStore } from '../../src/app/privacy/personal-data-store.js';
import { CHECKPOINTS_DDL, EVENTS_DDL } from '../../src/store/sql-schema.js';
import { openPostgres, type Sql } from '../../src/store/sql.js';
import { uniqueSchema } from './servers.js';
import { clonePGlite } from './pglite.js';

/** A PGlite database with the events table and every read model's tables, cloned from a per-worker template. */
export async function openTestDb(): Promise<Sql> {
  return clonePGlite(async (sql) => {
    await sql.exec(EVENTS_DDL);
    await sql.exec(CHECKPOINTS_DDL);
    for (const p of ALL_PROJECTIONS) await sql.exec(p.ddl);
  });
}

/** A fresh schema on the test PostgreSQL server with the same tables (or `schema`: another node on one already made). */
export async function openPostgresTestDb(url: string, schema = uniqueSchema('core')): Promise<Sql> {
  const sql = await openPostgres(url, { schema, max: 4 });
  await sql.exec(EVENTS_DDL);
  await sql.exec(CHECKPOINTS_DDL);
  for (const p of ALL_PROJECTIONS) await sql.exec(p.ddl);
  return sql;
}

/** The event key every test server derives its seal and checkpoint keys from. */
export const TEST_EVENT_KEY = 'test-event-key-test-event-key-test-event-key-01';

/** The master key the test stores wrap each person's key with (the blob store's is the test's own, when it seals). */
export const TEST_PERSON_MASTER_KEY = Buffer.alloc(32, 7);

export async function openTestCore(db?: Sql) {
  const sql = db ?? (await openTestDb());
  const keys = chainKeys(TEST_EVENT_KEY);
  const store = await PersonalDataStore.open(await SqlEventStore.open(sql, { eventTypes: ALL_EVENT_TYPES, sealKey: keys.sealKey }), sql, TEST_PERSON_MASTER_KEY);
  const runner = new ProjectionRunner(store, sql, ALL_PROJECTIONS);
  let n = 0;
  let clock = new Date('2026-03-01T09:00:00.000Z');
  return {
    sql,
    store,
    runner,
    keys,
    /** Moves the test clock forward. */
    advance(minutes: number) {
      clock = new Date(clock.getTime() + minutes * 60_000);
    },
    now: () => clock,
    /** Runs a session command as `actor` at the test clock. */
    async session<T extends SessionCommand['type']>(sessionId: string, type: T, data: Extract<SessionCommand, { type: T }>['data'], actor: Actor) {
      n += 1;
      const command = { type, data, metadata: { now: clock, actor, commandId: `test-${sessionId}-${n}` } } as SessionCommand;
      return handleCommand(store, sessionDecider, sessionStreamId(sessionId), command);
    },
    async close() {
      await runner.stop();
      await store.close();
      await sql.close();
    },
  };
}

export type TestCore = Awaited<ReturnType<typeof openTestCore>>;

/** Every row of every read-model table, sorted, for comparing a live fold with a rebuild. */
export async function dumpReadModels(sql: Sql): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const p of ALL_PROJECTIONS) {
    for (const table of p.tables) {
      const rows = await sql.query<{ r: string }>(`SELECT row_to_json(t)::text AS r FROM ${table} t`);
      out[table] = rows.map((x) => x.r).sort();
    }
  }
  return out;
}
