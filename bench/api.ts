/**
 * API benchmark: `npm run bench:api` (= `npx tsx bench/api.ts`), over a fresh in-memory PGlite, about 1.5 minutes.
 *
 *  1. HTTP overhead: requests/s of one `sessions(first: 50)` list as an administrator through the real server
 *     (node:http + Apollo, keep-alive, 16 requests in flight), against graphql-js `execute()` of the same document on
 *     the same schema with the same context in process, which does the same SQL. The paths take turns in short
 *     rounds, so a neighbour's load on the machine hits them alike. Target: HTTP ≥ 50 % of bare.
 *  2. Fan-out: 1,000 graphql-ws sockets (sessionsChanged with 10 distinct searches shared by many sockets, each
 *     proctor's own list, and sessionActivity of single sessions) while session commands are appended in process,
 *     open loop: first a light calibration step (10 events/s, which also gives the server's CPU per event), then the
 *     target, 100 events/s (it stops issuing once the backlog passes 5 s or 3 s of commands). Latency from the append's commit to each
 *     message's arrival at its socket, messages delivered/s, the event loops' delay, utilisation and CPU,
 *     `subscriptions.stats()`, and the SQL statements each event costs. Target: p99 ≤ 50 ms.
 *
 * Threads. The server, its PGlite and the producer of events run in the main thread; every client (the HTTP load
 * and the 1,000 WebSockets) runs in a worker thread. That keeps the server's event loop as in production (commands
 * go through the same `Core` the resolvers use, PGlite included, and PGlite runs on the server's thread), while the
 * clients' parsing of tens of thousands of messages a second lands on the other core instead of inflating the delay
 * we measure. The worker stamps arrivals with `performance.timeOrigin + performance.now()`, comparable across
 * threads, and sends them back after the run, so the main thread does no bookkeeping per message while measuring.
 * Its sockets speak graphql-transport-ws by hand and stamp each message as its frame arrives, before decoding it:
 * with graphql-ws's own client (BENCH_CLIENT=graphql-ws) the one client thread needs ≈ 65 % of a core instead of
 * ≈ 52 % at 100 events/s, and its backlog (event-loop delay p99 ≈ 20 ms instead of ≈ 8 ms) is counted as the
 * server's latency.
 *
 * Runs with NODE_ENV=production unless told otherwise (as the Dockerfile does; see support/production-env.ts).
 * Knobs (environment): BENCH_SECONDS (10: each HTTP path), BENCH_FANOUT_SECONDS (10), BENCH_SOCKETS (1000),
 * BENCH_RATE (100 events/s), BENCH_SESSIONS (240), BENCH_CONCURRENCY (16), BENCH_PARTS (http,fanout),
 * BENCH_CLIENT (lean | graphql-ws).
 */
import './support/production-env.js'; // first: NODE_ENV before graphql-js loads
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { execute, parse, type ExecutionResult } from 'graphql';
import pino from 'pino';
import { hashPassword } from '../src/app/accounts/passwords.js';
import { TokenService } from '../src/api/auth/tokens.js';
import type { ApiContext } from '../src/api/context.js';
import { RateLimiter } from '../src/api/limits.js';
import { buildApiSchema } from '../src/api/schema.js';
import { startServer, type RunningServer } from '../src/api/server.js';
import { loadConfig, type Config } from '../src/config.js';
import { Core } from '../src/app/core/core.js';
import type { AccountRole } from '../src/domain/account/account.js';
import { SYSTEM_ACTOR, type Actor } from '../src/domain/core/decider.js';
import { ALL_EVENT_TYPES } from '../src/domain/event-types.js';
import { SignallingHub } from '../src/media/signalling.js';
import { sessionStreamId } from '../src/domain/session/events.js';
import type { MetricCode } from '../src/domain/session/metrics.js';
import { ALL_PROJECTIONS } from '../src/projections/index.js';
import { ProjectionRunner } from '../src/projections/runner.js';
import { getMonitorRow } from '../src/projections/monitor/queries.js';
import { compilePredicate, parseQuery } from '../src/projections/search/index.js';
import { SqlEventStore } from '../src/store/sql-event-store.js';
import { openPGlite, type Sql } from '../src/store/sql.js';
import type { HttpLoadInput, HttpLoadResult } from './support/http-load.js';
import { fmt, int, measureLoop, nextMessage, quantile, sleep, sortedCopy, table, tsWorker, wallMs, type LoopStats } from './support/stats.js';
import type { PlannedSocket, WsClientsInput, WsClientsReady, WsClientsReceipts } from './support/ws-clients.js';

