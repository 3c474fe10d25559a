/**
 * Console benchmark: the administrator's session list over 100,000 sessions on PostgreSQL, through the code the API
 * runs (`listMonitorRows`: keyset page + total). For every sort column, p50/p99 of the first page, a deep page (row
 * 50,000, reached by its keyset cursor) and a page with a search (an equality and a free-text one), each next to its
 * baseline in the same run: the first page as a full scan (no index: seq scan + top-N sort), the deep page by OFFSET.
 * The page's rows query and the count it runs when the read model has moved are timed apart: the total dominated
 * (10–25 ms against 1–5), so it is kept per filter while the read model stands still (`countOf` in paging.ts).
 *
 *   npm run bench:console         DATABASE_URL=postgres://… (default: the test server); BENCH_ROWS, BENCH_RUNS
 * Works in its own schema (bench_console), dropped at the end.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { SESSION_SORT_KEYS, type SessionSort, type SessionSortKey } from '../src/projections/monitor/paging.js';
import { listMonitorRows } from '../src/projections/monitor/queries.js';
import { MONITOR_DDL } from '../src/projections/monitor/schema.js';
import { compileSql, parseQuery } from '../src/projections/search/index.js';
import { CHECKPOINTS_DDL } from '../src/store/sql-schema.js';
import { openPostgres, type Sql } from '../src/store/sql.js';
import { quantile, sortedCopy, table } from './support/stats.js';

const DATABASE_URL = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:54329/postgres';
const SCHEMA = 'bench_console';
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 31);
const PAGE = 50;
const DEEP = Math.floor(ROWS / 2);
const SEARCHES = [['search, equality', 'proctor=proctor7'], ['search, free text', 'student123']] as const;

/** Sessions with every sorted column varied: nulls in proctor, scheduled and score; six statuses; two years of dates. */
const SEED = `
INSERT INTO monitor_sessions (session_id, name, student, proctor, status, date, created_at, scheduled_at, duration, score, created_by, version)
SELECT 'S' || lpad(n::text, 7, '0'),
       (ARRAY['Math', 'Physics', 'History', 'Biology', 'Chemistry', 'Law', 'Economics', 'Art', 'Music', 'Statistics'])[n % 10 + 1]
         || ' ' || (ARRAY['entrance exam', 'final exam', 'midterm', 'quiz', 'test', 'retake'])[n % 6 + 1] || ' ' || (n * 7919 % 500),
       'student' || (n * 31 % 25000),
       CASE WHEN n % 20 = 0 THEN NULL ELSE 'proctor' || (n * 17 % 300) END,
       (ARRAY['scheduled', 'waiting', 'in_progress', 'finished', 'concluded', 'cancelled'])[n % 6 + 1],
       d, d - interval '3 days', CASE WHEN n % 4 = 0 THEN NULL ELSE d END, 60,
       CASE WHEN n % 5 = 0 THEN NULL ELSE (n * 37 % 1000) / 10.0 END, 'admin', 1
  FROM generate_series(1, $1::int) AS g(n),
       LATERAL (SELECT timestamptz '2024-01-01 00:00:00+00' + (n * 7919 % 730) * interval '1 day' + n * interval '1 second' AS d) AS t`;

interface Timing {
  page: number[];
  rows: number[];
  count: number[];
}

/** The app's Sql with each statement timed: the page's rows query and its count apart. */
function timedSql(db: Sql, into: () => Timing | null): Sql {
  const timed = Object.create(db) as Sql;
  timed.query = (async (text: string, params?: readonly unknown[]) => {
    const t = performance.now();
    const result = await db.query(text, params);
    const sink = into();
    if (sink) (/^SELECT count\(\*\)/.test(text) ? sink.count : sink.rows).push(performance.now() - t);
    return result;
  }) as Sql['query'];
  return timed;
}

const stats = (xs: number[]) => {
  const s = sortedCopy(xs);
  return `${quantile(s, 0.5).toFixed(1)} / ${quantile(s, 0.99).toFixed(1)}`;
};

async function repeat(run: () => Promise<unknown>, timing?: Timing, holder?: { current: Timing | null }): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    if (holder) holder.current = i >= 2 ? timing! : null;
    const t = performance.now();
    await run();
    if (i >= 2) samples.push(performance.now() - t);
  }
  if (holder) holder.current = null;
  return samples;
}

/** The keyset cursor of row `DEEP` in `sort` order, walked to the way a client would, 1,000 rows at a time. */
async function deepCursor(db: Sql, sort: SessionSort): Promise<string> {
  let after: string | null = null;
  for (let seen = 0; seen < DEEP; seen += 1000) after = (await listMonitorRows(db, [], { first: 1000, after, sort })).endCursor;
  return after!;
}

