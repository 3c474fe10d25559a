/**
 * Worker thread of bench/load.ts: the proctors. Each opens one graphql-ws socket (as the web client does) with three
 * subscriptions: its own list (`sessionsChanged` without a search: its 30 sessions), a search over what it may see,
 * and the activity of one tile; then reads its list once over HTTP. Each change to the own list is stamped on arrival
 * (wall ms, comparable with the test-takers' thread) as (session, version, time), in columns allocated up front; the
 * main thread joins them with the violations sent. Speaks graphql-transport-ws by hand, stamping before decoding.
 *
 * Messages from the main thread: `stop` (answer the receipts, close the sockets). It posts `ready` once every socket
 * is subscribed and every list read.
 */
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { measureLoop, wallMs } from '../support/stats.js';
import { closeAgents, gql } from './http.js';

export interface ProctorsInput {
  readonly nodes: readonly string[];
  readonly proctors: ReadonlyArray<{ readonly token: string; readonly tile: string }>;
  /** Every session id, in the test-takers' order: receipts name sessions by index. */
  readonly sessions: readonly string[];
  readonly search: string;
}

export interface ProctorsReady {
  readonly type: 'ready';
  readonly connected: number;
  readonly errors: readonly string[];
  readonly seconds: number;
}

export interface ProctorsReceipts {
  readonly type: 'receipts';
  readonly session: Int32Array;
  readonly version: Int32Array;
  readonly at: Float64Array;
  /** Messages on the search and tile subscriptions (not joined; they show the fan-out happened). */
  readonly searchMessages: number;
  readonly tileMessages: number;
  readonly errors: number;
  readonly firstErrors: readonly string[];
}

const input = workerData as ProctorsInput;
const sessionIndex = new Map(input.sessions.map((id, i) => [id, i]));
let capacity = 1 << 16;
let count = 0;
let session = new Int32Array(capacity);
let version = new Int32Array(capacity);
let at = new Float64Array(capacity);
let searchMessages = 0;
let tileMessages = 0;
let errors = 0;
const firstErrors = new Set<string>();
const sockets: WebSocket[] = [];
/** The highest version of each session any own-list change has shown (-1: none yet). */
const seen = new Int32Array(input.sessions.length).fill(-1);

function fail(error: unknown): void {
  errors += 1;
  if (firstErrors.size < 8) firstErrors.add(error instanceof Error ? error.message : JSON.stringify(error)?.slice(0, 300) ?? String(error));
}

function keep(s: number, v: number, t: number): void {
  if (count === capacity) {
    capacity *= 2;
    const s2 = new Int32Array(capacity); s2.set(session); session = s2;
    const v2 = new Int32Array(capacity); v2.set(version); version = v2;
    const a2 = new Float64Array(capacity); a2.set(at); at = a2;
  }
  session[count] = s;
  version[count] = v;
  if (v > seen[s]) seen[s] = v;
  at[count] = t;
  count += 1;
}

const SUBSCRIPTIONS = (tile: string) => [
  { id: 'list', query: 'subscription { sessionsChanged { session { id version } } }', variables: {} },
  { id: 'search', query: 'subscription($q: String) { sessionsChanged(query: $q) { matches session { id version status } } }', variables: { q: input.search } },
  { id: 'tile', query: 'subscription($id: ID!) { sessionActivity(id: $id) { seq type } }', variables: { id: tile } },
];

function onNext(id: string | undefined, payload: { data?: Record<string, any> | null; errors?: unknown }, t: number): void {
  if (payload.errors || !payload.data) return fail(payload.errors ?? payload);
  if (id === 'search') searchMessages += 1;
  else if (id === 'tile') tileMessages += 1;
  else if (id === 'list') {
    for (const change of (payload.data.sessionsChanged ?? []) as Array<{ session?: { id?: string; version?: number } }>) {
      const s = change.session?.id === undefined ? undefined : sessionIndex.get(change.session.id);
      if (s === undefined || typeof change.session?.version !== 'number') return fail(`a change of an unknown session: ${JSON.stringify(change)}`);
      keep(s, change.session.version, t);
    }
  } else fail(`a message for subscription ${id}`);
}

