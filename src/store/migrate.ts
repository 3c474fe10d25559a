import type { Sql } from './sql.js';

/**
 * Runs DDL (`CREATE … IF NOT EXISTS`, `ALTER … ADD COLUMN IF NOT EXISTS`) one node at a time: PostgreSQL's
 * IF NOT EXISTS is no guard against a twin statement running at the same moment (both pass the check, one fails on
 * the catalog's unique index), which is what several nodes starting together on a new database do. The lock is
 * database-wide, since extensions (pg_trgm) live outside any one schema.
 */
export async function migrate(sql: Sql, ...ddl: string[]): Promise<void> {
  if (sql.engine !== 'postgres') {
    for (const statement of ddl) await sql.exec(statement);
    return;
  }
  // One transaction per statement, as without the lock: a long one would hold back every reader of the events (they
  // read below the oldest transaction in progress).
  for (const statement of ddl) {
    await sql.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('proctor_ddl'))`);
      await tx.exec(statement);
    });
  }
}
