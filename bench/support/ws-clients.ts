/**
 * Worker thread of bench/api.ts: the fan-out benchmark's subscribers. One graphql-ws client (one WebSocket) per
 * planned socket, each with one subscription. Every `next` is stamped on arrival with a cross-thread clock and kept
 * as (session, stream version, time, socket) in typed arrays; the main thread joins them with the append times after
 * the run. Nothing is parsed or computed here beyond what graphql-ws does, so the clients cost the machine as little
 * as possible.
 *
 * Messages from the main thread: `measure` (start measuring this thread's event loop), `loop` (stop and report it),
 * `count` (receipts so far), `stop` (send every receipt back, close the sockets, exit).
 */
import { createClient, type Client } from 'graphql-ws';
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
  readonly at: Float64Array;
  readonly socket: Int32Array;
  readonly errors: number;
  readonly firstError: string | null;
}


const input = workerData as WsClientsInput;
const sessionIndex = new Map(input.sessions.map((id, i) => [id, i]));

/** Growable columns of receipts. */
let capacity = 1 << 16;
let count = 0;
let session = new Int32Array(capacity);
let version = new Int32Array(capacity);
let at = new Float64Array(capacity);
let socket = new Int32Array(capacity);
function grow(): void {
  capacity *= 2;
  const s = new Int32Array(capacity); s.set(session); session = s;
  const v = new Int32Array(capacity); v.set(version); version = v;
  const a = new Float64Array(capacity); a.set(at); at = a;
  const k = new Int32Array(capacity); k.set(socket); socket = k;
}

let errors = 0;
let firstError: string | null = null;
const fail = (error: unknown) => {
  errors += 1;
  firstError ??= error instanceof Error ? error.message : JSON.stringify(error)?.slice(0, 300) ?? String(error);
};

const clients: Client[] = [];

function open(index: number, plan: PlannedSocket): Promise<void> {
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
      next: (value) => {
        const t = wallMs();
        const d = value.data;
        // sessionsChanged sends a list per committed batch; sessionActivity one event per message.
        const items: Array<{ id?: string; v?: number }> =
          d && plan.kind === 'changed'
            ? ((d.sessionsChanged ?? []) as Array<{ session?: { id?: string; version?: number } }>).map((c) => ({ id: c.session?.id, v: c.session?.version }))
            : d ? [{ id: d.sessionActivity?.sessionId, v: d.sessionActivity?.seq }] : [];
        if (items.length === 0) return fail(value.errors ?? value);
        for (const { id, v } of items) {
          const s = id === undefined ? undefined : sessionIndex.get(id);
          if (s === undefined || typeof v !== 'number') return fail(value.errors ?? value);
          if (count === capacity) grow();
          session[count] = s;
          version[count] = v;
          at[count] = t;
          socket[count] = index;
          count += 1;
        }
      },
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
      at: at.slice(0, count),
      socket: socket.slice(0, count),
      errors,
      firstError,
    };
    parentPort!.postMessage(receipts, [receipts.session, receipts.version, receipts.at, receipts.socket].map((a) => a.buffer as ArrayBuffer));
    await Promise.all(clients.map((c) => c.dispose()));
    parentPort!.close();
  }
});

void connectAll();
