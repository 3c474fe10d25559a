/**
 * Event store throughput on PGlite (on disk) and on a PostgreSQL server, each next to a raw baseline: the same rows
 * inserted with plain multi-row INSERTs (same columns, same jsonb payload, same batch sizes, one transaction per
 * batch) into `raw_events`, a copy of the `events` table with its identity, defaults, constraints and indexes
 * (`LIKE events INCLUDING ALL`), so the ratio is the adapter's own overhead: head query, hashing, validation.
 *
 * Then, on PostgreSQL, the peer shape (bench/store-peer.ts): Emmett's payload and append pattern, to compare with
 * ../shared/peer-bench/emmett-store.mjs run on the same server.
 *
 *   npx tsx bench/store.ts          DATABASE_URL=postgres://… to choose the server (default: the test server)
 *   npx tsx bench/store.ts --peer   the peer shape alone
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import type { NewEvent } from '../src/store/event-store.js';
import { SqlEventStore } from '../src/store/sql-event-store.js';
import { openPGlite, openPostgres, type Sql } from '../src/store/sql.js';
import { benchPeer, peerLines } from './store-peer.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:54329/postgres';
const EVENT_TYPES: ReadonlySet<string> = new Set(['MetricsRecorded']);
const SINGLE_APPENDS = 2_000;
const BATCHED_TOTAL = 100_000;
const BATCH_SIZES = [100, 1_000] as const;
const READ_PAGE = 1_000;
const READ_BUDGET_S = 20;
const PLACEHOLDER_HASH = 'f'.repeat(64);

interface Row {
  engine: string;
  operation: string;
  batch: number;
  events: number;
  seconds: number;
  /** Mean latency of one call (ms), for single-event appends. */
  latencyMs?: number;
  /** Raw time ÷ … is computed against the matching raw row when printing. */
  baselineOf?: string;
}

/** A per-minute metrics sample, the most frequent event of a session (≈ 300 bytes of JSON). */
function makeEvent(session: number, minute: number): NewEvent {
  return {
    id: randomUUID(),
    type: 'MetricsRecorded',
    data: {
      sessionId: `session-${session}`,
      minute,
      metrics: { b1: 0.02, b2: 0, b3: 1, c1: 0.4, c2: 0, c3: 0, c4: 0.1, c5: 0, k1: 0, m1: 0.05, m2: 0, n1: 0, s1: 0.9, s2: 0 },
      note: 'ünïcødé ✓',
    },
    metadata: { actor: `participant-${session}`, commandId: randomUUID(), correlationId: `session-${session}` },
  };
}

const COLUMNS = 'stream_id, stream_version, event_id, type, data, metadata, recorded_at, prev_hash, hash';

/** One multi-row INSERT of `events` at versions `firstVersion`…: the baseline for the adapter's append. */
async function rawInsert(sql: Sql, streamId: string, firstVersion: number, events: readonly NewEvent[]): Promise<void> {
  const params: unknown[] = [];
  const tuples: string[] = [];
  const now = new Date().toISOString();
  for (const [i, e] of events.entries()) {
    const p = params.length;
    tuples.push(`($${p + 1}, $${p + 2}, $${p + 3}::uuid, $${p + 4}, $${p + 5}::jsonb, $${p + 6}::jsonb, $${p + 7}::timestamptz, $${p + 8}, $${p + 9})`);
    params.push(streamId, firstVersion + i, e.id, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata ?? {}), now, i === 0 ? null : PLACEHOLDER_HASH, PLACEHOLDER_HASH);
  }
  await sql.query(`INSERT INTO raw_events (${COLUMNS}) VALUES ${tuples.join(', ')}`, params);
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

