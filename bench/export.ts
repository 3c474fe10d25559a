/**
 * Export benchmark: 100,000 sessions seeded straight into the monitor read model, exported as CSV with every field
 * through the real streaming code (server-side cursor → CSV lines → a writable that honours backpressure), next to
 * a raw `COPY (SELECT the same columns …) TO STDOUT` of the same rows. On PGlite (data directory on disk; its COPY
 * goes to a blob, PGlite has no STDOUT) and on a PostgreSQL server. Goal: within 2× of COPY, RSS under 150 MB.
 *
 * Each engine runs in a process of its own that first loads every module `src/main.ts` loads (the server's floor: the
 * export runs in the server, not in a process made for it), then seeds the rows. Printed are the RSS after loading
 * those modules ("RSS loaded"), right before the export (after seeding and a GC: on PGlite this holds the database
 * itself, its WebAssembly memory), the peak while it runs and the difference. Wall time on a shared machine depends on
 * who else runs, so the CPU each side spent is printed too: this process's, and the PostgreSQL backend's (read from
 * /proc when the server is on this machine). A last line gives the RSS of a process with the app's modules loaded and
 * nothing else.
 *
 *   npm run bench:export                  DATABASE_URL=postgres://… (default: the test server); -- --no-postgres
 *   BENCH_ROWS=20000 npm run bench:export
 *   npm run bench:export -- --server [--starts=3] [--runtime=both|compiled|tsx]
 *                                         a real server process instead, compiled and under tsx (bench/export-server.ts)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { send } from '../src/api/http/exports.js';
import { exportChunks } from '../src/app/export/export.js';
import { MONITOR_DDL } from '../src/projections/monitor/schema.js';
import { FIELDS } from '../src/projections/search/fields.js';
import { openPostgres, type Sql } from '../src/store/sql.js';
import { seedMonitorRows } from '../test/support/monitor-seed.js';

/** RSS once the app's modules are loaded (set by `loadAppModules`). */
let loadedRssMb = 0;
const DATABASE_URL = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:54329/postgres';
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const SCHEMA = 'bench_export';
/** A child that has not answered by then is stuck, not slow: 100k rows take about a minute on a busy machine. */
const CHILD_TIMEOUT_MS = 15 * 60_000;
const SELECT = `SELECT ${FIELDS.map((f) => `${f.column} AS "${f.name}"`).join(', ')} FROM monitor_sessions ORDER BY date DESC, session_id DESC`;
const MB = 2 ** 20;

interface Measure {
  what: string;
  rows: number;
  bytes: number;
  seconds: number;
  firstRowMs: number;
  /** CPU time of this process during the run (on PGlite, the database's work too). */
  nodeCpuS: number;
  /** CPU time of the PostgreSQL backend that served the run, when it could be read. */
  dbCpuS: number | null;
  loadedRssMb: number;
  beforeRssMb: number;
  peakRssMb: number;
  load: string;
}

/** CPU seconds a local process has used, from /proc; null when it is not there (a remote server). */
function processCpuSeconds(pid: number | null): number | null {
  if (pid === null || !existsSync(`/proc/${pid}/stat`)) return null;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

/** A sink like a socket: takes 64 KiB before it pushes back, and drains on the next turn of the event loop. */
function socketLike(counter: { bytes: number; firstAt: number }): Writable {
  return new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, done) {
      if (counter.firstAt === 0 && counter.bytes > 0) counter.firstAt = performance.now();
      counter.bytes += chunk.length;
      setImmediate(done);
    },
  });
}

async function measure(what: string, backend: number | null, run: (sink: Writable, counter: { bytes: number; firstAt: number }) => Promise<number>): Promise<Measure> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const counter = { bytes: 0, firstAt: 0 };
  const cpu = process.cpuUsage();
  const db = processCpuSeconds(backend);
  const start = performance.now();
  const rows = await run(socketLike(counter), counter);
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const dbAfter = processCpuSeconds(backend);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  return {
    what, rows, bytes: counter.bytes, seconds, firstRowMs: (counter.firstAt || performance.now()) - start,
    nodeCpuS: (used.user + used.system) / 1e6, dbCpuS: db === null || dbAfter === null ? null : dbAfter - db,
    loadedRssMb, beforeRssMb: before / MB, peakRssMb: peak / MB, load: loadavg().map((l) => l.toFixed(1)).join(' '),
  };
}

