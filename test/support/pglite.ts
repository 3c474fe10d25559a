import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgliteSql, type Sql } from '../../src/store/sql.js';

let template: Promise<Blob> | null = null;

/**
 * A fresh in-memory PGlite in ≈0.4 s: initdb runs once per worker (≈2 s) and every later database is a clone of it.
 * `prepare` runs once on the template (DDL every test needs).
 */
export async function clonePGlite(prepare?: (sql: Sql) => Promise<void>): Promise<Sql> {
  template ??= (async () => {
    const db = await PGlite.create({ extensions: { pg_trgm } });
    if (prepare) await prepare(pgliteSql(db));
    const dump = await db.dumpDataDir('none');
    await db.close();
    return dump;
  })();
  const db = await PGlite.create({ loadDataDir: await template, extensions: { pg_trgm } });
  return pgliteSql(db);
}