const env = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}=${process.env[name]} is not a positive number`);
  return value;
};
/** Which parts to run: `http`, `fanout` or both (default), comma-separated. */
const PARTS = new Set((process.env.BENCH_PARTS ?? 'http,fanout').split(',').map((p) => p.trim()));
const HTTP_SECONDS = env('BENCH_SECONDS', 10);
const HTTP_ROUNDS = 3;
const HTTP_WARMUP_MS = 500;
const CONCURRENCY = env('BENCH_CONCURRENCY', 16);
const FANOUT_SECONDS = env('BENCH_FANOUT_SECONDS', 10);
const SOCKETS = env('BENCH_SOCKETS', 1000);
const RATE = env('BENCH_RATE', 100);
const CALIBRATION = { rate: 10, seconds: 6 };
/** The fan-out's subscribers: lean protocol clients (default) or graphql-ws's own client (see support/ws-clients.ts). */
const CLIENT = process.env.BENCH_CLIENT === 'graphql-ws' ? 'graphql-ws' : 'lean';
/**
 * A step stops issuing once its oldest unfinished command is this late, or once this many seconds' worth of commands
 * are in flight: past that it only measures a queue, and (PGlite answering as microtasks) the server thread would
 * work through the whole queue without returning to its event loop.
 */
const BACKLOG_LIMIT_MS = 5_000;
const MAX_IN_FLIGHT_S = 3;
/** Seconds of each step that are not measured: JIT and caches for the first, the first second of load for the next. */
const STEP_WARMUP_S = [2, 1];
const SESSIONS = Math.max(200, env('BENCH_SESSIONS', 240));
const PROCTORS = 10;
const PASSWORD = 'bench-password';
const METRICS: MetricCode[] = ['b2', 'c2', 'm2'];

const LIST = `{ sessions(first: 50) { totalCount edges { node { id name student proctor status score recentCodes } } } }`;
const CHANGED = `subscription($q: String) { sessionsChanged(query: $q) { event matches session { id version name student proctor status blocked score recentCodes } } }`;
const ACTIVITY = `subscription($id: ID!) { sessionActivity(id: $id) { sessionId seq type at actor data } }`;
/** Ten distinct monitor searches; each is shared by many sockets (null: the unfiltered list). */
const SEARCHES: Array<string | null> = [
  null, 'status=in_progress', 'tags=math', 'proctor=proctor3', 'score<50', 'blocked=true', 'student=student1,student2,student3',
  'averages.b2>10', 'tags=remote & status=in_progress', 'duration>=60',
];

const sessionId = (i: number) => `bench-${String(i).padStart(4, '0')}`;
const proctorOf = (i: number) => `proctor${(i % PROCTORS) + 1}`;
const studentOf = (i: number) => `student${i}`;
const TAGS = ['math', 'physics', 'history', 'biology', 'law', 'art'];

// ------------------------------------------------------------------------------------------------------ the system

/** Which fan-out step issued an event, and whether it falls in the step's measured window (after its warm-up). */
interface Tag {
  readonly step: number;
  readonly measured: boolean;
}
/**
 * Each produced event by `session-<id>#<version>`: when the open loop scheduled its command (the start of the
 * latency as a user sees it, even if the busy server issued it late) and when its append committed.
 */
const appends = new Map<string, { scheduled: number; committed: number; tag: Tag }>();
/** The producer's commands per stream not yet appended, oldest first (a stream's appends commit in order). */
const issuing = new Map<string, Array<{ scheduled: number; tag: Tag }>>();
const statements = new Map<string, number>();
/** When the runner handed each event (by `stream#version`) to the subscriptions: commit → here is the projection's part. */
const applied = new Map<string, number>();
/** Measured windows in which the server thread waited for a core a lot (other processes on the machine). */
const contended: string[] = [];
function noteContention(what: string, loop: LoopStats | null): void {
  if (loop && Number.isFinite(loop.cpuMs) && loop.activeMs > 200 && loop.cpuMs < 0.75 * loop.activeMs) {
    contended.push(`${what}: the server thread ran ${fmt((100 * loop.cpuMs) / loop.activeMs, 0)} % of its busy time`);
  }
}
let countingStatements = false;

/**
 * Counts statements by their first words while `countingStatements` (a Map increment next to a PGlite round trip),
 * including those run inside transactions (the projections').
 */
function countStatements(sql: Sql): Sql {
  const query = sql.query.bind(sql);
  sql.query = ((text: string, params?: readonly unknown[]) => {
    if (countingStatements) {
      const key = text.replace(/\s+/g, ' ').trim().slice(0, 60);
      statements.set(key, (statements.get(key) ?? 0) + 1);
    }
    return query(text, params);
  }) as Sql['query'];
  const transaction = sql.transaction.bind(sql);
  sql.transaction = ((fn: (tx: Sql) => Promise<unknown>) => transaction((tx) => fn(countStatements(tx)))) as Sql['transaction'];
  return sql;
}

async function openSystem(dataDir: string) {
  const db = countStatements(await openPGlite()); // in memory
  const store = await SqlEventStore.open(db, { eventTypes: ALL_EVENT_TYPES });
  // Stamp the producer's events when their append has committed (the INSERT returned): where the latency starts.
  const append = store.appendToStream.bind(store);
  store.appendToStream = async (streamId, events, options) => {
    const result = await append(streamId, events, options);
    const pending = result.idempotent ? undefined : issuing.get(streamId)?.shift();
    if (pending) {
      const committed = wallMs();
      for (let v = result.nextExpectedVersion - events.length + 1; v <= result.nextExpectedVersion; v++) {
        appends.set(`${streamId}#${v}`, { scheduled: pending.scheduled, committed, tag: pending.tag });
      }
    }
    return result;
  };
  const runner = new ProjectionRunner(store, db, ALL_PROJECTIONS);
  // Registered before the server's subscription groups: stamps when each batch is handed to subscribers.
  runner.onApplied((batch) => {
    const at = wallMs();
    for (const e of batch.events) applied.set(`${e.streamId}#${e.streamVersion}`, at);
  });
  await runner.start();
  const core = new Core(store, db, runner);
  // The server's own defaults for everything not pinned here, so new settings need no change in the benchmark.
  const config: Config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', STORE: 'pglite', DATA_DIR: dataDir, JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0001',
    NODE_ENV: 'production', LOG_LEVEL: 'silent', MASTER_KEY: Buffer.alloc(32, 3).toString('base64'),
  });
  return { core, config };
}

