/**
 * Search benchmark: `npx tsx bench/search.ts` (PostgreSQL at DATABASE_URL, default the test server of
 * scripts/pg-test-server.sh). Prints two tables:
 *  1. parse + compile of a ~200-character search, median µs;
 *  2. the compiled SQL on 100,000 sessions, p50 ms: the first page of 50 as the app lists it (listMonitorRows: rows
 *     and total), the bare query with LIMIT 50 and with all rows, each with indexes and as a full scan.
 * Works in its own schema (bench_search), dropped at the end (kept with BENCH_KEEP=1, and reused by the next run).
 * Its search path holds only that schema, so the trigram indexes are made as anywhere pg_trgm is not on the path.
 */
import postgres from 'postgres';
import { METRIC_CODES } from '../src/domain/session/metrics.js';
import type { MonitorRow, SessionStatus } from '../src/projections/monitor/row.js';
import { MONITOR_DDL } from '../src/projections/monitor/schema.js';
import { insertStatement, monitorRow } from '../src/projections/search/fixture.js';
import { listMonitorRows } from '../src/projections/monitor/queries.js';
import { compilePredicate, compileSql, parseQuery } from '../src/projections/search/index.js';
import { CHECKPOINTS_DDL } from '../src/store/sql-schema.js';
import { openPostgres, type Sql } from '../src/store/sql.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:54329/postgres';
const SCHEMA = 'bench_search';
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const BATCH = 1000;
const RUNS = Number(process.env.BENCH_RUNS ?? 21);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------- 1. parse + compile

const SEARCH =
  '(student=student1,student2,student3 | proctor==Proctor7) & date>=2025-03-01 10:00:00 & date<2025-04-01 & ' +
  'score<50 & name~*"^entrance.*exam" & status!=cancelled & tags=math & averages.b2>10 & ^session-42|final$';

function microbench(label: string, fn: (i: number) => unknown, iterations = 20_000): string[] {
  for (let i = 0; i < 3000; i++) fn(i);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    fn(i);
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  samples.sort((a, b) => a - b);
  const p = (q: number) => samples[Math.floor(samples.length * q)].toFixed(1);
  return [label, `${SEARCH.length}`, p(0.5), p(0.9), p(0.99)];
}

function parseBenchmark(): void {
  const rows = [
    microbench('parseQuery', () => parseQuery(SEARCH)),
    microbench('parseQuery + compileSql', () => compileSql(parseQuery(SEARCH), 1)),
    microbench('parseQuery + compilePredicate', () => compilePredicate(parseQuery(SEARCH))),
    // A different regex every time: no help from the cache of checked patterns.
    microbench('parseQuery + compileSql, new regex each time', (i) => compileSql(parseQuery(SEARCH.replace('exam"', `exam${i}"`)), 1)),
  ];
  console.log(`\n1. Parse and compile (target: median ≤ 50 µs)\n`);
  console.log(table(['step', 'chars', 'median µs', 'p90 µs', 'p99 µs'], rows));
}

// ---------------------------------------------------------------------------------------------- 2. PostgreSQL

