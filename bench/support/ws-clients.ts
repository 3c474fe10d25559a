/**
 * Worker thread of bench/api.ts: the fan-out benchmark's subscribers. One WebSocket per planned socket, each with
 * one subscription, speaking graphql-transport-ws by hand (or through graphql-ws's client: `client`). Every `next` is
 * stamped on arrival with a cross-thread clock and kept as (session, stream version, time, socket) in typed arrays
 * allocated up front; the main thread joins them with the append times after the run. Nothing is computed here
 * beyond decoding the message, so the clients cost the machine, and the latency measured, as little as possible.
 *
 * Messages from the main thread: `measure` (start measuring this thread's event loop), `loop` (stop and report it),
 * `count` (receipts so far), `stop` (send every receipt back, close the sockets, exit).
 */
import { createClient } from 'graphql-ws';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { measureLoop, wallMs } from './stats.js';

export interface PlannedSocket {
  readonly token: string;
  readonly query: string;
  readonly variables: Record<string, unknown>;
  /** `changed` for sessionsChanged, `activity` for sessionActivity: where the session id and version are. */
  readonly kind: 'changed' | 'activity';
}

export interface WsClientsInput {
  readonly url: string;
  readonly sessions: readonly string[];
  readonly sockets: readonly PlannedSocket[];
  /** Sockets opening at once while connecting. */
  readonly connectConcurrency: number;
  /** Receipts expected over the run: the columns are allocated for them up front, so no copy pauses the thread. */
  readonly expectedReceipts: number;
  /**
   * `lean`: a minimal graphql-transport-ws client per socket that stamps each message when its frame arrives, before
   * parsing it; `graphql-ws`: the library's client, which parses and validates every message before the stamp.
   */
  readonly client: 'lean' | 'graphql-ws';
}

export interface WsClientsReady {
  readonly type: 'ready';
  readonly connected: number;
  readonly failed: number;
  readonly firstError: string | null;
  readonly seconds: number;
}

export interface WsClientsReceipts {
  readonly type: 'receipts';
  readonly count: number;
  readonly session: Int32Array;
  readonly version: Int32Array;
  /** sessionsChanged: 1 when the change matched the socket's search, 0 when it said to drop the session; activity: -1. */
  readonly matches: Int8Array;
  readonly at: Float64Array;
  readonly socket: Int32Array;
  readonly errors: number;
  readonly firstError: string | null;
}


const input = workerData as WsClientsInput;
const sessionIndex = new Map(input.sessions.map((id, i) => [id, i]));

/** Growable columns of receipts. */
let capacity = Math.max(1 << 16, Math.ceil(input.expectedReceipts * 1.25));
let count = 0;
let session = new Int32Array(capacity);
let version = new Int32Array(capacity);
let matches = new Int8Array(capacity);
let at = new Float64Array(capacity);
let socket = new Int32Array(capacity);
function grow(): void {
  capacity *= 2;
  const s = new Int32Array(capacity); s.set(session); session = s;
  const v = new Int32Array(capacity); v.set(version); version = v;
  const m = new Int8Array(capacity); m.set(matches); matches = m;
  const a = new Float64Array(capacity); a.set(at); at = a;
  const k = new Int32Array(capacity); k.set(socket); socket = k;
}

let errors = 0;
let firstError: string | null = null;
const fail = (error: unknown) => {
  errors += 1;
  firstError ??= error instanceof Error ? error.message : JSON.stringify(error)?.slice(0, 300) ?? String(error);
};

const clients: Array<{ dispose(): Promise<void> | void }> = [];

/** Records the sessions and versions one `next` payload carries for socket `index`, all stamped `t`. */
function record(index: number, plan: PlannedSocket, value: { data?: Record<string, any> | null; errors?: unknown }, t: number): void {
  const d = value.data;
  // sessionsChanged sends a list per committed batch; sessionActivity one event per message.
  const items: Array<{ id?: string; v?: number; m: number }> =
    d && plan.kind === 'changed'
      ? ((d.sessionsChanged ?? []) as Array<{ matches?: boolean; session?: { id?: string; version?: number } }>).map((c) => ({ id: c.session?.id, v: c.session?.version, m: c.matches ? 1 : 0 }))
      : d ? [{ id: d.sessionActivity?.sessionId, v: d.sessionActivity?.seq, m: -1 }] : [];
  if (items.length === 0) return fail(value.errors ?? value);
  for (const { id, v, m } of items) {
    const s = id === undefined ? undefined : sessionIndex.get(id);
    if (s === undefined || typeof v !== 'number') return fail(value.errors ?? value);
    if (count === capacity) grow();
    session[count] = s;
    version[count] = v;
    matches[count] = m;
    at[count] = t;
    socket[count] = index;
    count += 1;
  }
}

