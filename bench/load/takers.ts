/**
 * Worker thread of bench/load.ts: the test-takers. Each is what a browser and its LMS do, through the public API only:
 * the LMS signs a link token with its integration secret and opens the session (`openIntegrationSession`), the
 * test-taker checks in and starts, then sends its metrics once a minute, a violation every few minutes, a chat message
 * now and then, and a recording segment every 10 s (POST /recordings, a prepared WebM). A test-taker sends its
 * commands one after the other (as the page does) and its segments on their own.
 *
 * Messages from the main thread: `open`, `start` (closed loop, `concurrency` in flight), `steady` (open loop for
 * `seconds`: each action at its scheduled time), `close`. Each phase answers a `PhaseResult`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { SignJWT } from 'jose';
import { measureLoop, wallMs, type LoopStats } from '../support/stats.js';
import { closeAgents, gql, send } from './http.js';
import type { Kind } from './kinds.js';

export interface TakersInput {
  readonly nodes: readonly string[];
  readonly integration: { readonly name: string; readonly secret: string };
  readonly sessions: ReadonlyArray<{ readonly id: string; readonly username: string; readonly proctor: string }>;
  readonly metrics: readonly string[];
  /** Real seconds per simulated second: 10 makes a "minute" 6 s. */
  readonly timeScale: number;
  readonly violationEveryMinutes: number;
  readonly chatEveryMinutes: number;
  readonly segmentSeconds: number;
  /** The prepared WebM each segment upload sends, or null for no recordings. */
  readonly segmentFile: string | null;
}


export interface PhaseResult {
  readonly type: 'phase';
  readonly label: string;
  readonly seconds: number;
  /** Requests answered well, by kind, with their latencies (ms). */
  readonly latencies: Partial<Record<Kind, Float64Array>>;
  readonly failures: number;
  readonly errors: readonly string[];
  /** Violations accepted: which session, the session's version after it, and when the request was sent (wall ms). */
  readonly violations: { readonly session: Int32Array; readonly version: Int32Array; readonly sentAt: Float64Array };
  readonly uploadedBytes: number;
  /** Actions sent more than a second after their time (the test-taker's previous command was still running). */
  readonly late: number;
  /**
   * Commands answered with the session as it was before them: the API waits at most 5 s for the read models to have a
   * command's events, then answers anyway. Their violations are left out of the delivery latency (no version to join on).
   */
  readonly stale: number;
  readonly loop: LoopStats;
}

const input = workerData as TakersInput;
const segment = input.segmentFile ? readFileSync(input.segmentFile) : null;
const tokens: Array<string | null> = input.sessions.map(() => null);
const minutes = new Int32Array(input.sessions.length);
const segmentSeq = new Int32Array(input.sessions.length);
/** The session version each test-taker's last answer showed: an answer that does not move past it is stale. */
const lastVersion = new Int32Array(input.sessions.length).fill(-1);
const originOf = (i: number) => input.nodes[i % input.nodes.length];

/** What one phase collects. */
class Tally {
  readonly latencies = new Map<Kind, number[]>();
  failures = 0;
  readonly errors = new Set<string>();
  readonly violations: Array<[number, number, number]> = [];
  uploadedBytes = 0;
  late = 0;
  stale = 0;
  private readonly loop = measureLoop();
  private readonly started = performance.now();

  ok(kind: Kind, ms: number): void {
    let list = this.latencies.get(kind);
    if (!list) this.latencies.set(kind, (list = []));
    list.push(ms);
  }

  fail(kind: Kind, error: unknown): void {
    this.failures += 1;
    if (this.errors.size < 8) this.errors.add(`${kind}: ${error instanceof Error ? error.message : String(error)}`);
  }

  result(label: string): PhaseResult {
    const latencies: Partial<Record<Kind, Float64Array>> = {};
    for (const [kind, list] of this.latencies) latencies[kind] = Float64Array.from(list);
    return {
      type: 'phase', label, seconds: (performance.now() - this.started) / 1000, latencies, failures: this.failures, errors: [...this.errors],
      violations: {
        session: Int32Array.from(this.violations, (v) => v[0]), version: Int32Array.from(this.violations, (v) => v[1]), sentAt: Float64Array.from(this.violations, (v) => v[2]),
      },
      uploadedBytes: this.uploadedBytes, late: this.late, stale: this.stale, loop: this.loop.stop(),
    };
  }
}

/** Runs `fn`, timing it into `tally` as `kind`; a failure is counted, never thrown. */
async function timed<T>(tally: Tally, kind: Kind, fn: () => Promise<T>): Promise<T | undefined> {
  const t0 = performance.now();
  try {
    const value = await fn();
    tally.ok(kind, performance.now() - t0);
    return value;
  } catch (error) {
    tally.fail(kind, error);
    return undefined;
  }
}