async function seed(core: Core): Promise<void> {
  const passwordHash = await hashPassword(PASSWORD);
  const accounts: Array<[string, AccountRole]> = [['admin', 'admin'], ['auditor1', 'auditor']];
  for (let p = 1; p <= PROCTORS; p++) accounts.push([`proctor${p}`, 'proctor']);
  for (const [username, role] of accounts) await core.account(username, 'RegisterAccount', { username, role, passwordHash }, SYSTEM_ACTOR);
  const admin: Actor = { id: 'admin', role: 'admin' };
  const start = Date.now() - 30 * 60_000;
  const one = async (i: number) => {
    const id = sessionId(i);
    const student: Actor = { id: studentOf(i), role: 'student' };
    await core.session(id, 'CreateSession', {
      sessionId: id, name: `${TAGS[i % TAGS.length]} exam ${i}`, student: student.id, studentName: `Student ${i}`, proctor: proctorOf(i),
      durationMinutes: 600, scheduledAt: new Date(start + i * 1000), metrics: METRICS, url: 'https://lms.example/quiz', template: 'bench',
      tags: [TAGS[i % TAGS.length], i % 2 ? 'remote' : 'onsite'],
    }, admin, { now: new Date(start - 60_000) }); // created before its start: a start in the past is refused
    await core.session(id, 'CheckIn', { userAgent: 'bench', browserSupported: true }, student);
    await core.session(id, 'StartSession', {}, student);
  };
  for (let i = 0; i < SESSIONS; i += 8) await Promise.all(Array.from({ length: Math.min(8, SESSIONS - i) }, (_, k) => one(i + k)));
}

