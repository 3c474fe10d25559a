/**
 * Load benchmark: `npm run bench:load -- --sessions 1000` (flags below). Simulates N test-takers and N/30 proctors
 * against a running deployment, through its public API only, on loopback, and prints per phase: requests/s, HTTP
 * latency, violation → proctor delivery, CPU and memory of each node, PostgreSQL's CPU, and errors.
 *
 * The deployment: by default the benchmark starts one itself, as `npm start` runs it in production (NODE_ENV=production,
 * its own JWT secret and first administrator), over embedded PGlite, or over a database of its own on the PostgreSQL
 * server `--database-url` names (created now, dropped afterwards; `--nodes K` starts K nodes on it). Or it drives nodes
 * already running: `--url http://127.0.0.1:3000` (several times for several nodes) with `--admin user:password`; their
 * server processes are found by the port they listen on, to read their CPU.
 *
 * The people. An integration account signs each test-taker's LMS link (HS256, as an LMS does) and opens the session;
 * the test-taker checks in and starts, then sends its metrics each minute, a violation every ~3 minutes and a chat
 * message every ~10 (at random, Poisson), and a 10 s recording segment every 10 s (a WebM made once by ffmpeg at
 * `--segment-kbps`, 400 by default: what the web client's recorder asks for; each upload carries its number in its
 * last bytes, so no two have the same content, as with a real recorder). Each proctor holds one graphql-ws socket
 * with its own list (its 30 sessions), a search and one tile's activity, and reads its list once. The test-takers run
 * in one worker thread, the proctors in another, so the client work stays off the main thread, which only reads /proc.
 *
 * Time runs at `--time-scale` (1: real time; 10: a "minute" lasts 6 s, so each session sends ten times as often).
 * Phases: open (LMS links), proctors connect, check-in + start, warm-up (`--warmup` s), steady (`--seconds` s).
 * Violation → proctor is measured from the moment the test-taker sends `recordViolation` to the arrival of the change
 * of that session (at the violation's version or later) on its proctor's own list: it includes the append.
 */
import './support/production-env.js';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Worker } from 'node:worker_threads';
import { nextMessage, tsWorker } from './support/stats.js';
import { givenDeployment, startDeployment, type Deployment } from './load/deployment.js';
import { closeAgents, gql } from './load/http.js';
import { postgresCpu, postgresCpuBetween, rssMb, serverCpu } from './load/proc.js';
import type { ProctorsInput, ProctorsReady, ProctorsReceipts } from './load/proctors.js';
import { deliveries, errorLines, kindTable, nodeTable, phaseTable, type PhaseRow, type Usage } from './load/report.js';
import type { PhaseResult, TakersInput } from './load/takers.js';

const { values: flags } = parseArgs({
  options: {
    sessions: { type: 'string', default: '200' },
    url: { type: 'string', multiple: true },
    admin: { type: 'string' },
    'database-url': { type: 'string' },
    database: { type: 'string' },
    nodes: { type: 'string', default: '1' },
    'time-scale': { type: 'string', default: '1' },
    warmup: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '60' },
    'violation-every': { type: 'string', default: '3' },
    'chat-every': { type: 'string', default: '10' },
    'segment-kbps': { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '32' },
    search: { type: 'string', default: 'status=in_progress' },
    'cpu-prof': { type: 'string' },
    env: { type: 'string', multiple: true },
    'node-arg': { type: 'string', multiple: true },
    help: { type: 'boolean', default: false },
  },
});

const USAGE = `npm run bench:load -- [--sessions N] [--database-url postgres://…] [--nodes K] [--url http://127.0.0.1:PORT … --admin user:password [--database NAME]]
  [--time-scale 1] [--warmup 10] [--seconds 60] [--violation-every 3] [--chat-every 10] [--segment-kbps 400 (0: no recordings)]
  [--concurrency 32] [--search "status=in_progress"] [--cpu-prof DIR] [--env KEY=VALUE … (for the nodes it starts)]
  [--node-arg=--max-semi-space-size=32 … (node options for the nodes it starts)]`;

