/**
 * The projection runner alone: `npx tsx bench/load/runner.ts [--sessions 300] [--minutes 6] [--page 1,10,100,1000]
 * [--database-url postgres://…]`. Stores what a busy exam hour looks like (per session and minute: metrics, two 10 s
 * recording segments, now and then a violation or a chat message), then folds it into every read model page by page
 * at each page size, on the PGlite thread (default) or a PostgreSQL server (a schema of its own, dropped afterwards),
 * and prints events/s, SQL statements and round trips (waits) per event, and this process's CPU per event. A page
 * is what the runner gets from the store's subscription: under load, every event that arrived while the last page
 * was being applied.
 */
import '../support/production-env.js';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { handleCommand } from '../../src/app/core/handle-command.js';
import type { Actor } from '../../src/domain/core/decider.js';
import { ALL_EVENT_TYPES } from '../../src/domain/event-types.js';
import { sessionDecider } from '../../src/domain/session/decide.js';
import type { SessionCommand } from '../../src/domain/session/commands.js';
import { sessionStreamId } from '../../src/domain/session/events.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import type { RecordedEvent } from '../../src/store/event-store.js';
import { openPGliteThread } from '../../src/store/pglite-thread.js';
import { SqlEventStore } from '../../src/store/sql-event-store.js';
import { openPostgres, type Sql } from '../../src/store/sql.js';
import { table } from '../support/stats.js';

const { values: flags } = parseArgs({
  options: {
    sessions: { type: 'string', default: '300' },
    minutes: { type: 'string', default: '6' },
    page: { type: 'string', default: '1,10,100,1000' },
    'database-url': { type: 'string' },
  },
});
const SESSIONS = Number(flags.sessions);
const MINUTES = Number(flags.minutes);
const PAGES = flags.page!.split(',').map(Number);

let statements = 0;
let waits = 0;
/** Counts every statement, and every time the caller waited for one (a statement sent while others are unanswered is pipelined). */
function counted(sql: Sql): Sql {
  let inFlight = 0;
  const wrap = (inner: Sql): Sql => {
    const outer = Object.create(inner) as Sql; // the driver's object stays as it is: the store shares it
    outer.query = ((text: string, params?: readonly unknown[]) => {
      statements += 1;
      if (inFlight++ === 0) waits += 1;
      return inner.query(text, params).finally(() => inFlight--);
    }) as Sql['query'];
    outer.transaction = ((fn: (tx: Sql) => Promise<unknown>) => inner.transaction((tx) => fn(wrap(tx)))) as Sql['transaction'];
    return outer;
  };
  return wrap(sql);
}

async function open(): Promise<{ sql: Sql; drop: () => Promise<void> }> {
  const url = flags['database-url'];
  if (!url) {
    const sql = await openPGliteThread();
    return { sql, drop: () => sql.close() };
  }
  const schema = `bench_runner_${randomUUID().slice(0, 8)}`;
  const sql = await openPostgres(url, { schema, max: 4 });
  return {
    sql,
    drop: async () => {
      await sql.exec(`DROP SCHEMA ${schema} CASCADE`);
      await sql.close();
    },
  };
}

async function main(): Promise<void> {
  const { sql, drop } = await open();
  try {
    const store = await SqlEventStore.open(sql, { eventTypes: ALL_EVENT_TYPES });
    const student: Actor = { id: 'student1', role: 'student' };
    let clock = Date.parse('2026-03-01T09:00:00.000Z');
    let n = 0;
    const run = (id: string, command: Omit<SessionCommand, 'metadata'>, actor: Actor = student) =>
      handleCommand(store, sessionDecider, sessionStreamId(id), { ...command, metadata: { now: new Date(clock), actor, commandId: `c-${++n}` } } as SessionCommand);
    const ids = Array.from({ length: SESSIONS }, (_, k) => `r-${k}`);
    for (const id of ids) {
      await run(id, { type: 'CreateSession', data: { sessionId: id, name: `Exam ${id}`, student: 'student1', proctor: 'proctor1', durationMinutes: 120, metrics: ['b2', 'c2', 'm2', 'n1'], weights: {}, tags: [] } }, { id: 'admin', role: 'admin' });
      await run(id, { type: 'CheckIn', data: { userAgent: 'Chromium 156', browserSupported: true } });
      await run(id, { type: 'StartSession', data: {} });
    }
    const opening = (await store.readAll({ limit: 1_000_000 })).length;
    for (let minute = 0; minute < MINUTES; minute++) {
      clock += 60_000;
      for (const [k, id] of ids.entries()) {
        await run(id, { type: 'RecordMetrics', data: { minute, values: { c2: (minute + k) % 7, b2: 0 } } });
        for (const seq of [2 * minute, 2 * minute + 1]) {
          await run(id, { type: 'StoreRecordingSegment', data: { track: 'camera', seq, start: new Date(clock), durationMs: 10_000, size: 500_000, sha256: 'ab'.repeat(32) } });
        }
        if ((minute * 7 + k) % 3 === 0) await run(id, { type: 'RecordViolation', data: { code: 'c2', detail: null } });
        if ((minute * 11 + k) % 10 === 0) await run(id, { type: 'SendMessage', data: { messageId: `m-${minute}`, text: 'Please look at the screen' } }, { id: 'proctor1', role: 'proctor' });
      }
    }
    const events = await store.readAll({ limit: 1_000_000 });
    const measured = events.slice(opening);
    const rows: string[][] = [];
    for (const page of PAGES) {
      const runner = new ProjectionRunner(store, counted(sql), ALL_PROJECTIONS, () => {});
      await runner.migrate();
      // Empty read models (as `rebuild` leaves them before it folds again), then the sessions' opening events folded
      // unmeasured: their rows exist, as on a live server.
      for (const table of ALL_PROJECTIONS.flatMap((p) => p.tables)) await sql.exec(`TRUNCATE ${table}`);
      await sql.query(`DELETE FROM projection_checkpoints`);
      const apply = (batch: readonly RecordedEvent[]) => (runner as unknown as { applyBatch(e: readonly RecordedEvent[]): Promise<void> }).applyBatch(batch);
      await apply(events.slice(0, opening));
      statements = 0;
      waits = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < measured.length; i += page) await apply(measured.slice(i, i + page));
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      rows.push([
        String(page), String(measured.length), (measured.length / (ms / 1000)).toFixed(0), (statements / measured.length).toFixed(2),
        (waits / measured.length).toFixed(2), ((cpu.user + cpu.system) / 1000 / measured.length).toFixed(3),
      ]);
    }
    console.log(`\nRunner: ${flags['database-url'] ? 'PostgreSQL' : 'PGlite thread'}; ${SESSIONS} sessions × ${MINUTES} minutes; ${measured.length} events folded per row`);
    console.log(table(['page', 'events', 'events/s', 'statements/event', 'waits/event', 'process CPU ms/event'], rows));
  } finally {
    await drop();
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