async function login(server: RunningServer, username: string): Promise<string> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`, variables: { u: username, p: PASSWORD } }),
  });
  const body = (await res.json()) as { data?: { login?: { token: string } }; errors?: unknown };
  if (!body.data?.login) throw new Error(`login ${username} failed: ${JSON.stringify(body.errors)}`);
  return body.data.login.token;
}

const loopRow = (name: string, s: Partial<LoopStats>) => [
  name, fmt(s.p50 ?? NaN), fmt(s.p99 ?? NaN), fmt(s.max ?? NaN), `${fmt(100 * (s.utilization ?? NaN), 0)} %`,
  `${fmt((100 * (s.cpuMs ?? NaN)) / (s.wallMs ?? NaN), 0)} %`,
];

// ----------------------------------------------------------------------------------------------- 1. HTTP overhead

interface Run {
  requests: number;
  seconds: number;
  latencies: number[];
}

/** Closed loop in process: `CONCURRENCY` callers, each running `fn` again as soon as it resolves. */
async function inProcess(fn: () => Promise<void>, warmupMs: number, durationMs: number): Promise<HttpLoadResult> {
  const measureFrom = performance.now() + warmupMs;
  const end = measureFrom + durationMs;
  const latencies: number[] = [];
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await fn();
      const t1 = performance.now();
      if (t1 >= measureFrom && t1 <= end) latencies.push(t1 - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  return { type: 'done', requests: latencies.length, failures: 0, firstFailure: null, seconds: durationMs / 1000, latencies: Float64Array.from(latencies) };
}

async function httpOverhead(core: Core, config: Config, server: RunningServer, token: string): Promise<void> {
  const schema = await buildApiSchema(); // the server's own instance (built once per process)
  const tokens = new TokenService(config.jwtSecret);
  const contextValue: ApiContext = {
    core, config, tokens, loginLimiter: new RateLimiter(10, 60_000), failedLogins: new RateLimiter(50, 600_000), actor: await tokens.verify(token), ip: '127.0.0.1',
    media: { signals: new SignallingHub() },
  };
  const document = parse(LIST);
  const check = (result: ExecutionResult) => {
    if (result.errors?.length) throw new Error(`the list failed: ${JSON.stringify(result.errors)}`);
    const list = (result.data as { sessions: { totalCount: number; edges: unknown[] } }).sessions;
    if (list.totalCount < 200 || list.edges.length !== 50) throw new Error(`the list has ${list.totalCount} sessions, ${list.edges.length} on the page`);
  };
  check(await execute({ schema, document, contextValue }));

  const bare = async () => {
    const result = await execute({ schema, document, contextValue });
    if (result.errors) check(result);
  };
  // What the server adds per request besides Apollo and HTTP: the token check reads the account's stream.
  const authed = async () => {
    const actor = await tokens.verify(token);
    await core.loadAccount(actor.id);
    const result = await execute({ schema, document, contextValue: { ...contextValue, actor } });
    if (result.errors) check(result);
  };
  const worker = tsWorker(new URL('./support/http-load.ts', import.meta.url), {
    url: `${server.url}/graphql`, token, body: JSON.stringify({ query: LIST }), concurrency: CONCURRENCY,
  } satisfies HttpLoadInput);
  const overHttp = async (warmupMs: number, durationMs: number) => {
    const reply = nextMessage<HttpLoadResult>(worker, (m) => m.type === 'done');
    worker.postMessage({ type: 'run', warmupMs, durationMs });
    const result = await reply;
    if (result.failures || result.firstFailure) throw new Error(`${result.failures} HTTP requests failed: ${result.firstFailure}`);
    if (result.requests === 0 && durationMs > HTTP_WARMUP_MS) throw new Error(`no HTTP request completed in ${durationMs} ms`);
    return result;
  };

  const paths: Array<{ name: string; run: (warmupMs: number, durationMs: number) => Promise<HttpLoadResult>; total: Run; loops: LoopStats[]; rates: number[] }> = [
    { name: 'bare graphql-js execute(), same schema and context', run: (w, d) => inProcess(bare, w, d), total: { requests: 0, seconds: 0, latencies: [] }, loops: [], rates: [] },
    { name: '  + per-request token check (JWT verify + loadAccount)', run: (w, d) => inProcess(authed, w, d), total: { requests: 0, seconds: 0, latencies: [] }, loops: [], rates: [] },
    { name: 'HTTP: node:http + Apollo, keep-alive (client in a worker)', run: overHttp, total: { requests: 0, seconds: 0, latencies: [] }, loops: [], rates: [] },
  ];
  await overHttp(0, HTTP_WARMUP_MS); // the first connections and requests
  for (let round = 0; round < HTTP_ROUNDS; round++) {
    for (const path of paths) {
      await path.run(0, HTTP_WARMUP_MS); // not counted: the other path's tail, caches, connections
      const loop = measureLoop();
      const r = await path.run(0, (HTTP_SECONDS * 1000) / HTTP_ROUNDS);
      const stats = loop.stop();
      path.loops.push(stats);
      noteContention(`HTTP, ${path.name.trim()}, round ${round + 1}`, stats);
      path.rates.push(r.requests / r.seconds);
      path.total.requests += r.requests;
      path.total.seconds += r.seconds;
      path.total.latencies.push(...r.latencies);
    }
  }
  worker.postMessage({ type: 'close' });

  console.log(`\n1. HTTP overhead: sessions(first: 50) list as admin over ${SESSIONS} sessions, ${CONCURRENCY} in flight, ` +
    `${HTTP_SECONDS} s per path in ${HTTP_ROUNDS} interleaved rounds`);
  console.log(`   (target: HTTP ≥ 50 % of bare execute(); PGlite runs on the server's thread, so the SQL is in every row)\n`);
  const bareRate = paths[0].total.requests / paths[0].total.seconds;
  const httpRate = paths[2].total.requests / paths[2].total.seconds;
  const cpuPerRequest = paths.map(({ total, loops }) => loops.reduce((a, l) => a + l.cpuMs, 0) / total.requests);
  console.log(table(['path', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'of bare', 'cpu ms/req', 'of bare', 'loop p99 ms', 'busy', 'cpu'], paths.map(({ name, total, loops }, i) => {
    const sorted = sortedCopy(total.latencies);
    const rate = total.requests / total.seconds;
    const worst = Math.max(...loops.map((l) => l.p99));
    const wall = loops.reduce((a, l) => a + l.wallMs, 0);
    const busy = loops.reduce((a, l) => a + l.activeMs, 0) / wall;
    const cpu = loops.reduce((a, l) => a + l.cpuMs, 0) / wall;
    return [
      name, int(total.requests), int(rate), fmt(quantile(sorted, 0.5), 2), fmt(quantile(sorted, 0.99), 2), `${fmt((100 * rate) / bareRate, 0)} %`,
      fmt(cpuPerRequest[i], 2), `${fmt((100 * cpuPerRequest[0]) / cpuPerRequest[i], 0)} %`, fmt(worst), `${fmt(100 * busy, 0)} %`, `${fmt(100 * cpu, 0)} %`,
    ];
  })));
  const ratio = httpRate / bareRate;
  const cpuRatio = cpuPerRequest[0] / cpuPerRequest[2];
  console.log(`\n   HTTP / bare = ${fmt(100 * ratio, 0)} % in requests/s (target ≥ 50 %: ${ratio >= 0.5 ? 'met' : 'MISSED'}; by round ` +
    `${paths[2].rates.map((r, i) => `${fmt((100 * r) / paths[0].rates[i], 0)} %`).join(', ')}), ${fmt(100 * cpuRatio, 0)} % in server CPU per request ` +
    `(${cpuRatio >= 0.5 ? 'met' : 'MISSED'}; what the rate would be with the core to itself).`);
  console.log(`   Server thread: CPU time per request (/proc/thread-self: unaffected by other processes on the machine), event-loop`);
  console.log(`   delay (worst round's p99; – = the loop never reached its timers: in-process PGlite answers as microtasks), busy`);
  console.log(`   share (eventLoopUtilization) and CPU share; busy minus CPU is time the thread waited for a core.`);
}

// ------------------------------------------------------------------------------------------------------ 2. Fan-out

interface SocketPlan extends PlannedSocket {
  /** Who receives what: every session (admin scope), one proctor's sessions, or one session's activity. */
  readonly audience: { all: true } | { proctor: string } | { session: number };
  readonly label: string;
}

/** 60 % shared monitor searches (admin and auditor share the 'all' scope), 20 % proctors' own lists, 20 % sessionActivity. */
function planSockets(tokens: Map<string, string>): SocketPlan[] {
  const plan: SocketPlan[] = [];
  const shared = Math.round(SOCKETS * 0.6);
  const proctors = Math.round(SOCKETS * 0.2);
  const activity = SOCKETS - shared - proctors;
  for (let k = 0; k < shared; k++) {
    const q = SEARCHES[k % SEARCHES.length];
    // Each search has administrators and auditors among its sockets: both read everything, so they share a group.
    plan.push({ token: tokens.get(Math.floor(k / SEARCHES.length) % 2 ? 'auditor1' : 'admin')!, query: CHANGED, variables: { q }, kind: 'changed', audience: { all: true }, label: 'sessionsChanged, 10 searches, admin+auditor' });
  }
  for (let k = 0; k < proctors; k++) {
    const proctor = `proctor${(k % PROCTORS) + 1}`;
    plan.push({ token: tokens.get(proctor)!, query: CHANGED, variables: { q: null }, kind: 'changed', audience: { proctor }, label: 'sessionsChanged, 10 proctors\' own lists' });
  }
  // Four watchers per watched session: three administrators, and the session's proctor.
  for (let k = 0; k < activity; k++) {
    const s = Math.floor(k / 4) % SESSIONS;
    const token = k % 4 === 3 ? tokens.get(proctorOf(s))! : tokens.get('admin')!;
    plan.push({ token, query: ACTIVITY, variables: { id: sessionId(s) }, kind: 'activity', audience: { session: s }, label: 'sessionActivity(id), 4 per session' });
  }
  return plan;
}