async function main(): Promise<void> {
  const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  const raw = await openPostgres(DATABASE_URL, { schema: SCHEMA, max: 1 });
  const scan = postgres(DATABASE_URL, {
    max: 1, onnotice: () => {},
    connection: { search_path: SCHEMA, enable_indexscan: 'off', enable_bitmapscan: 'off', enable_indexonlyscan: 'off' },
  });
  const offset = postgres(DATABASE_URL, { max: 1, onnotice: () => {}, connection: { search_path: SCHEMA } });
  try {
    await raw.exec(`${CHECKPOINTS_DDL}; ${MONITOR_DDL}`);
    // As the projection leaves it: the list's total is kept while the read model stays at this checkpoint.
    await raw.query(`INSERT INTO projection_checkpoints (name, checkpoint, updated_at) VALUES ('monitor', 'bench', now())`);
    const t = performance.now();
    await raw.query(SEED, [ROWS]);
    await raw.exec('ANALYZE monitor_sessions');
    const [{ version }] = await raw.query<{ version: string }>('SELECT version() AS version');
    console.log(`Console list over ${ROWS.toLocaleString('en')} sessions (seeded in ${((performance.now() - t) / 1000).toFixed(1)} s), ${version.split(',')[0]}`);
    console.log(`p50 / p99 ms of ${RUNS} runs; a page is ${PAGE} rows; load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    const holder: { current: Timing | null } = { current: null };
    const db = timedSql(raw, () => holder.current);
    const lines: string[][] = [];
    for (const key of Object.keys(SESSION_SORT_KEYS) as SessionSortKey[]) {
      const sort: SessionSort = { key, descending: key === 'date' };
      const { expr } = SESSION_SORT_KEYS[key];
      const order = `ORDER BY (${expr}) ${sort.descending ? 'DESC' : 'ASC'}, session_id ${sort.descending ? 'DESC' : 'ASC'}`;
      type Filter = { where: string; params: unknown[]; textMatch: boolean };
      const row = async (what: string, filter: Filter | null, run: () => Promise<unknown>, baselineName: string, baseline: () => Promise<unknown>) => {
        const timing: Timing = { page: [], rows: [], count: [] };
        timing.page = await repeat(run, timing, holder);
        // The page reuses the total while the read model stands still; what it costs once the read model has moved:
        const count = filter?.textMatch
          ? 'in rows query'
          : stats(await repeat(() => raw.query(`SELECT count(*)::int FROM monitor_sessions WHERE ${filter?.where ?? 'true'}`, filter?.params ?? [])));
        const base = await repeat(baseline);
        lines.push([`${key} ${sort.descending ? '↓' : '↑'}`, what, stats(timing.page), stats(timing.rows), count, stats(base), baselineName]);
      };
      await row('first page', null, () => listMonitorRows(db, [], { first: PAGE, sort }), 'full scan + count',
        async () => [await scan.unsafe(`SELECT * FROM monitor_sessions ${order} LIMIT ${PAGE + 1}`), await scan.unsafe('SELECT count(*) FROM monitor_sessions')]);
      const after = await deepCursor(raw, sort);
      await row(`page at row ${DEEP.toLocaleString('en')}`, null, () => listMonitorRows(db, [], { first: PAGE, after, sort }), 'OFFSET + count',
        async () => [await offset.unsafe(`SELECT * FROM monitor_sessions ${order} LIMIT ${PAGE + 1} OFFSET ${DEEP}`), await offset.unsafe('SELECT count(*) FROM monitor_sessions')]);
      for (const [what, search] of SEARCHES) {
        const condition = compileSql(parseQuery(search), 1);
        await row(`${what} (${search})`, condition, () => listMonitorRows(db, [condition], { first: PAGE, sort }), 'full scan + count',
          async () => [
            await scan.unsafe(`SELECT * FROM monitor_sessions WHERE ${condition.where} ${order} LIMIT ${PAGE + 1}`, condition.params as never[]),
            await scan.unsafe(`SELECT count(*) FROM monitor_sessions WHERE ${condition.where}`, condition.params as never[]),
          ]);
      }
    }
    console.log(table(['order', 'page', 'page (app)', 'its rows query', 'count, read model moved', 'baseline', 'baseline is'], lines));
    console.log('\npage (app): listMonitorRows as the API runs it, the total kept while the read model stands still (it is counted');
    console.log('again, in the next column\'s time, on the first page after any event reaches the read model; a text search counts in its rows query)');
    console.log(`\nload average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await admin.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => {});
    await Promise.all([admin.end(), scan.end(), offset.end(), raw.close()]);
  }
}

await main();