/** One proctor's socket: connection_init with its token, then its three subscriptions; resolves once acknowledged. */
function connect(k: number): Promise<void> {
  const { token, tile } = input.proctors[k];
  const url = `${input.nodes[k % input.nodes.length].replace(/^http/, 'ws')}/graphql`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'graphql-transport-ws');
    sockets.push(ws);
    let acknowledged = false;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { token } })));
    ws.on('message', (data: Buffer) => {
      const t = wallMs(); // on arrival, before decoding
      let message: { id?: string; type?: string; payload?: any };
      try {
        message = JSON.parse(data.toString('utf8'));
      } catch (error) {
        return fail(error);
      }
      switch (message.type) {
        case 'next': return onNext(message.id, message.payload ?? {}, t);
        case 'connection_ack':
          acknowledged = true;
          for (const s of SUBSCRIPTIONS(tile)) ws.send(JSON.stringify({ id: s.id, type: 'subscribe', payload: { query: s.query, variables: s.variables } }));
          return resolve();
        case 'ping': return ws.send(JSON.stringify({ type: 'pong' }));
        case 'pong': return;
        case 'complete': return fail(`the server completed subscription ${message.id}`);
        default: return fail(message.payload ?? message);
      }
    });
    ws.on('error', (error) => (acknowledged ? fail(error) : reject(error)));
    ws.on('close', (code, reason) => (acknowledged ? fail(`socket closed: ${code} ${reason.toString()}`) : reject(new Error(`socket closed before it connected: ${code}`))));
  });
}

async function connectAll(): Promise<void> {
  const started = performance.now();
  let next = 0;
  let connected = 0;
  const problems: string[] = [];
  const lane = async () => {
    while (next < input.proctors.length) {
      const k = next++;
      try {
        await connect(k);
        // The web client subscribes first, then reads its list: nothing that changes in between is missed.
        await gql(input.nodes[k % input.nodes.length], '{ sessions(first: 30) { totalCount edges { node { id version status } } } }', {}, input.proctors[k].token);
        connected += 1;
      } catch (error) {
        if (problems.length < 8) problems.push(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  const ready: ProctorsReady = { type: 'ready', connected, errors: problems, seconds: (performance.now() - started) / 1000 };
  parentPort!.postMessage(ready);
}

/**
 * Answers `settled` once every (session, version) asked for has reached its proctor's list, or after `timeoutMs`: a
 * change may arrive a moment after the command's answer, and the last ones of a run must not count as lost.
 */
function settle(sessions: Int32Array, versions: Int32Array, timeoutMs: number): void {
  const deadline = performance.now() + timeoutMs;
  const check = () => {
    let missing = 0;
    for (let k = 0; k < sessions.length; k++) if (seen[sessions[k]] < versions[k]) missing += 1;
    if (missing === 0 || performance.now() >= deadline) return parentPort!.postMessage({ type: 'settled', missing });
    setTimeout(check, 50);
  };
  check();
}

const loop = measureLoop();
parentPort!.on('message', (message: { type: 'stop' } | { type: 'settle'; sessions: Int32Array; versions: Int32Array; timeoutMs: number }) => {
  if (message.type === 'settle') return settle(message.sessions, message.versions, message.timeoutMs);
  if (message.type !== 'stop') return;
  const receipts: ProctorsReceipts & { loop: ReturnType<typeof loop.stop> } = {
    type: 'receipts', session: session.slice(0, count), version: version.slice(0, count), at: at.slice(0, count),
    searchMessages, tileMessages, errors, firstErrors: [...firstErrors], loop: loop.stop(),
  };
  for (const ws of sockets) {
    ws.removeAllListeners('close');
    ws.close(1000);
  }
  closeAgents();
  parentPort!.postMessage(receipts, [receipts.session.buffer, receipts.version.buffer, receipts.at.buffer] as ArrayBuffer[]);
  parentPort!.close();
});

void connectAll();