let produced = 0;
const minutes: number[] = [];

/** The next session command of the open-loop producer: violations, chat and per-minute metrics, round-robin over sessions. */
function command(core: Core, scheduled: number, tag: Tag): Promise<unknown> {
  const n = produced++;
  const s = n % SESSIONS;
  const id = sessionId(s);
  const student: Actor = { id: studentOf(s), role: 'student' };
  const stream = sessionStreamId(id);
  if (!issuing.has(stream)) issuing.set(stream, []);
  const pending = { scheduled, tag };
  issuing.get(stream)!.push(pending);
  const run = () => {
    switch (n % 10) {
      case 0: case 1: case 2: case 3:
        return core.session(id, 'RecordViolation', { code: METRICS[n % METRICS.length], detail: 'bench' }, student);
      case 4: case 5: case 6:
        return core.session(id, 'SendMessage', { messageId: `bench-${n}`, text: `message ${n}` }, { id: proctorOf(s), role: 'proctor' });
      default:
        minutes[s] = (minutes[s] ?? -1) + 1;
        return core.session(id, 'RecordMetrics', { minute: minutes[s], values: { b2: n % 30, c2: 0, m2: 5 } }, student);
    }
  };
  return run().catch((error: unknown) => {
    const queue = issuing.get(stream)!; // nothing was appended: do not let a later append take this one's times
    if (queue.includes(pending)) queue.splice(queue.indexOf(pending), 1);
    throw error;
  });
}

interface Step {
  readonly name: string;
  readonly rate: number;
  readonly seconds: number;
  issued: number;
  failed: number;
  firstFailure: unknown;
  server: LoopStats | null;
  clients: Partial<LoopStats>;
  drainSeconds: number;
  stopped: string | null;
}

/** Receipts so far, once they stop growing for a second (at most `limitMs`). Returns how long that took. */
async function drain(worker: Worker, limitMs: number): Promise<number> {
  const start = performance.now();
  let last = -1;
  let stableSince = performance.now();
  for (;;) {
    const reply = nextMessage<{ count: number }>(worker, (m) => m.type === 'count');
    worker.postMessage({ type: 'count' });
    const { count } = await reply;
    if (count !== last) {
      last = count;
      stableSince = performance.now();
    } else if (performance.now() - stableSince >= 1000) break;
    if (performance.now() - start > limitMs) break;
    await sleep(100);
  }
  return Math.max(0, performance.now() - start - 1000) / 1000;
}

/**
 * Open loop: command k is due at t0 + k/rate whatever the server's pace, and its latency counts from then, so a server
 * too busy to let the producer run on time shows up as latency (no coordinated omission). The first STEP_WARMUP_S
 * seconds of the step are not measured; statements are counted when `countSql`. Stops early once the backlog passes
 * BACKLOG_LIMIT_MS, which bounds the run when the server cannot keep up.
 */
async function runStep(core: Core, worker: Worker, index: number, step: Step, countSql: boolean): Promise<void> {
  const inFlight = new Map<Promise<unknown>, number>();
  const warmupEvents = STEP_WARMUP_S[index] * step.rate;
  const events = (STEP_WARMUP_S[index] + step.seconds) * step.rate;
  let loop: ReturnType<typeof measureLoop> | null = null;
  let k = 0;
  const t0 = performance.now();
  const wall0 = wallMs();
  const scheduledAt = (i: number) => wall0 + (i * 1000) / step.rate;
  while (k < events) {
    const now = wallMs();
    let oldest = Infinity;
    for (const scheduled of inFlight.values()) oldest = Math.min(oldest, scheduled);
    if (now - Math.min(oldest, scheduledAt(k)) > BACKLOG_LIMIT_MS) {
      step.stopped = `stopped issuing after ${k - Math.min(k, warmupEvents)} measured events: a command was ${fmt((now - Math.min(oldest, scheduledAt(k))) / 1000, 0)} s late`;
      break;
    }
    const due = Math.min(events, Math.floor(((performance.now() - t0) / 1000) * step.rate) + 1);
    if (due > k && inFlight.size >= step.rate * MAX_IN_FLIGHT_S) {
      step.stopped = `stopped issuing after ${k - Math.min(k, warmupEvents)} measured events: ${inFlight.size} commands in flight`;
      break;
    }
    while (k < due && inFlight.size < step.rate * MAX_IN_FLIGHT_S) {
      const measured = k >= warmupEvents;
      if (measured && !loop) {
        loop = measureLoop();
        worker.postMessage({ type: 'measure' });
        countingStatements = countSql;
      }
      const scheduled = scheduledAt(k);
      const p = command(core, scheduled, { step: index, measured }).catch((error) => {
        step.failed += 1;
        step.firstFailure ??= error;
      });
      if (measured) step.issued += 1;
      k += 1;
      inFlight.set(p, scheduled);
      void p.finally(() => inFlight.delete(p));
    }
    await sleep(2);
  }
  loop ??= measureLoop();
  await Promise.all(inFlight.keys());
  await sleep(25); // one more tick of the delay histogram: a loop blocked until now records the block
  loop.delay();
  countingStatements = false;
  step.drainSeconds = await drain(worker, 60_000);
  step.server = loop.stop(); // CPU and busy time over the step and its drain: all the work the step's events caused
  noteContention(`fan-out, ${step.name} step`, step.server);
  const reply = nextMessage<LoopStats>(worker, (m) => m.type === 'loop');
  worker.postMessage({ type: 'loop' });
  step.clients = await reply;
}