function number(name: keyof typeof flags, min: number): number {
  const n = Number(flags[name]);
  if (!Number.isFinite(n) || n < min) {
    console.error(`--${name}=${flags[name]} must be a number ≥ ${min}\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
const N = Math.floor(number('sessions', 1));
const TIME_SCALE = number('time-scale', 0.01);
const SEGMENT_KBPS = number('segment-kbps', 0);
const SEGMENT_SECONDS = 10;
const PER_PROCTOR = 30;
const METRICS = ['b2', 'c2', 'm2', 'n1'];
const log = (line: string) => console.error(line);

/** A 10 s WebM at the asked byte rate (noise, so the encoder cannot undershoot it), made once by ffmpeg and kept. */
function prepareSegment(kbps: number): string | null {
  if (kbps === 0) return null;
  const dir = join(tmpdir(), 'proctor-bench-load');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `segment-${SEGMENT_SECONDS}s-${kbps}k.webm`);
  if (existsSync(file)) return file;
  try {
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15,noise=alls=20:allf=t', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', String(SEGMENT_SECONDS), '-c:v', 'libvpx', '-b:v', `${kbps}k`, '-minrate', `${kbps}k`, '-maxrate', `${kbps}k`, '-deadline', 'realtime', '-cpu-used', '8',
      '-c:a', 'libopus', '-b:a', '32k', '-live', '1', '-f', 'webm', `${file}.part`,
    ]);
    execFileSync('mv', [`${file}.part`, file]);
  } catch (error) {
    console.error(`cannot make the recording segment with ffmpeg (${(error as Error).message}): install ffmpeg, or run with --segment-kbps 0`);
    process.exit(1);
  }
  return file;
}

async function openDeployment(): Promise<Deployment> {
  if (flags.url?.length) {
    const [username, ...rest] = (flags.admin ?? '').split(':');
    if (!username || rest.length === 0) {
      console.error(`--url needs --admin user:password (an administrator of that deployment)\n${USAGE}`);
      process.exit(2);
    }
    return givenDeployment(flags.url, { username, password: rest.join(':') }, flags.database ?? null);
  }
  const env = Object.fromEntries((flags.env ?? []).map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) {
      console.error(`--env ${pair}: expected KEY=VALUE\n${USAGE}`);
      process.exit(2);
    }
    return [pair.slice(0, at), pair.slice(at + 1)];
  }));
  return startDeployment({ databaseUrl: flags['database-url'] ?? null, nodes: Math.floor(number('nodes', 1)), cpuProfDir: flags['cpu-prof'] ?? null, nodeArgs: flags['node-arg'] ?? [], env, log });
}

/** Runs `fn` with `concurrency` in flight over `items`. */
async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T, k: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const k = next++;
      await fn(items[k], k);
    }
  }));
}

/** The accounts an operator would make: an integration with its secret, and the proctors; answers the proctors' tokens. */
async function setUp(deployment: Deployment, run: string): Promise<{ integration: TakersInput['integration']; proctors: Array<{ username: string; token: string }> }> {
  const origin = deployment.nodes[0].url;
  const login = async (username: string, password: string) =>
    (await gql<{ login: { token: string } }>(origin, 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: username, p: password })).login.token;
  const admin = await login(deployment.admin.username, deployment.admin.password).catch((error: Error) => {
    throw new Error(`cannot sign in as ${deployment.admin.username} at ${origin}: ${error.message}`);
  });
  const register = (username: string, role: string, password: string) =>
    gql(origin, 'mutation($u: String!, $r: String!, $p: String!) { registerAccount(username: $u, role: $r, password: $p) { username } }', { u: username, r: role, p: password }, admin);
  const integration = { name: `lms-${run}`, secret: randomBytes(32).toString('base64url') };
  await register(integration.name, 'integrator', `Pw-${randomBytes(12).toString('hex')}`);
  await gql(origin, 'mutation($u: String!, $s: String!) { setIntegrationSecret(username: $u, secret: $s) }', { u: integration.name, s: integration.secret }, admin);
  const password = `Pw-${randomBytes(12).toString('hex')}`;
  const proctors = Array.from({ length: Math.ceil(N / PER_PROCTOR) }, (_, k) => ({ username: `p${run}-${k + 1}`, token: '' }));
  await pool(proctors, 4, async (p) => {
    await register(p.username, 'proctor', password);
    p.token = await login(p.username, password);
  });
  return { integration, proctors };
}

/** Measures the nodes and PostgreSQL over `fn`: CPU from /proc at both ends, RSS sampled each second (its peak). */
async function measured<T>(deployment: Deployment, fn: () => Promise<T>): Promise<{ value: T; usage: Usage }> {
  const pids = deployment.nodes.map((n) => n.pid);
  const cpu0 = pids.map((pid) => (pid ? serverCpu(pid) : { processMs: NaN, mainThreadMs: NaN }));
  const pg0 = deployment.database ? postgresCpu(deployment.database) : null;
  const peak = pids.map((pid) => (pid ? rssMb(pid) : NaN));
  const sampler = setInterval(() => pids.forEach((pid, k) => pid && (peak[k] = Math.max(peak[k], rssMb(pid)))), 1000);
  const t0 = performance.now();
  try {
    const value = await fn();
    const wallMs = performance.now() - t0;
    const nodes = pids.map((pid, k) => {
      const cpu = pid ? serverCpu(pid) : { processMs: NaN, mainThreadMs: NaN };
      return { processMs: cpu.processMs - cpu0[k].processMs, mainThreadMs: cpu.mainThreadMs - cpu0[k].mainThreadMs, rssMb: Math.max(peak[k], pid ? rssMb(pid) : NaN) };
    });
    const postgresMs = pg0 && deployment.database ? postgresCpuBetween(pg0, postgresCpu(deployment.database)) : NaN;
    return { value, usage: { nodes, postgresMs, wallMs, load: loadavg()[0] } };
  } finally {
    clearInterval(sampler);
  }
}

async function main(): Promise<void> {
  const segmentFile = prepareSegment(SEGMENT_KBPS);
  const deployment = await openDeployment();
  let takers: Worker | null = null;
  let proctorsWorker: Worker | null = null;
  try {
    const run = randomBytes(3).toString('hex');
    log(`${deployment.describe}; ${N} test-takers, ${Math.ceil(N / PER_PROCTOR)} proctors; setting up accounts …`);
    const { integration, proctors } = await setUp(deployment, run);
    const nodes = deployment.nodes.map((n) => n.url);
    const sessions = Array.from({ length: N }, (_, i) => ({ id: `load-${run}-${i}`, username: `t${run}-${i}`, proctor: proctors[Math.floor(i / PER_PROCTOR)].username }));
    const input: TakersInput = {
      nodes, integration, sessions, metrics: METRICS, timeScale: TIME_SCALE, violationEveryMinutes: number('violation-every', 0.01),
      chatEveryMinutes: number('chat-every', 0.01), segmentSeconds: SEGMENT_SECONDS, segmentFile,
    };
    takers = tsWorker(new URL('./load/takers.ts', import.meta.url), input);
    const rows: PhaseRow[] = [];
    const phase = async (message: Record<string, unknown>) => {
      const { value, usage } = await measured(deployment, () => {
        const reply = nextMessage<PhaseResult>(takers!, (m) => m.type === 'phase');
        takers!.postMessage(message);
        return reply;
      });
      rows.push({ label: value.label, takers: value, otherRequests: 0, otherErrors: [], usage });
      log(`  ${value.label}: ${fmtSeconds(usage.wallMs)}, ${value.failures} failure(s)${value.errors.length ? `: ${value.errors[0]}` : ''}`);
    };
    const concurrency = Math.floor(number('concurrency', 1));
    await phase({ type: 'open', concurrency });

    const proctorsInput: ProctorsInput = {
      nodes, sessions: sessions.map((s) => s.id), search: flags.search!,
      proctors: proctors.map((p, k) => ({ token: p.token, tile: sessions[Math.min(k * PER_PROCTOR, N - 1)].id })),
    };
    const connected = await measured(deployment, () => {
      proctorsWorker = tsWorker(new URL('./load/proctors.ts', import.meta.url), proctorsInput);
      return nextMessage<ProctorsReady>(proctorsWorker, (m) => m.type === 'ready');
    });
    rows.push({ label: 'proctors connect', takers: null, otherRequests: connected.value.connected, otherErrors: connected.value.errors, usage: connected.usage });
    log(`  proctors connect: ${connected.value.connected} of ${proctors.length} in ${connected.value.seconds.toFixed(1)} s`);

    await phase({ type: 'start', concurrency });
    await phase({ type: 'steady', seconds: number('warmup', 0), label: 'warm-up' });
    await phase({ type: 'steady', seconds: number('seconds', 1), label: 'steady' });

    // The changes of the last commands may still be on their way: wait for them (bounded), rather than count them lost.
    const asked = rows.flatMap((r) => (r.takers ? [r.takers.violations] : []));
    const settled = nextMessage<{ missing: number }>(proctorsWorker!, (m) => m.type === 'settled');
    proctorsWorker!.postMessage({
      type: 'settle', timeoutMs: 10_000,
      sessions: Int32Array.from(asked.flatMap((v) => Array.from(v.session))), versions: Int32Array.from(asked.flatMap((v) => Array.from(v.version))),
    });
    await settled;
    const receipts = await (async () => {
      const reply = nextMessage<ProctorsReceipts>(proctorsWorker!, (m) => m.type === 'receipts');
      proctorsWorker!.postMessage({ type: 'stop' });
      return reply;
    })();
    const delivered = deliveries(rows, receipts);
    console.log(`\nLoad: ${deployment.describe}${flags.env?.length ? ` (${flags.env.join(' ')})` : ''}${flags['node-arg']?.length ? ` (node ${flags['node-arg'].join(' ')})` : ''}; ${N} test-takers, ${proctors.length} proctors (list + "${flags.search}" + a tile each), time ×${TIME_SCALE}, ` +
      `segments ${SEGMENT_KBPS ? `${SEGMENT_KBPS} kbit/s every ${SEGMENT_SECONDS} s` : 'off'}; machine: ${availableParallelism()} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    console.log(phaseTable(rows, delivered));
    console.log(`\n  req/s: the test-takers' requests answered (every one a write) per second; HTTP: their latency (ms); viol→proctor: from sending`);
    console.log(`  recordViolation to the change on the proctor's list (ms; n = violations); node CPU: the server processes' CPU share of one core;`);
    console.log(`  main thr.: their main (event-loop) threads; ms/req: main-thread CPU per request; PG CPU: PostgreSQL's processes for this database.`);
    const steady = rows.find((r) => r.label === 'steady')?.takers;
    if (steady) console.log(`\nSteady phase by request:\n${kindTable(steady)}`);
    console.log(`\nProctors' sockets: ${receipts.session.length} list changes, ${receipts.searchMessages} search messages, ${receipts.tileMessages} tile messages`);
    if (deployment.nodes.length > 1) console.log(`\n${nodeTable(rows, nodes)}`);
    const problems = errorLines(rows, delivered, receipts);
    console.log(problems.length ? `\nErrors and notes:\n  ${problems.join('\n  ')}` : '\nNo errors.');
  } finally {
    takers?.postMessage({ type: 'close' });
    closeAgents();
    await deployment.stop();
  }
}

const fmtSeconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

main().then(
  () => process.exit(0),
  (error: unknown) => {
    // What went wrong, for the operator to fix (a URL that does not answer, a wrong password); the stack only if unexpected.
    console.error(error instanceof Error && /^cannot /.test(error.message) ? `bench:load: ${error.message}` : error);
    process.exit(1);
  },
);