/** The graphql-transport-ws protocol by hand: connection_init with the token, one subscribe with id "1", then `next`s. */
function openLean(index: number, plan: PlannedSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(input.url, 'graphql-transport-ws');
    let acknowledged = false;
    clients.push({ dispose: () => ws.close(1000) });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { token: plan.token } })));
    ws.on('message', (data: Buffer, binary: boolean) => {
      const t = wallMs(); // on arrival, before the message is decoded
      let message: { id?: string; type?: string; payload?: any };
      try {
        if (binary) throw new Error('a binary frame');
        message = JSON.parse(data.toString('utf8'));
      } catch (error) {
        return fail(error);
      }
      switch (message.type) {
        case 'next':
          if (message.id !== '1') return fail(`a message for subscription ${message.id}`);
          return record(index, plan, message.payload ?? {}, t);
        case 'connection_ack':
          acknowledged = true;
          ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: plan.query, variables: plan.variables } }));
          return resolve();
        case 'ping':
          return ws.send(JSON.stringify({ type: 'pong' }));
        case 'pong':
        case 'complete':
          return;
        default:
          return fail(message.payload ?? message);
      }
    });
    ws.on('error', (error) => (acknowledged ? fail(error) : reject(error)));
    ws.on('close', (code) => {
      if (!acknowledged) reject(new Error(`socket closed before it connected: ${code}`));
    });
  });
}

function open(index: number, plan: PlannedSocket): Promise<void> {
  if (input.client === 'lean') return openLean(index, plan);
  return new Promise((resolve, reject) => {
    const client = createClient({
      url: input.url,
      webSocketImpl: WebSocket,
      connectionParams: { token: plan.token },
      lazy: true,
      retryAttempts: 0,
      on: { connected: () => resolve(), closed: (event) => reject(new Error(`socket closed before it connected: ${(event as { code?: number }).code}`)) },
    });
    clients.push(client);
    client.subscribe<Record<string, any>>({ query: plan.query, variables: plan.variables }, {
      next: (value) => record(index, plan, value, wallMs()),
      error: fail,
      complete: () => {},
    });
  });
}

async function connectAll(): Promise<void> {
  const start = performance.now();
  let next = 0;
  let connected = 0;
  let failed = 0;
  let connectError: string | null = null;
  const lane = async () => {
    while (next < input.sockets.length) {
      const i = next++;
      try {
        await open(i, input.sockets[i]);
        connected += 1;
      } catch (error) {
        failed += 1;
        connectError ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: input.connectConcurrency }, lane));
  const ready: WsClientsReady = { type: 'ready', connected, failed, firstError: connectError, seconds: (performance.now() - start) / 1000 };
  parentPort!.postMessage(ready);
}

let loop: ReturnType<typeof measureLoop> | null = null;

parentPort!.on('message', async (message: { type: 'measure' | 'loop' | 'count' | 'stop' }) => {
  if (message.type === 'measure') {
    loop = measureLoop();
  } else if (message.type === 'loop') {
    parentPort!.postMessage({ type: 'loop', ...(loop?.stop() ?? {}) });
  } else if (message.type === 'count') {
    parentPort!.postMessage({ type: 'count', count, errors });
  } else if (message.type === 'stop') {
    const receipts: WsClientsReceipts = {
      type: 'receipts',
      count,
      session: session.slice(0, count),
      version: version.slice(0, count),
      matches: matches.slice(0, count),
      at: at.slice(0, count),
      socket: socket.slice(0, count),
      errors,
      firstError,
    };
    parentPort!.postMessage(receipts, [receipts.session, receipts.version, receipts.matches, receipts.at, receipts.socket].map((a) => a.buffer as ArrayBuffer));
    await Promise.all(clients.map((c) => c.dispose()));
    parentPort!.close();
  }
});

void connectAll();
