/**
 * The worker thread that owns an embedded PGlite for `openPGliteThread` (src/store/pglite-thread.ts): it opens the
 * database, runs the statements it is sent one at a time in the order they came, and posts back rows, errors (as
 * plain fields: an Error's own properties do not cross threads) and notifications.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import type { ThreadReply, ThreadRequest } from './pglite-thread.js';

const port = parentPort!;
const { dataDir } = workerData as { dataDir?: string };

/** The fields of a database error its callers branch on (`sqlErrorInfo`), copied so they cross the thread. */
function errorFields(error: unknown): { message: string; code?: string; constraint?: string; detail?: string } {
  const e = error as { message?: unknown; code?: unknown; constraint?: unknown; detail?: unknown };
  return {
    message: typeof e?.message === 'string' ? e.message : String(error),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.constraint === 'string' ? { constraint: e.constraint } : {}),
    ...(typeof e?.detail === 'string' ? { detail: e.detail } : {}),
  };
}

const reply = (message: ThreadReply) => port.postMessage(message);

async function main(): Promise<void> {
  let db: PGlite;
  try {
    const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
    db = await PGlite.create({ dataDir, extensions: { pg_trgm } });
  } catch (error) {
    reply({ id: 0, error: errorFields(error) });
    return;
  }
  const listeners = new Map<string, () => Promise<void>>();
  // One statement at a time, in arrival order: a transaction's BEGIN … COMMIT is the sequence the main thread sent.
  let turn: Promise<unknown> = Promise.resolve();
  const run = async (request: ThreadRequest): Promise<void> => {
    try {
      switch (request.op) {
        case 'query':
          reply({ id: request.id, rows: (await db.query(request.text, request.params as unknown[])).rows });
          return;
        case 'exec':
          await db.exec(request.text);
          reply({ id: request.id, rows: [] });
          return;
        case 'listen':
          if (!listeners.has(request.channel)) {
            listeners.set(request.channel, await db.listen(request.channel, (payload) => reply({ id: -1, channel: request.channel, payload })));
          }
          reply({ id: request.id, rows: [] });
          return;
        case 'unlisten':
          await listeners.get(request.channel)?.();
          listeners.delete(request.channel);
          reply({ id: request.id, rows: [] });
          return;
        case 'close':
          if (!db.closed) await db.close();
          reply({ id: request.id, rows: [] });
          port.close();
          return;
        default: {
          const never: never = request;
          throw new Error(`unknown request ${JSON.stringify(never)}`);
        }
      }
    } catch (error) {
      reply({ id: request.id, error: errorFields(error) });
    }
  };
  port.on('message', (request: ThreadRequest) => {
    turn = turn.then(() => run(request));
  });
  reply({ id: 0, rows: [] });
}

void main();
