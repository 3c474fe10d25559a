import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl, uniqueSchema } from '../../../test/support/servers.js';
import { openPostgres, pgliteSql, type Sql } from '../../store/sql.js';
import { insertStatement, monitorRow } from '../search/fixture.js';
import { compileSql, parseQuery } from '../search/index.js';
import { MONITOR_DDL, trigramIndexProblem } from './schema.js';

const url = testPostgresUrl();

/** The scan nodes of a search's plan, with sequential scans ruled out so that a usable index shows. */
async function plan(db: Sql, search: string): Promise<string> {
  const { where, params } = compileSql(parseQuery(search), 1);
  return db.transaction(async (tx) => {
    await tx.exec('SET LOCAL enable_seqscan = off');
    const rows = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT session_id FROM monitor_sessions WHERE ${where}`, params);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

describeWithServer('trigram indexes when pg_trgm was installed in a schema not on the search path', Boolean(url), NO_POSTGRES_REASON, () => {
  // pg_trgm exists once per database, and the shared test database has it in public: a database of our own, then.
  const database = uniqueSchema('trgm');
  let admin: postgres.Sql;
  let db: Sql;
  beforeAll(async () => {
    admin = postgres(url!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${database}`);
    const address = new URL(url!);
    address.pathname = `/${database}`;
    const owner = postgres(address.href, { max: 1, onnotice: () => {} });
    await owner.unsafe('CREATE SCHEMA extensions; CREATE EXTENSION pg_trgm WITH SCHEMA extensions');
    await owner.end();
    db = await openPostgres(address.href, { schema: 'tenant', max: 1 }); // search path: tenant, public
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await admin?.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin?.end();
  });

  it('creates every trigram index with the operator class where pg_trgm is, and free-text and regex searches use them', async () => {
    await db.exec(MONITOR_DDL);
    await db.exec(MONITOR_DDL); // every start runs it again
    expect(await trigramIndexProblem(db)).toBeNull();
    const insert = insertStatement(Array.from({ length: 50 }, (_, i) => monitorRow({ sessionId: `S${i}`, name: `Chemistry retake ${i}`, student: `student${i}` })));
    await db.query(insert.sql, insert.params);
    await db.exec('ANALYZE monitor_sessions');
    expect(await plan(db, 'student12')).toMatch(/monitor_sessions_trgm_student/);
    expect(await plan(db, 'name~*"chemistry retake 4"')).toMatch(/monitor_sessions_trgm_name/);
  });
});

describe('trigram indexes where pg_trgm cannot be had', () => {
  let db: Sql;
  beforeAll(async () => {
    db = pgliteSql(await PGlite.create()); // without the pg_trgm extension loaded
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  it('still creates the read model, and says which indexes are missing and what that costs', async () => {
    await db.exec(MONITOR_DDL);
    const problem = await trigramIndexProblem(db);
    expect(problem).toMatch(/monitor_sessions_trgm_session, monitor_sessions_trgm_name, monitor_sessions_trgm_student, monitor_sessions_trgm_proctor/);
    expect(problem).toMatch(/scan every session/);
    expect(await db.query('SELECT count(*)::int AS n FROM monitor_sessions')).toEqual([{ n: 0 }]);
  });
});
