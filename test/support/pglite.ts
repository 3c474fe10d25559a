import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgliteSql, type Sql } from '../../src/store/sql.js';

type Prepare = (sql: Sql) => Promise<void>;

let template: Promise<{ dump: Blob; prepare?: Prepare }> | null = null;
/** Databases given back by a closed test and made like the template again, ready for the next one. */
const idle: Array<{ db: PGlite; expiry: ReturnType<typeof setTimeout> }> = [];
/** More idle databases than this are closed: each holds its WebAssembly memory, grown to what its tests needed. */
const MAX_IDLE = 2;
/**
 * An idle database is closed after this long: an open PGlite keeps a timer of PostgreSQL's running, which would keep
 * its process alive (a worker Vitest waits 10 s for, then says "something prevents Vite server from exiting").
 */
const IDLE_FOR_MS = 3000;
/** Only a Vitest worker keeps databases for the next test; a script a test runs closes them as ever. */
const IN_VITEST_WORKER = '__vitest_worker__' in globalThis;
/** A database whose reset takes longer (a transaction left open) is closed instead of kept. */
const RESET_WITHIN_MS = 10_000;

/**
 * A fresh in-memory PGlite with the template's tables. The template is made once per worker (initdb, ≈2 s) and a
 * database is a clone of it (≈1.3 s: loading the data directory and starting PostgreSQL, measured with PGlite 0.5.17).
 * In a Vitest worker a closed database is not thrown away: its schemas are dropped and `prepare` runs again (≈0.1 s),
 * and the next test gets it if it comes within a few seconds. `prepare` runs on the template and on every reused
 * database (DDL every test needs); the first caller's is the one used.
 *
 * The test holds a handle, not the database: once it closes, every call through the handle fails as on a closed
 * PGlite, so work a test left running cannot reach the database the next test uses.
 */
export async function clonePGlite(prepare?: Prepare): Promise<Sql> {
  template ??= (async () => {
    const db = await PGlite.create({ extensions: { pg_trgm } });
    if (prepare) await prepare(pgliteSql(db));
    const dump = await db.dumpDataDir('none');
    await db.close();
    return { dump, prepare };
  })();
  const made = await template;
  const kept = idle.pop();
  if (kept) clearTimeout(kept.expiry);
  const db = kept?.db ?? (await PGlite.create({ loadDataDir: made.dump, extensions: { pg_trgm } }));
  return pgliteSql(handleOn(db, (channels) => giveBack(db, channels, made.prepare)));
}

/** `db` as a test's own: its `close` gives the database back, and after it nothing goes through. */
function handleOn(db: PGlite, close: (channels: ReadonlySet<string>) => Promise<void>): PGlite {
  let closing: Promise<void> | null = null;
  const channels = new Set<string>();
  return new Proxy(db, {
    get(target, property) {
      if (property === 'closed') return closing !== null || target.closed;
      if (property === 'close') return () => (closing ??= close(channels));
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (closing) throw new Error('PGlite is closed');
        if (property === 'listen') channels.add(args[0] as string);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Makes `db` like the template again (session state, schemas, tables) and keeps it for the next test. */
async function giveBack(db: PGlite, channels: ReadonlySet<string>, prepare: Prepare | undefined): Promise<void> {
  const reset = async () => {
    for (const channel of channels) await db.unlisten(channel);
    await db.exec('DISCARD ALL');
    const schemas = await db.query<{ name: string }>(
      `SELECT nspname AS name FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'`,
    );
    await db.exec(`${schemas.rows.map((s) => `DROP SCHEMA "${s.name}" CASCADE;`).join('')} CREATE SCHEMA public;`);
    if (prepare) await prepare(pgliteSql(db));
  };
  if (!IN_VITEST_WORKER || idle.length >= MAX_IDLE) return db.close().catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), RESET_WITHIN_MS)));
  // Handled either way: a reset that fails after the time is up must not become a stray rejection in the worker.
  const outcome = await Promise.race([reset().then(() => 'reset' as const, () => 'failed' as const), timedOut]);
  clearTimeout(timer);
  if (outcome !== 'reset') {
    // Not reusable. A reset that timed out waits behind something the test left open: the close is not awaited.
    if (!db.closed) void db.close().catch(() => {});
    return;
  }
  const entry = {
    db,
    expiry: setTimeout(() => {
      idle.splice(idle.indexOf(entry), 1);
      void db.close().catch(() => {});
    }, IDLE_FOR_MS).unref(),
  };
  idle.push(entry);
}