/** Deterministic pseudo-random numbers (mulberry32), so every run loads the same sessions. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SUBJECTS = ['Math', 'Physics', 'History', 'Biology', 'Chemistry', 'Law', 'Economics', 'Art', 'Music', 'Statistics'];
const KINDS = ['entrance exam', 'final exam', 'midterm', 'quiz', 'test', 'retake'];
const STATUSES: SessionStatus[] = ['scheduled', 'waiting', 'in_progress', 'finished', 'finished', 'concluded', 'cancelled'];
const TAGS = ['math', 'physics', 'remote', 'retake', 'priority', 'group-a', 'group-b'];
const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);

function session(i: number, rnd: () => number): MonitorRow {
  const int = (n: number) => Math.floor(rnd() * n);
  const date = new Date(START + int(730 * DAY));
  const started = rnd() < 0.8 ? date : null;
  return monitorRow({
    sessionId: `S${String(i).padStart(7, '0')}`,
    name: `${SUBJECTS[int(SUBJECTS.length)]} ${KINDS[int(KINDS.length)]} ${int(500)}`,
    student: `student${int(25_000)}`,
    studentName: `Student ${int(25_000)}`,
    proctor: rnd() < 0.95 ? `proctor${int(300)}` : null,
    status: STATUSES[int(STATUSES.length)],
    date,
    createdAt: new Date(date.getTime() - int(30) * DAY),
    scheduledAt: date,
    startedAt: started,
    stoppedAt: started && new Date(started.getTime() + 90 * 60_000),
    duration: [30, 45, 60, 90, 120][int(5)],
    score: rnd() < 0.8 ? Math.round(rnd() * 1000) / 10 : null,
    conclusion: rnd() < 0.5 ? (rnd() < 0.8 ? 'positive' : 'negative') : null,
    tags: TAGS.filter(() => rnd() < 0.2),
    blocked: rnd() < 0.02,
    finishedBy: started ? ['student', 'proctor', 'timeout'][int(3)] : null,
    averages: Object.fromEntries(METRIC_CODES.map((c) => [c, Math.round(rnd() * 1000) / 10])),
  });
}

const SHAPES: [shape: string, search: string][] = [
  ['equality', 'student=student12345'],
  ['equality, list', 'proctor=proctor7,proctor8 & status=finished'],
  ['equality, exact', 'session==S0054321'],
  ['range, date', 'date>=2025-03-01 & date<2025-03-03'],
  ['range, score', 'score<0.5'],
  ['substring, free text', 'student1234'],
  ['exact, free text', '^S0012345$'],
  ['substring, regex', 'name~*"chemistry retake 42"'],
  ['regex, metacharacters', 'name~*"^chemistry retake 4[12]$"'],
];

async function load(sql: postgres.Sql): Promise<string[]> {
  const kept = process.env.BENCH_KEEP
    ? await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = ${SCHEMA} AND tablename = 'monitor_sessions'`
    : [{ n: 0 }];
  // As the projection leaves it: the list's total is kept while the read model stays at this checkpoint.
  const checkpoint = `${CHECKPOINTS_DDL}; INSERT INTO projection_checkpoints (name, checkpoint, updated_at) VALUES ('monitor', 'bench', now()) ON CONFLICT DO NOTHING`;
  if (kept[0].n > 0 && (await sql.unsafe(`SELECT count(*)::int AS n FROM monitor_sessions`))[0].n === ROWS) {
    await sql.unsafe(checkpoint);
    return [...(await trigramNotes(sql)), 'sessions kept from the last run (BENCH_KEEP)'];
  }
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await sql.unsafe(`CREATE SCHEMA ${SCHEMA}`);
  await sql.unsafe(`${MONITOR_DDL}; ${checkpoint}`);
  const rnd = random(42);
  const t = performance.now();
  for (let i = 0; i < ROWS; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, ROWS - i) }, (_, k) => session(i + k, rnd));
    const insert = insertStatement(batch);
    await sql.unsafe(insert.sql, insert.params as postgres.ParameterOrJSON<never>[]);
  }
  const notes = [`loaded ${ROWS.toLocaleString('en')} sessions in ${((performance.now() - t) / 1000).toFixed(1)} s`];
  await sql.unsafe('ANALYZE monitor_sessions');
  return [...notes, ...(await trigramNotes(sql))];
}

/**
 * The read model's own DDL made the indexes, on a search path without public (where pg_trgm usually is): what the
 * app gets in any schema, including when pg_trgm was installed in another one. Says which trigram indexes exist.
 */
async function trigramNotes(sql: postgres.Sql): Promise<string[]> {
  const trigram = await sql<{ name: string; opclass: string }[]>`
    SELECT i.indexname AS name, o.opcnamespace::regnamespace || '.' || o.opcname AS opclass
      FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname AND c.relnamespace = ${SCHEMA}::regnamespace
      JOIN pg_index x ON x.indexrelid = c.oid JOIN pg_opclass o ON o.oid = x.indclass[0]
     WHERE i.schemaname = ${SCHEMA} AND i.indexname LIKE 'monitor_sessions_trgm_%' ORDER BY 1`;
  return [trigram.length
    ? `trigram indexes: ${trigram.map((r) => r.name.replace('monitor_sessions_trgm_', '')).join(', ')} (${trigram[0].opclass})`
    : 'NO trigram index: substring searches scan'];
}