async function fanOut(core: Core, server: RunningServer, tokens: Map<string, string>): Promise<void> {
  const plan = planSockets(tokens);
  const sessions = Array.from({ length: SESSIONS }, (_, i) => sessionId(i));
  const connectStart = performance.now();
  const worker = tsWorker(new URL('./support/ws-clients.ts', import.meta.url), {
    url: `${server.url.replace('http', 'ws')}/graphql`,
    sessions,
    sockets: plan.map(({ token, query, variables, kind }) => ({ token, query, variables, kind })),
    connectConcurrency: 50,
    client: CLIENT,
    // ≈ one receipt per socket that may read a session, per event: every shared socket, a proctor's, an activity's.
    expectedReceipts: Math.ceil(((STEP_WARMUP_S[0] + CALIBRATION.seconds) * CALIBRATION.rate + (STEP_WARMUP_S[1] + FANOUT_SECONDS) * RATE) * (SOCKETS * 0.62 + 4)),
  } satisfies WsClientsInput);
  const ready = await nextMessage<WsClientsReady>(worker, (m) => m.type === 'ready');
  if (ready.failed) throw new Error(`${ready.failed} of ${plan.length} sockets failed to connect: ${ready.firstError}`);
  const joinDeadline = Date.now() + 30_000;
  while (server.subscriptions.stats().members < plan.length) {
    if (Date.now() > joinDeadline) throw new Error(`only ${server.subscriptions.stats().members} of ${plan.length} subscriptions joined`);
    await sleep(50);
  }
  const connectSeconds = (performance.now() - connectStart) / 1000;
  const atStart = server.subscriptions.stats();

  const steps: Step[] = [
    { name: 'calibration', ...CALIBRATION, issued: 0, failed: 0, firstFailure: null, server: null, clients: {}, drainSeconds: 0, stopped: null },
    { name: 'target', rate: RATE, seconds: FANOUT_SECONDS, issued: 0, failed: 0, firstFailure: null, server: null, clients: {}, drainSeconds: 0, stopped: null },
  ];
  for (const [i, step] of steps.entries()) await runStep(core, worker, i, step, i === 0);
  const atEnd = server.subscriptions.stats();

  const receiptsReply = nextMessage<WsClientsReceipts>(worker, (m) => m.type === 'receipts');
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.postMessage({ type: 'stop' });
  const receipts = await receiptsReply;
  await exited;

  // Join arrivals with commit times, per step and per kind of subscriber.
  const streams = sessions.map((id) => sessionStreamId(id));
  const labels = [...new Set(plan.map((p) => p.label))];
  type Bucket = { fromCommit: number[]; fromSchedule: number[]; toApplied: number[]; fromApplied: number[]; firstCommit: number; lastArrival: number };
  const bucket = (): Bucket => ({ fromCommit: [], fromSchedule: [], toApplied: [], fromApplied: [], firstCommit: Infinity, lastArrival: 0 });
  const perStep = steps.map(() => ({ all: bucket(), byLabel: new Map(labels.map((l) => [l, bucket()])) }));
  let unmatched = 0;
  for (let i = 0; i < receipts.count; i++) {
    const record = appends.get(`${streams[receipts.session[i]]}#${receipts.version[i]}`);
    if (!record) {
      unmatched += 1;
      continue;
    }
    if (!record.tag.measured) continue;
    const t = receipts.at[i];
    const s = perStep[record.tag.step];
    const handed = applied.get(`${streams[receipts.session[i]]}#${receipts.version[i]}`) ?? NaN;
    for (const b of [s.all, s.byLabel.get(plan[receipts.socket[i]].label)!]) {
      b.fromCommit.push(t - record.committed);
      b.toApplied.push(handed - record.committed);
      b.fromApplied.push(t - handed);
      b.fromSchedule.push(t - record.scheduled);
      b.firstCommit = Math.min(b.firstCommit, record.committed);
      b.lastArrival = Math.max(b.lastArrival, t);
    }
  }
  // Every socket that may read a session may hear of each event of it: that is the readable count. A change that does
  // not match a socket's search is sent once (the list drops the session), not again while it still does not match. A
  // change read late (the server lags) carries the row as it is by then, so under backlog one version can arrive twice
  // and an older one never: the check that matters is the lists the sockets end with (below).
  const audienceOf = (p: SocketPlan, s: number) =>
    'all' in p.audience || ('proctor' in p.audience && p.audience.proctor === proctorOf(s)) || ('session' in p.audience && p.audience.session === s);
  const owedPerSession = new Map(sessions.map((id, s) => [sessionStreamId(id), plan.filter((p) => audienceOf(p, s)).length]));
  const events = steps.map(() => ({ count: 0, owed: 0, firstScheduled: Infinity }));
  const finalVersion = new Int32Array(SESSIONS).fill(-1);
  const streamIndex = new Map(streams.map((stream, s) => [stream, s]));
  for (const [key, record] of appends) {
    const stream = key.slice(0, key.lastIndexOf('#'));
    const s = streamIndex.get(stream)!;
    finalVersion[s] = Math.max(finalVersion[s], Number(key.slice(key.lastIndexOf('#') + 1)));
    if (!record.tag.measured) continue;
    const e = events[record.tag.step];
    e.count += 1;
    e.owed += owedPerSession.get(stream)!;
    e.firstScheduled = Math.min(e.firstScheduled, record.scheduled);
  }
  const lastSeen = new Int32Array(plan.length * SESSIONS).fill(-1);
  const lastMatch = new Int8Array(plan.length * SESSIONS).fill(-2);
  for (let i = 0; i < receipts.count; i++) {
    const cell = receipts.socket[i] * SESSIONS + receipts.session[i];
    if (receipts.version[i] >= lastSeen[cell]) {
      lastSeen[cell] = receipts.version[i];
      lastMatch[cell] = receipts.matches[i];
    }
  }
  // What each socket should end with: a search's list holds, at its last version, every session it may read that
  // matches now, and no other (dropped, or never listed); an activity socket has the session's last event.
  const finalRows = await Promise.all(sessions.map((id) => getMonitorRow(core.db, id)));
  const predicates = new Map<string, (row: NonNullable<(typeof finalRows)[number]>) => boolean>();
  const listed = (p: SocketPlan, s: number) => {
    const q = p.kind === 'changed' ? (p.variables.q as string | null) : null;
    if (!q) return true;
    if (!predicates.has(q)) predicates.set(q, compilePredicate(parseQuery(q)));
    return predicates.get(q)!(finalRows[s]!);
  };
  let wrong = 0;
  let pairs = 0;
  let listedPairs = 0;
  for (const [k, p] of plan.entries()) {
    for (let s = 0; s < SESSIONS; s++) {
      if (finalVersion[s] < 0 || !audienceOf(p, s)) continue;
      pairs += 1;
      const cell = k * SESSIONS + s;
      if (listed(p, s)) {
        listedPairs += 1;
        if (lastSeen[cell] < finalVersion[s] || lastMatch[cell] === 0) wrong += 1;
      } else if (lastMatch[cell] === 1) wrong += 1;
    }
  }

  console.log(`\n2. Fan-out: ${int(plan.length)} graphql-ws sockets (connected and subscribed in ${fmt(connectSeconds)} s), session commands appended ` +
    `in process, open loop, ${SESSIONS} live sessions, warm-up ${STEP_WARMUP_S.join(' s and ')} s`);
  console.log(`   latency = arrival at the socket − commit of the append (target: p99 ≤ 50 ms at 100 events/s and 1,000 sockets);`);
  console.log(`   the server (HTTP, graphql-ws, PGlite, the producer) is alone on the main thread; the clients run in a worker thread ` +
    `(${CLIENT === 'lean' ? 'lean graphql-transport-ws clients, stamping each frame on arrival' : 'graphql-ws clients, stamping each message once parsed'})\n`);
  console.log(table(
    ['step', 'offered', 'events', 'done/s', 'messages', 'msgs/s', 'per event', 'p50 ms', 'p99 ms', 'max ms', 'sched p50', 'sched p99'],
    steps.map((step, i) => {
      const { all } = perStep[i];
      const e = events[i];
      const c = sortedCopy(all.fromCommit);
      const fromSchedule = sortedCopy(all.fromSchedule);
      const span = e.count ? (all.lastArrival - e.firstScheduled) / 1000 : NaN;
      return [
        `${step.name}, ${step.seconds} s`, `${step.rate}/s`, int(e.count), fmt(e.count / span, 0), int(c.length), int(c.length / span),
        fmt(c.length / Math.max(1, e.count), 0), fmt(quantile(c, 0.5)), fmt(quantile(c, 0.99)), fmt(c[c.length - 1] ?? NaN),
        fmt(quantile(fromSchedule, 0.5)), fmt(quantile(fromSchedule, 0.99)),
      ];
    }),
  ));
  const target = perStep[1];
  const p99 = quantile(sortedCopy(target.all.fromCommit), 0.99);
  console.log(`\n   p99 at ${RATE} events/s: ${fmt(p99)} ms (target ≤ 50 ms: ${p99 <= 50 ? 'met' : 'MISSED'}).`);
  const part = (values: number[]) => {
    const sorted = sortedCopy(values);
    return `p50 ${fmt(quantile(sorted, 0.5))}, p99 ${fmt(quantile(sorted, 0.99))} ms`;
  };
  console.log(`   Of it: commit → batch applied and handed to the subscriptions ${part(target.all.toApplied)}; handed → arrival at the ` +
    `socket (shared execution, sends, the client thread) ${part(target.all.fromApplied)}.`);
  console.log(`   done/s and msgs/s: events and messages over the time from the first command's schedule to the last arrival;`);
  console.log(`   sched: latency from when the open loop scheduled the command (adds the wait for a busy thread to run the producer,`);
  console.log(`   the append and the projection). Final state: ${int(pairs - wrong)} of ${int(pairs)} (socket, session) pairs ` +
    `right (${int(listedPairs)} listed at the session's last version, the rest dropped or never listed)${wrong ? ` — ${int(wrong)} WRONG` : ''}; ` +
    `${int(events.reduce((a, e) => a + e.owed, 0))} changes readable by a socket, ${int(perStep.reduce((a, s) => a + s.all.fromCommit.length, 0))} sent ` +
    `(a change that still does not match a socket's search is not repeated).`);
  for (const [i, step] of steps.entries()) {
    if (step.stopped) console.log(`   ${step.name}: ${step.stopped}`);
    if (step.failed || step.issued !== events[i].count) {
      console.log(`   ${step.name}: ${step.issued} issued, ${events[i].count} appended, ${step.failed} failed${step.firstFailure ? `: ${String(step.firstFailure)}` : ''}`);
    }
  }
  if (unmatched || receipts.errors) console.log(`   ${unmatched} messages matched no produced event; ${receipts.errors} errors${receipts.firstError ? ` (${receipts.firstError})` : ''}`);

  console.log(`\n   Latency by subscriber (ms)\n`);
  console.log(table(['subscribers', 'sockets', ...steps.flatMap((s) => [`${s.rate}/s p50`, 'p99', 'max'])], labels.map((l) => [
    l, int(plan.filter((p) => p.label === l).length),
    ...perStep.flatMap((s) => {
      const c = sortedCopy(s.byLabel.get(l)!.fromCommit);
      return [fmt(quantile(c, 0.5)), fmt(quantile(c, 0.99)), fmt(c[c.length - 1] ?? NaN)];
    }),
  ])));

  console.log(`\n   Threads while measuring: event-loop delay beyond monitorEventLoopDelay's 10 ms interval; busy = eventLoopUtilization;`);
  console.log(`   cpu = the thread's own CPU time (/proc/thread-self) over the step and its drain\n`);
  console.log(table(['thread', 'p50 ms', 'p99 ms', 'max ms', 'busy', 'cpu'], steps.flatMap((step) => [
    loopRow(`${step.name}: server (HTTP, graphql-ws, PGlite, producer)`, step.server ?? {}),
    loopRow(`${step.name}: clients (worker, ${int(plan.length)} ${CLIENT} clients)`, step.clients),
  ])));
  // CPU time where /proc/thread-self has it (unaffected by other processes), else busy time; over the step and its drain.
  const msPerEvent = steps.map((step, i) => {
    const ms = Number.isFinite(step.server?.cpuMs ?? NaN) ? step.server!.cpuMs : (step.server?.activeMs ?? NaN);
    return ms / Math.max(1, events[i].count);
  });
  const busiest = msPerEvent[msPerEvent.length - 1];
  const last = steps[steps.length - 1].server;
  console.log(`\n   The server thread spends ${steps.map((step, i) => `${fmt(msPerEvent[i], 1)} ms per event at ${step.rate}/s`).join(' and ')} ` +
    `(≈${steps.map((_, i) => fmt(perStep[i].all.fromCommit.length / Math.max(1, events[i].count), 0)).join(' and ')} messages each; the light step carries ` +
    `the idle upkeep and warm-up, and most sessions' first change, which every search hears of);`);
  console.log(`   ${fmt((100 * (last?.sysMs ?? NaN)) / (last?.cpuMs ?? NaN), 0)} % of it in the kernel at ${steps[steps.length - 1].rate}/s (mostly the sockets' TCP sends, which on ` +
    `loopback also run the receiving side's TCP stack): one thread tops out near ${fmt(1000 / busiest, 0)} events/s with this audience.`);

  console.log(`\n   Shared execution (subscriptions.stats())\n`);
  console.log(table(['when', 'groups', 'members', 'joined', 'members per group'], [
    ['all subscribed', int(atStart.groups), int(atStart.members), int(atStart.joined), fmt(atStart.members / atStart.groups, 1)],
    ['after the steps', int(atEnd.groups), int(atEnd.members), int(atEnd.joined), fmt(atEnd.members / atEnd.groups, 1)],
  ]));

  console.log(`\n   SQL statements per event (calibration step; every caller: append, projections, subscriptions)\n`);
  console.log(table(['statement', 'count', 'per event'], [...statements].sort((a, b) => b[1] - a[1]).slice(0, 10)
    .map(([text, n]) => [text, int(n), fmt(n / Math.max(1, events[0].count), 1)])));
}