/** The real export: every field, no filter, everything visible. */
function ourExport(db: Sql, backend: number | null) {
  return measure('export (cursor → CSV)', backend, async (sink, counter) => {
    let rows = 0;
    const request = { exportId: 'bench', fields: FIELDS.map((f) => f.name), query: '', format: 'csv' as const, bom: false, expiresAt: '' };
    // The header is its own chunk: count the first row's bytes, not the header's, as the first byte.
    const chunks = exportChunks(db, { request }, { where: 'true', params: [] }, (n) => (rows = n));
    const complete = await send(sink, chunks);
    sink.end();
    if (!complete || counter.bytes === 0) throw new Error('the export did not complete');
    return rows;
  });
}

async function onPGlite(): Promise<Measure[]> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pgliteSql } = await import('../src/store/sql.js');
  const dir = await mkdtemp(join(tmpdir(), 'bench-export-'));
  const pg = await PGlite.create({ dataDir: dir });
  const db = pgliteSql(pg);
  try {
    await db.exec(MONITOR_DDL);
    await seedMonitorRows(db, ROWS);
    await db.exec('ANALYZE monitor_sessions');
    const copy = () => measure('COPY … TO blob', null, async (sink) => {
      const result = await pg.query(`COPY (${SELECT}) TO '/dev/blob' WITH (FORMAT csv, HEADER)`);
      sink.end(Buffer.from(await result.blob!.arrayBuffer()));
      return ROWS;
    });
    await copy(); // warm the caches for both
    return [await ourExport(db, null), await copy()];
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function onPostgres(): Promise<Measure[]> {
  // One connection each, so the backend whose CPU is read is the one that did the work.
  const db = await openPostgres(DATABASE_URL, { schema: SCHEMA, max: 1 });
  const raw = postgres(DATABASE_URL, { max: 1, onnotice: () => {}, connection: { search_path: SCHEMA } });
  try {
    await db.exec(`DROP TABLE IF EXISTS monitor_sessions; ${MONITOR_DDL}`);
    await seedMonitorRows(db, ROWS);
    await db.exec('ANALYZE monitor_sessions');
    const [{ pid: dbPid }] = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const [{ pid: rawPid }] = await raw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    const copy = () => measure('COPY … TO STDOUT', rawPid, async (sink) => {
      const readable = await raw.unsafe(`COPY (${SELECT}) TO STDOUT WITH (FORMAT csv, HEADER)`).readable();
      await pipeline(readable, sink);
      // postgres.js 3.4.9 pauses its socket when a CopyData fills the stream's buffer; when CopyDone came in the same
      // chunk, the stream ends without asking for more and the socket stays paused, so the next query on this
      // connection never hears its answer (porsager/postgres#499, #1016): the bench's DROP SCHEMA hung that way,
      // now and then, under load. The stream's read() is what resumes the socket.
      readable._read(0);
      return ROWS;
    });
    await copy(); // warm the caches for both
    return [await ourExport(db, dbPid), await copy()];
  } finally {
    await raw.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await raw.end({ timeout: 5 });
    await db.close();
  }
}

/** Loads what `src/main.ts` loads (without starting anything) and answers the RSS after a GC. */
async function loadAppModules(): Promise<number> {
  await import('reflect-metadata');
  for (const module of ['../src/api/server.js', '../src/app/core/core.js', '../src/media/engine.js', '../src/app/faces/verifier.js', '../src/app/lti/keys.js', '../src/seed.js']) await import(module);
  (globalThis as { gc?: () => void }).gc?.();
  loadedRssMb = process.memoryUsage.rss() / MB;
  return loadedRssMb;
}

const COLUMNS: Array<[string, number, (m: Measure) => string]> = [
  ['what', -22, (m) => m.what],
  ['rows', 7, (m) => String(m.rows)],
  ['MiB', 6, (m) => (m.bytes / MB).toFixed(1)],
  ['s', 6, (m) => m.seconds.toFixed(2)],
  ['rows/s', 8, (m) => Math.round(m.rows / m.seconds).toLocaleString('en')],
  ['1st row ms', 10, (m) => m.firstRowMs.toFixed(0)],
  ['node CPU s', 10, (m) => m.nodeCpuS.toFixed(2)],
  ['db CPU s', 8, (m) => (m.dbCpuS === null ? '—' : m.dbCpuS.toFixed(2))],
  ['RSS loaded', 10, (m) => m.loadedRssMb.toFixed(0)],
  ['before', 6, (m) => m.beforeRssMb.toFixed(0)],
  ['peak', 5, (m) => m.peakRssMb.toFixed(0)],
  ['+MB', 4, (m) => (m.peakRssMb - m.beforeRssMb).toFixed(0)],
  ['load 1/5/15 min', -15, (m) => m.load],
];
const cells = (values: string[]) => values.map((v, i) => (COLUMNS[i][1] < 0 ? v.padEnd(-COLUMNS[i][1]) : v.padStart(COLUMNS[i][1]))).join('  ');

function print(engine: string, [ours, copy]: Measure[]): void {
  for (const m of [ours, copy]) console.log(`${engine.padEnd(9)} ${cells(COLUMNS.map(([, , f]) => f(m)))}`);
  const cpu = (m: Measure) => m.nodeCpuS + (m.dbCpuS ?? 0);
  console.log(`${''.padEnd(9)} export ÷ COPY: ${(ours.seconds / copy.seconds).toFixed(2)}× the time, ${(cpu(ours) / cpu(copy)).toFixed(2)}× the CPU (goal ≤ 2×); `
    + `peak RSS ${ours.peakRssMb.toFixed(0)} MB, ${(ours.peakRssMb - ours.beforeRssMb).toFixed(0)} MB over the process before the export (goal < 150 MB)`);
}

const engineArg = process.argv.find((a) => a.startsWith('--engine='))?.slice('--engine='.length);
const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
if (process.argv.includes('--server')) {
  const { serverBench } = await import('./export-server.js');
  const runtime = option('runtime') ?? 'both';
  if (!['both', 'tsx', 'compiled'].includes(runtime)) throw new Error(`--runtime=${runtime}: expected both, compiled or tsx`);
  await serverBench(DATABASE_URL, ROWS, Number(option('starts') ?? 3), runtime === 'both' ? ['tsx', 'compiled'] : [runtime as 'tsx' | 'compiled']);
} else if (engineArg === 'modules') {
  console.log(JSON.stringify(await loadAppModules()));
} else if (engineArg) {
  await loadAppModules();
  const results = engineArg === 'pglite' ? await onPGlite() : await onPostgres();
  console.log(JSON.stringify(results));
} else {
  console.log(`Export of ${ROWS.toLocaleString('en')} sessions, ${FIELDS.length} fields, CSV; node ${process.version}, ${process.execArgv.some((a) => a.includes('tsx')) ? 'under tsx as npm start runs' : 'plain node'}\n`);
  console.log(`${'engine'.padEnd(9)} ${cells(COLUMNS.map(([name]) => name))}`);
  const engines = ['pglite', ...(process.argv.includes('--no-postgres') ? [] : ['postgres'])];
  const child = (arg: string) => execFileSync(process.execPath, ['--expose-gc', ...process.execArgv, process.argv[1], `--engine=${arg}`], {
    encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'inherit'], timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGKILL',
  });
  for (const engine of engines) {
    // A process per engine: its peak RSS is its own, and a PostgreSQL server that is not there fails only its line.
    try {
      print(engine, JSON.parse(child(engine).trim().split('\n').at(-1)!) as Measure[]);
    } catch (error) {
      const { status, signal } = error as { status?: number | null; signal?: string | null };
      const why = signal === 'SIGKILL' ? `no answer within ${CHILD_TIMEOUT_MS / 1000} s` : signal ? `killed by ${signal}` : `exit code ${status}`;
      console.log(`${engine.padEnd(9)} failed (${why}): ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const app = Number(child('modules').trim().split('\n').at(-1));
  console.log(`\nRSS of a process with the whole app's modules loaded (what src/main.ts imports, nothing started), after a GC: ${app.toFixed(0)} MB`);
}