/** Median time of `run` over RUNS runs after two to warm up, and how many rows it answered. */
async function timed(run: () => Promise<number>): Promise<{ ms: number; rows: number }> {
  let rows = 0;
  const samples: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const t = performance.now();
    rows = await run();
    if (i >= 2) samples.push(performance.now() - t);
  }
  return { ms: median(samples), rows };
}

const p50 = (sql: postgres.Sql, text: string, params: unknown[]) =>
  timed(async () => (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true })).length);

/** The scan nodes of the plan, to show which index served the query. */
async function planOf(sql: postgres.Sql, text: string, params: unknown[]): Promise<string> {
  const [row] = await sql.unsafe(`EXPLAIN (FORMAT JSON) ${text}`, params as postgres.ParameterOrJSON<never>[]);
  const nodes: string[] = [];
  const walk = (n: { 'Node Type': string; 'Index Name'?: string; Plans?: unknown[] }) => {
    if (/Scan/.test(n['Node Type'])) nodes.push(n['Index Name'] ? `${n['Node Type']} ${n['Index Name'].replace('monitor_sessions_', '')}` : n['Node Type']);
    for (const child of n.Plans ?? []) walk(child as typeof n);
  };
  walk((row['QUERY PLAN'] as { Plan: Parameters<typeof walk>[0] }[])[0].Plan);
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].map(([n, c]) => (c > 1 ? `${n} ×${c}` : n)).join(', ');
}

async function databaseBenchmark(): Promise<void> {
  let app: Sql | null = null;
  const connection = { search_path: SCHEMA };
  const indexed = postgres(DATABASE_URL, { max: 1, onnotice: () => {}, connection });
  const scan = postgres(DATABASE_URL, {
    max: 1,
    onnotice: () => {},
    connection: { ...connection, enable_indexscan: 'off', enable_bitmapscan: 'off', enable_indexonlyscan: 'off' },
  });
  try {
    const [{ version }] = await indexed<{ version: string }[]>`SELECT version()`;
    const notes = await load(indexed);
    app = await openPostgres(DATABASE_URL, { schema: SCHEMA, max: 1 });
    const rows: string[][] = [];
    const plans: string[] = [];
    for (const [shape, search] of SHAPES) {
      const condition = compileSql(parseQuery(search), 1);
      const { where, params } = condition;
      const limited = `SELECT session_id FROM monitor_sessions WHERE ${where} ORDER BY date DESC LIMIT 50`;
      const all = `SELECT session_id FROM monitor_sessions WHERE ${where} ORDER BY date DESC`;
      const page = await timed(async () => (await listMonitorRows(app!, [condition], { first: 50 })).rows.length);
      const a = await p50(indexed, limited, params);
      const b = await p50(scan, limited, params);
      const c = await p50(indexed, all, params);
      const d = await p50(scan, all, params);
      const ratio = (x: number, y: number) => `${(y / x).toFixed(1)}×`;
      rows.push([
        shape, search, String(c.rows), page.ms.toFixed(2), ratio(page.ms, b.ms), a.ms.toFixed(2), b.ms.toFixed(2), c.ms.toFixed(2), d.ms.toFixed(2), ratio(c.ms, d.ms),
      ]);
      plans.push(`  ${shape.padEnd(22)} ${await planOf(indexed, all, params)}`);
    }
    console.log(`\n2. Compiled SQL on PostgreSQL (target: p50 ≤ 20 ms), median of ${RUNS} runs, ORDER BY date DESC`);
    console.log(`   ${version.split(',')[0]}; ${notes.join('; ')}\n`);
    console.log(table(
      ['shape', 'search', 'matches', 'app page ms', 'vs scan', 'LIMIT 50 ms', 'scan ms', 'all rows ms', 'scan ms', 'speed-up'],
      rows,
    ));
    console.log('\nPlans with indexes (all rows):');
    console.log(plans.join('\n'));
  } finally {
    await app?.close();
    if (!process.env.BENCH_KEEP) await indexed.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => {});
    await indexed.end();
    await scan.end();
  }
}

parseBenchmark();
await databaseBenchmark();