// ------------------------------------------------------------------------------------------------------------ main

async function main(): Promise<void> {
  const began = performance.now();
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-api-'));
  const { core, config } = await openSystem(dataDir);
  const server = await startServer(core, config, pino({ level: 'silent' }));
  try {
    const seedStart = performance.now();
    await seed(core);
    const tokens = new Map<string, string>();
    for (const username of ['admin', 'auditor1', ...Array.from({ length: PROCTORS }, (_, p) => `proctor${p + 1}`)]) tokens.set(username, await login(server, username));
    for (const q of SEARCHES) if (q) parseQuery(q);
    console.log(`API benchmark: Node ${process.version}, NODE_ENV=${process.env.NODE_ENV}, in-memory PGlite, ${SESSIONS} live sessions seeded in ` +
      `${fmt((performance.now() - seedStart) / 1000)} s; load average ${loadavg().map((l) => fmt(l, 1)).join(' ')} on ${availableParallelism()} cores`);
    if (PARTS.has('http')) await httpOverhead(core, config, server, tokens.get('admin')!);
    if (PARTS.has('fanout')) await fanOut(core, server, tokens);
  } finally {
    await server.close();
    await core.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  if (contended.length) {
    console.log(`\nWARNING: other processes competed for the cores (load average now ${loadavg().map((l) => fmt(l, 1)).join(' ')}); ` +
      `rates and latencies above are worse than the server alone would give (the CPU-per-request and per-event figures hold):`);
    for (const line of contended) console.log(`  ${line}`);
  }
  console.log(`\nTotal ${fmt((performance.now() - began) / 1000)} s`);
  // Everything is closed; if a handle were left open the process would hang, so say so instead.
  setTimeout(() => {
    console.error('bench/api.ts: handles still open 5 s after closing; exiting');
    process.exit(1);
  }, 5000).unref();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
