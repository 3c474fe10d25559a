/**
 * Export benchmark: 100,000 sessions seeded straight into the monitor read model, exported as CSV with every field
 * through the real streaming code (server-side cursor → CSV encoder → a writable that honours backpressure), next to
 * a raw `COPY (SELECT the same columns …) TO STDOUT` of the same rows. On PGlite (data directory on disk; its COPY
 * goes to a blob, PGlite has no STDOUT) and on a PostgreSQL server. Prints rows/s, time to the first row, and the peak
 * RSS of the process while it runs and how much of it the run added (each engine in a process of its own, so one
 * engine's memory is not the other's; PGlite's database lives in that process, so its RSS includes the database).
 * Goal: within 2× of COPY, RSS under 150 MB.
 *
 *   npm run bench:export                  DATABASE_URL=postgres://… (default: the test server); -- --no-postgres
 *   BENCH_ROWS=20000 npm run bench:export
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { send } from '../src/api/http/exports.js';
import { exportChunks } from '../src/app/export/export.js';
import { MONITOR_DDL } from '../src/projections/monitor/schema.js';
import { FIELDS } from '../src/projections/search/fields.js';
import { openPostgres, pgliteSql, type Sql } from '../src/store/sql.js';
import { seedMonitorRows } from '../test/support/monitor-seed.js';

const DATABASE_URL = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:54329/postgres';
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const SCHEMA = 'bench_export';
/** A child that has not answered by then is stuck, not slow: 100k rows take about a minute on a busy machine. */
const CHILD_TIMEOUT_MS = 15 * 60_000;
const SELECT = `SELECT ${FIELDS.map((f) => `${f.column} AS "${f.name}"`).join(', ')} FROM monitor_sessions ORDER BY date DESC, session_id DESC`;

interface Measure {
  what: string;
  rows: number;
  bytes: number;
  seconds: number;
  firstRowMs: number;
  peakRssMb: number;
  /** Peak RSS minus the RSS before the run: what the export itself holds. */
  growthMb: number;
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

async function measure(what: string, run: (sink: Writable, counter: { bytes: number; firstAt: number }) => Promise<number>): Promise<Measure> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const counter = { bytes: 0, firstAt: 0 };
  const start = performance.now();
  const rows = await run(socketLike(counter), counter);
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { what, rows, bytes: counter.bytes, seconds, firstRowMs: (counter.firstAt || performance.now()) - start, peakRssMb: peak / 2 ** 20, growthMb: (peak - before) / 2 ** 20 };
}

/** The real export: every field, no filter, everything visible. */
function ourExport(db: Sql) {
  return measure('export (cursor → CSV)', async (sink, counter) => {
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
  const dir = await mkdtemp(join(tmpdir(), 'bench-export-'));
  const pg = await PGlite.create({ dataDir: dir });
  const db = pgliteSql(pg);
  try {
    await db.exec(MONITOR_DDL);
    await seedMonitorRows(db, ROWS);
    await db.exec('ANALYZE monitor_sessions');
    const copy = () => measure('COPY … TO blob', async (sink) => {
      const result = await pg.query(`COPY (${SELECT}) TO '/dev/blob' WITH (FORMAT csv, HEADER)`);
      sink.end(Buffer.from(await result.blob!.arrayBuffer()));
      return ROWS;
    });
    await copy(); // warm the caches for both
    return [await ourExport(db), await copy()];
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function onPostgres(): Promise<Measure[]> {
  const db = await openPostgres(DATABASE_URL, { schema: SCHEMA, max: 2 });
  const raw = postgres(DATABASE_URL, { max: 1, onnotice: () => {}, connection: { search_path: SCHEMA } });
  try {
    await db.exec(`DROP TABLE IF EXISTS monitor_sessions; ${MONITOR_DDL}`);
    await seedMonitorRows(db, ROWS);
    await db.exec('ANALYZE monitor_sessions');
    const copy = () => measure('COPY … TO STDOUT', async (sink) => {
      const readable = await raw.unsafe(`COPY (${SELECT}) TO STDOUT WITH (FORMAT csv, HEADER)`).readable();
      await pipeline(readable, sink);
      // postgres.js 3.4.9 pauses its socket when a CopyData fills the stream's buffer; when CopyDone came in the same
      // chunk, the stream ends without asking for more and the socket stays paused, so the next query on this
      // connection never hears its answer (porsager/postgres#499, #1016): the bench's DROP SCHEMA hung that way,
      // now and then, under load. The stream's read() is what resumes the socket.
      readable._read(0);
      return ROWS;
    });
    await copy();
    return [await ourExport(db), await copy()];
  } finally {
    await raw.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await raw.end({ timeout: 5 });
    await db.close();
  }
}

function print(engine: string, [ours, copy]: Measure[]): void {
  const line = (m: Measure) =>
    [engine.padEnd(10), m.what.padEnd(22), String(m.rows).padStart(7), (m.bytes / 2 ** 20).toFixed(1).padStart(7),
      m.seconds.toFixed(2).padStart(7), Math.round(m.rows / m.seconds).toLocaleString('en').padStart(9), m.firstRowMs.toFixed(0).padStart(8), m.peakRssMb.toFixed(0).padStart(8), m.growthMb.toFixed(0).padStart(7)].join('  ');
  console.log(line(ours));
  console.log(line(copy));
  console.log(`${''.padEnd(10)}  export ÷ COPY: ${(ours.seconds / copy.seconds).toFixed(2)}× the time (goal ≤ 2×); peak RSS ${ours.peakRssMb.toFixed(0)} MB, ${ours.growthMb.toFixed(0)} MB over the process before the export (goal < 150 MB)`);
}

const engineArg = process.argv.find((a) => a.startsWith('--engine='))?.slice('--engine='.length);
if (engineArg) {
  const results = engineArg === 'pglite' ? await onPGlite() : await onPostgres();
  console.log(JSON.stringify(results));
} else {
  console.log(`Export of ${ROWS.toLocaleString('en')} sessions, ${FIELDS.length} fields, CSV\n`);
  console.log(['engine'.padEnd(10), 'what'.padEnd(22), 'rows'.padStart(7), 'MiB'.padStart(7), 's'.padStart(7), 'rows/s'.padStart(9), '1st row'.padStart(8), 'RSS MB'.padStart(8), '+MB'.padStart(7)].join('  '));
  const engines = ['pglite', ...(process.argv.includes('--no-postgres') ? [] : ['postgres'])];
  for (const engine of engines) {
    // A process per engine: its peak RSS is its own, and a PostgreSQL server that is not there fails only its line.
    try {
      const out = execFileSync(process.execPath, [...process.execArgv, process.argv[1], `--engine=${engine}`], {
        encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'inherit'], timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGKILL',
      });
      print(engine, JSON.parse(out.trim().split('\n').at(-1)!) as Measure[]);
    } catch (error) {
      const { status, signal } = error as { status?: number | null; signal?: string | null };
      const why = signal === 'SIGKILL' ? `no answer within ${CHILD_TIMEOUT_MS / 1000} s` : signal ? `killed by ${signal}` : `exit code ${status}`;
      console.log(`${engine.padEnd(10)}  failed (${why}): ${(error as Error).message.split('\n')[0]}`);
    }
  }
}