async function benchEngine(engine: string, sql: Sql, notes: string[]): Promise<Row[]> {
  const store = await SqlEventStore.open(sql, { eventTypes: EVENT_TYPES });
  await sql.exec(`CREATE TABLE IF NOT EXISTS raw_events (LIKE events INCLUDING ALL)`);
  const rows: Row[] = [];
  const tag = randomUUID().slice(0, 8);
  let appended = 0;

  // Warm-up: plans, JIT, connections.
  for (let i = 0; i < 50; i++) {
    await store.appendToStream(`warm-${tag}-${i}`, [makeEvent(i, 0)], { expectedVersion: 'no_stream' });
    await rawInsert(sql, `warm-raw-${tag}-${i}`, 0, [makeEvent(i, 0)]);
  }

  // (a) single-event appends to one stream, each checking the expected version.
  {
    const events = Array.from({ length: SINGLE_APPENDS }, (_, i) => makeEvent(1, i));
    const stream = `single-${tag}`;
    const seconds = await timed(async () => {
      for (const [i, e] of events.entries()) await store.appendToStream(stream, [e], { expectedVersion: i === 0 ? 'no_stream' : i - 1 });
    });
    appended += SINGLE_APPENDS;
    rows.push({ engine, operation: 'append', batch: 1, events: SINGLE_APPENDS, seconds, latencyMs: (seconds * 1000) / SINGLE_APPENDS });
    const raw = Array.from({ length: SINGLE_APPENDS }, (_, i) => makeEvent(1, i));
    const rawSeconds = await timed(async () => {
      for (const [i, e] of raw.entries()) await rawInsert(sql, `single-raw-${tag}`, i, [e]);
    });
    rows.push({ engine, operation: 'raw INSERT', batch: 1, events: SINGLE_APPENDS, seconds: rawSeconds, latencyMs: (rawSeconds * 1000) / SINGLE_APPENDS, baselineOf: 'append' });
  }

  // (b) batched appends: every batch to a new stream (expected 'no_stream'), 100,000 events per batch size.
  for (const size of BATCH_SIZES) {
    const batches = BATCHED_TOTAL / size;
    const make = () => Array.from({ length: batches }, (_, b) => Array.from({ length: size }, (_, i) => makeEvent(b, i)));
    const events = make();
    const seconds = await timed(async () => {
      for (const [b, batch] of events.entries()) await store.appendToStream(`batch${size}-${tag}-${b}`, batch, { expectedVersion: 'no_stream' });
    });
    appended += BATCHED_TOTAL;
    rows.push({ engine, operation: 'append', batch: size, events: BATCHED_TOTAL, seconds });
    const raw = make();
    const rawSeconds = await timed(async () => {
      for (const [b, batch] of raw.entries()) await rawInsert(sql, `batch${size}-raw-${tag}-${b}`, 0, batch);
    });
    rows.push({ engine, operation: 'raw INSERT', batch: size, events: BATCHED_TOTAL, seconds: rawSeconds, baselineOf: 'append' });
  }

  // (c) read everything back in checkpoint order, a page at a time, checking the order as we go; the baseline pages
  // the raw table by position. The read stops after READ_BUDGET_S (reported) so a slow readAll cannot stall the run.
  {
    let events = 0;
    let outOfOrder = 0;
    let duplicates = 0;
    let complete = false;
    let lastCheckpoint: string | null = null;
    const seen = new Set<string>();
    const seconds = await timed(async () => {
      const start = performance.now();
      let after: string | null = null;
      let previous = '';
      for (;;) {
        const page = await store.readAll({ after, limit: READ_PAGE });
        if (page.length === 0) {
          complete = true;
          break;
        }
        for (const e of page) {
          if (e.checkpoint <= previous) outOfOrder += 1;
          previous = e.checkpoint;
          if (seen.has(e.id)) duplicates += 1;
          seen.add(e.id);
        }
        events += page.length;
        after = page[page.length - 1].checkpoint;
        lastCheckpoint = after;
        if (performance.now() - start > READ_BUDGET_S * 1000) break;
      }
    });
    rows.push({ engine, operation: 'readAll', batch: READ_PAGE, events, seconds });
    // Events a reader should have had by the last checkpoint it got (true order), against those it did get.
    const [xid, position] = (lastCheckpoint ?? '0:0').split(':').map((n) => BigInt(n).toString());
    const [{ n: due }] = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE (transaction_id, position) <= ($1::xid8, $2::bigint)`,
      [xid, position],
    );
    const distinct = events - duplicates;
    const stored = appended + 50;
    const extent = complete ? `read to the end: ${distinct} distinct of ${stored} stored events` : `stopped after ${READ_BUDGET_S} s at ${events} of ${stored} events`;
    notes.push(
      `${engine} readAll ${extent}; ${Math.max(0, due - distinct)} skipped before the last checkpoint read, ` +
        `${outOfOrder} delivered out of checkpoint order, ${duplicates} delivered twice`,
    );
    let rawEvents = 0;
    const rawSeconds = await timed(async () => {
      let after = 0;
      for (;;) {
        const page = await sql.query<{ position: string | number }>(
          `SELECT position, transaction_id::text AS transaction_id, ${COLUMNS} FROM raw_events WHERE position > $1 ORDER BY position LIMIT $2`,
          [after, READ_PAGE],
        );
        if (page.length === 0) break;
        rawEvents += page.length;
        after = Number(page[page.length - 1].position);
      }
    });
    rows.push({ engine, operation: 'raw SELECT', batch: READ_PAGE, events: rawEvents, seconds: rawSeconds, baselineOf: 'readAll' });
  }

  await store.close();
  return rows;
}

/** Counts the statements one append sends: each `Sql.query` is one extended-protocol exchange, one round trip. */
async function roundTripsPerAppend(url: string, schema: string): Promise<{ newStream: number; existingStream: number }> {
  const sql = await openPostgres(url, { schema });
  let calls = 0;
  const counting: Sql = new Proxy(sql, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'query' || property === 'exec' || property === 'transaction') {
        return (...args: unknown[]) => {
          calls += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
  const store = await SqlEventStore.open(counting, { eventTypes: EVENT_TYPES });
  const stream = `roundtrips-${randomUUID()}`;
  calls = 0;
  await store.appendToStream(stream, [makeEvent(0, 0)], { expectedVersion: 'no_stream' });
  const newStream = calls;
  calls = 0;
  await store.appendToStream(stream, [makeEvent(0, 1), makeEvent(0, 2)], { expectedVersion: 0 });
  const existingStream = calls;
  await store.close();
  await sql.close();
  return { newStream, existingStream };
}

function printTable(rows: Row[]): void {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const header = ['engine', 'operation', 'batch', 'events', 'events/s', 'mean ms/call', '× raw time'];
  const lines = rows.map((row) => {
    const raw = rows.find((r) => r.engine === row.engine && r.batch === row.batch && r.baselineOf === row.operation);
    const rate = row.events / row.seconds;
    const ratio = raw ? (raw.events / raw.seconds / rate).toFixed(2) : row.baselineOf ? '1 (baseline)' : '';
    return [row.engine, row.operation, fmt(row.batch), fmt(row.events), fmt(rate), row.latencyMs ? row.latencyMs.toFixed(3) : '', ratio];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(render(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(render(line));
}

async function serverReason(url: string): Promise<string | null> {
  const probe = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await probe`SELECT 1`;
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await probe.end({ timeout: 1 }).catch(() => {});
  }
}

/** The peer shape alone, in a schema of its own that is dropped afterwards. */
async function peerOnly(): Promise<void> {
  const schema = `bench_peer_${process.pid}_${Date.now().toString(36)}`;
  try {
    const sql = await openPostgres(DATABASE_URL, { schema });
    try {
      for (const line of peerLines(await benchPeer(sql))) console.log(line);
    } finally {
      await sql.close();
    }
  } finally {
    const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end({ timeout: 5 });
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--peer')) return peerOnly();
  const started = performance.now();
  const rows: Row[] = [];
  const notes: string[] = [];

  const dir = await mkdtemp(join(tmpdir(), 'bench-store-'));
  try {
    const sql = await openPGlite({ dataDir: dir });
    try {
      rows.push(...(await benchEngine('pglite (disk)', sql, notes)));
    } finally {
      await sql.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const safeUrl = DATABASE_URL.replace(/\/\/[^@/]*@/, '//…@');
  const unreachable = await serverReason(DATABASE_URL);
  if (unreachable) {
    notes.push(`postgres: skipped, ${safeUrl} is unreachable (${unreachable})`);
  } else {
    const schema = `bench_store_${process.pid}_${Date.now().toString(36)}`;
    try {
      const sql = await openPostgres(DATABASE_URL, { schema });
      try {
        rows.push(...(await benchEngine('postgres', sql, notes)));
      } finally {
        await sql.close();
      }
      const peerSql = await openPostgres(DATABASE_URL, { schema: `${schema}_peer` });
      try {
        notes.push(...peerLines(await benchPeer(peerSql)));
      } finally {
        await peerSql.close();
      }
      const trips = await roundTripsPerAppend(DATABASE_URL, schema);
      notes.push(`round trips per append: ${Math.max(trips.newStream, trips.existingStream)} (new stream ${trips.newStream}, existing stream ${trips.existingStream}; counted Sql calls on postgres)`);
    } finally {
      const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
      await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema}_peer CASCADE`);
      await admin.end({ timeout: 5 });
    }
  }

  printTable(rows);
  console.log('');
  for (const note of notes) console.log(note);
  console.log(`× raw time = store time ÷ raw time for the same events (target ≤ 1.5 for batched appends); total ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
