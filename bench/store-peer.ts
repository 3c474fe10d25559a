/**
 * Emmett's shape and payload (../shared/peer-bench/emmett-store.mjs), appended by our PostgreSQL adapter: 2,000
 * single-event appends over 200 streams, then 200 appends of 100 events to new streams, each event
 * `MetricsRecorded { minute, values: { c2, b2, m2 } }`. Beside them, in the same run, the raw baselines: Emmett's own
 * (a multi-row INSERT of the same rows into a bare table, 100 a statement) and one row per INSERT for the singles.
 * Our appends keep every guarantee: each checks its expected version, extends the hash chain, seals each hash, takes
 * the append lock readers' ordering relies on, and wakes the other nodes. Emmett's peer bench passes no expected version.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ExpectedVersion, NewEvent } from '../src/store/event-store.js';
import { SqlEventStore } from '../src/store/sql-event-store.js';
import type { Sql } from '../src/store/sql.js';

const SINGLE_APPENDS = 2_000;
const SINGLE_STREAMS = 200;
const BATCHES = 200;
const BATCH = 100;

/** Emmett's bench event, with the id our store requires (Emmett makes a message id inside its append). */
function peerEvent(minute: number): NewEvent {
  return { id: randomUUID(), type: 'MetricsRecorded', data: { minute, values: { c2: 12.5, b2: 0, m2: 3 } } };
}

/** Emmett's baseline: a bare table, one multi-row INSERT a batch. */
async function rawInsert(sql: Sql, stream: string, events: readonly NewEvent[], firstVersion: number): Promise<void> {
  const params: unknown[] = [];
  const tuples = events.map((e, i) => {
    params.push(stream, firstVersion + i, e.type, JSON.stringify(e.data));
    const p = params.length;
    return `($${p - 3}, $${p - 2}, $${p - 1}, $${p}::text::jsonb)`;
  });
  await sql.query(`INSERT INTO peer_raw_events (stream, version, type, data) VALUES ${tuples.join(',')}`, params);
}

async function seconds(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

export interface PeerFigures {
  readonly singlePerS: number;
  readonly rawSinglePerS: number;
  readonly batchedPerS: number;
  readonly rawBatchedPerS: number;
}

/** Runs the peer shape on `sql` (a schema of its own: it creates `events` and `peer_raw_events` there). */
export async function benchPeer(sql: Sql): Promise<PeerFigures> {
  const store = await SqlEventStore.open(sql, { eventTypes: new Set(['MetricsRecorded']), sealKey: randomBytes(32) });
  await sql.exec(`CREATE TABLE IF NOT EXISTS peer_raw_events (
    pos bigserial PRIMARY KEY, stream text, version int, type text, data jsonb, UNIQUE (stream, version))`);
  const tag = randomUUID().slice(0, 8);
  // Warm-up as Emmett's: one append (plans, connection).
  await store.appendToStream(`warm-${tag}`, [peerEvent(0)], { expectedVersion: 'no_stream' });
  await rawInsert(sql, `warm-${tag}`, [peerEvent(0)], 0);

  const versions = new Map<string, number>();
  const single = await seconds(async () => {
    for (let i = 0; i < SINGLE_APPENDS; i++) {
      const stream = `single-${tag}-${i % SINGLE_STREAMS}`;
      const current = versions.get(stream);
      const expectedVersion: ExpectedVersion = current ?? 'no_stream';
      const result = await store.appendToStream(stream, [peerEvent(i)], { expectedVersion });
      versions.set(stream, result.nextExpectedVersion);
    }
  });
  const rawSingle = await seconds(async () => {
    for (let i = 0; i < SINGLE_APPENDS; i++) await rawInsert(sql, `single-${tag}-${i % SINGLE_STREAMS}`, [peerEvent(i)], Math.floor(i / SINGLE_STREAMS));
  });

  const batched = await seconds(async () => {
    for (let b = 0; b < BATCHES; b++) {
      const events = Array.from({ length: BATCH }, (_, i) => peerEvent(i));
      await store.appendToStream(`batch-${tag}-${b}`, events, { expectedVersion: 'no_stream' });
    }
  });
  const rawBatched = await seconds(async () => {
    for (let b = 0; b < BATCHES; b++) await rawInsert(sql, `batch-${tag}-${b}`, Array.from({ length: BATCH }, (_, i) => peerEvent(i)), 0);
  });
  await store.close();
  return {
    singlePerS: SINGLE_APPENDS / single,
    rawSinglePerS: SINGLE_APPENDS / rawSingle,
    batchedPerS: (BATCHES * BATCH) / batched,
    rawBatchedPerS: (BATCHES * BATCH) / rawBatched,
  };
}

/** The figures as lines, each rate beside its raw baseline and the ratio (ours ÷ raw). */
export function peerLines(f: PeerFigures): string[] {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  return [
    `peer shape (Emmett's payload, postgres): single ${n(f.singlePerS)} appends/s vs raw 1-row INSERT ${n(f.rawSinglePerS)}/s (${(f.singlePerS / f.rawSinglePerS).toFixed(2)} of raw)`,
    `peer shape (Emmett's payload, postgres): batched ${n(f.batchedPerS)} events/s vs raw 100-row INSERT ${n(f.rawBatchedPerS)}/s (${(f.batchedPerS / f.rawBatchedPerS).toFixed(2)} of raw)`,
    `peer json: ${JSON.stringify({ ours_single_per_s: Math.round(f.singlePerS), ours_batched_per_s: Math.round(f.batchedPerS), raw_insert_single_per_s: Math.round(f.rawSinglePerS), raw_insert_batched_per_s: Math.round(f.rawBatchedPerS) })}`,
  ];
}