async function linkToken(i: number): Promise<string> {
  const s = input.sessions[i];
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    username: s.username, nickname: `Test-taker ${i}`, identifier: s.id, subject: `Load exam ${i}`, timeout: 600,
    metrics: input.metrics.join(','), proctor: s.proctor,
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(input.integration.name).setIssuedAt(now).setExpirationTime(now + 300).setJti(randomUUID())
    .sign(new TextEncoder().encode(input.integration.secret));
}

const SESSION = '{ id version }';
/** Runs one of test-taker `i`'s commands; answers the session version it came back with, or null when stale. */
async function command(i: number, query: string, variables: Record<string, unknown>, tally: Tally): Promise<number | null> {
  const data = await gql<Record<string, { version?: number }>>(originOf(i), query, { id: input.sessions[i].id, ...variables }, tokens[i]);
  const version = Object.values(data)[0]?.version;
  if (typeof version !== 'number') return null; // a chat message: no session in the answer
  if (version <= lastVersion[i]) {
    tally.stale += 1;
    return null;
  }
  lastVersion[i] = version;
  return version;
}

/** Closed loop: `concurrency` lanes, each taking the next test-taker as soon as it is done with one. */
async function eachTaker(concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < input.sessions.length) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, input.sessions.length) }, lane));
}

async function open(concurrency: number): Promise<PhaseResult> {
  const tally = new Tally();
  await eachTaker(concurrency, async (i) => {
    const opened = await timed(tally, 'open', async () =>
      gql<{ openIntegrationSession: { token: string } }>(originOf(i), `mutation($t: String!) { openIntegrationSession(token: $t) { token } }`, { t: await linkToken(i) }));
    if (opened) tokens[i] = opened.openIntegrationSession.token;
  });
  return tally.result('open (LMS link)');
}

async function start(concurrency: number): Promise<PhaseResult> {
  const tally = new Tally();
  await eachTaker(concurrency, async (i) => {
    if (!tokens[i]) return;
    const checked = await timed(tally, 'checkIn', () => command(i, `mutation($id: ID!) { checkIn(id: $id, userAgent: "bench/load") ${SESSION} }`, {}, tally));
    if (checked) await timed(tally, 'start', () => command(i, `mutation($id: ID!) { startSession(id: $id) ${SESSION} }`, {}, tally));
  });
  return tally.result('check-in + start');
}

// ------------------------------------------------------------------------------------------------ the open loop

type Action = 'metrics' | 'violation' | 'chat' | 'segment';

/** A min-heap of (time, test-taker, action). */
class Agenda {
  private readonly items: Array<{ at: number; i: number; action: Action }> = [];
  get size() {
    return this.items.length;
  }
  peek() {
    return this.items[0];
  }
  push(item: { at: number; i: number; action: Action }): void {
    const a = this.items;
    a.push(item);
    for (let k = a.length - 1; k > 0; ) {
      const parent = (k - 1) >> 1;
      if (a[parent].at <= a[k].at) break;
      [a[parent], a[k]] = [a[k], a[parent]];
      k = parent;
    }
  }
  pop() {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let k = 0; ; ) {
        const l = 2 * k + 1;
        const r = l + 1;
        let m = k;
        if (l < a.length && a[l].at < a[m].at) m = l;
        if (r < a.length && a[r].at < a[m].at) m = r;
        if (m === k) break;
        [a[m], a[k]] = [a[k], a[m]];
        k = m;
      }
    }
    return top;
  }
}

/** Exponentially distributed wait with the given mean: events that come "every few minutes" at random. */
const poisson = (meanMs: number) => -Math.log(1 - Math.random()) * meanMs;

function act(tally: Tally, i: number, action: Action): Promise<unknown> {
  const s = input.sessions[i];
  switch (action) {
    case 'metrics': {
      const values = input.metrics.map((code, k) => ({ code, value: (i * 7 + minutes[i] * 13 + k * 29) % 40 }));
      const minute = minutes[i]++;
      return timed(tally, 'metrics', () => command(i, `mutation($id: ID!, $m: Int!, $v: [MetricValueInput!]!) { recordMetrics(sessionId: $id, minute: $m, values: $v) ${SESSION} }`, { m: minute, v: values }, tally));
    }
    case 'violation': {
      const sentAt = wallMs();
      const code = input.metrics[(minutes[i] + i) % input.metrics.length];
      return timed(tally, 'violation', async () => {
        const version = await command(i, `mutation($id: ID!, $c: String!) { recordViolation(sessionId: $id, code: $c, detail: "bench") ${SESSION} }`, { c: code }, tally);
        if (version !== null) tally.violations.push([i, version, sentAt]);
      });
    }
    case 'chat':
      return timed(tally, 'chat', () => command(i, `mutation($id: ID!) { sendMessage(sessionId: $id, text: "a question from the test-taker") { id } }`, {}, tally));
    case 'segment': {
      const seq = segmentSeq[i]++;
      const query = new URLSearchParams({
        sessionId: s.id, track: 'camera', seq: String(seq), start: new Date(Date.now() - input.segmentSeconds * 1000).toISOString(), durationMs: String(input.segmentSeconds * 1000),
      });
      // Each segment's content differs, as a recorder's do: its number in the last frame's last bytes (still a WebM
      // ffmpeg decodes). The same bytes every time would make every upload after a session's first a repeat, stored once.
      const body = Buffer.from(segment!);
      body.writeUInt32BE(seq >>> 0, body.length - 4);
      return timed(tally, 'segment', async () => {
        const { status, text } = await send(`${originOf(i)}/recordings?${query}`, 'POST', { authorization: `Bearer ${tokens[i]}`, 'content-type': 'video/webm' }, body);
        if (status !== 201 && status !== 200) throw new Error(`HTTP ${status}: ${text.slice(0, 200)}`);
        tally.uploadedBytes += body.length;
      });
    }
    default: {
      const never: never = action;
      throw new Error(`unknown action ${String(never)}`);
    }
  }
}

async function steady(seconds: number, label: string): Promise<PhaseResult> {
  const tally = new Tally();
  const minuteMs = 60_000 / input.timeScale;
  const segmentMs = (input.segmentSeconds * 1000) / input.timeScale;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const agenda = new Agenda();
  for (let i = 0; i < input.sessions.length; i++) {
    if (!tokens[i]) continue;
    agenda.push({ at: t0 + Math.random() * minuteMs, i, action: 'metrics' });
    agenda.push({ at: t0 + poisson(input.violationEveryMinutes * minuteMs), i, action: 'violation' });
    agenda.push({ at: t0 + poisson(input.chatEveryMinutes * minuteMs), i, action: 'chat' });
    if (segment) agenda.push({ at: t0 + Math.random() * segmentMs, i, action: 'segment' });
  }
  // A test-taker's commands go one after the other; its segments on their own line.
  const commands: Array<Promise<unknown>> = input.sessions.map(() => Promise.resolve());
  const uploads: Array<Promise<unknown>> = input.sessions.map(() => Promise.resolve());
  const next = { metrics: () => minuteMs, violation: () => poisson(input.violationEveryMinutes * minuteMs), chat: () => poisson(input.chatEveryMinutes * minuteMs), segment: () => segmentMs };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (agenda.size > 0 && agenda.peek().at <= now && agenda.peek().at < end) {
        const { at, i, action } = agenda.pop();
        const lines = action === 'segment' ? uploads : commands;
        lines[i] = lines[i].then(() => {
          if (performance.now() - at > 1000) tally.late += 1;
          return act(tally, i, action);
        });
        agenda.push({ at: at + next[action](), i, action });
      }
      if (now >= end || agenda.size === 0 || agenda.peek().at >= end) return resolve();
      setTimeout(tick, Math.max(0, Math.min(agenda.peek().at - now, 20)));
    };
    tick();
  });
  // What was sent in the phase is answered in it (bounded: a server that never answers fails the phase's requests).
  const drained = Promise.all([...commands, ...uploads]);
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 60_000).unref());
  if ((await Promise.race([drained, timeout])) === 'timeout') tally.fail('metrics', new Error('requests still unanswered 60 s after the phase'));
  return tally.result(label);
}

parentPort!.on('message', async (message: { type: 'open' | 'start'; concurrency: number } | { type: 'steady'; seconds: number; label: string } | { type: 'close' }) => {
  let result: PhaseResult;
  switch (message.type) {
    case 'open': result = await open(message.concurrency); break;
    case 'start': result = await start(message.concurrency); break;
    case 'steady': result = await steady(message.seconds, message.label); break;
    case 'close':
      closeAgents();
      parentPort!.close();
      return;
    default: {
      const never: never = message;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
  const buffers = [result.violations.session.buffer, result.violations.version.buffer, result.violations.sentAt.buffer, ...Object.values(result.latencies).map((l) => l!.buffer)];
  parentPort!.postMessage(result, buffers as ArrayBuffer[]);
});
