import { Worker } from 'node:worker_threads';
import type { ReservedSql, Sql, TextBatch } from './sql.js';

/** What the main thread asks of the PGlite thread (src/store/pglite-thread-worker.ts). */
export type ThreadRequest =
  | { readonly id: number; readonly op: 'query'; readonly text: string; readonly params: readonly unknown[] }
  | { readonly id: number; readonly op: 'exec'; readonly text: string }
  | { readonly id: number; readonly op: 'listen'; readonly channel: string }
  | { readonly id: number; readonly op: 'unlisten'; readonly channel: string }
  | { readonly id: number; readonly op: 'close' };

/** Its answers: rows or an error's fields for request `id` (0: the database opened, or not), or a notification (id -1). */
export type ThreadReply =
  | { readonly id: number; readonly rows: unknown[] }
  | { readonly id: number; readonly error: { readonly message: string; readonly code?: string; readonly constraint?: string; readonly detail?: string } }
  | { readonly id: -1; readonly channel: string; readonly payload: string };

/** A request as the caller gives it: the connection numbers it. */
type Unsent = { [K in ThreadRequest['op']]: Omit<Extract<ThreadRequest, { op: K }>, 'id'> }[ThreadRequest['op']];

/** The thread and what is waiting on it: one connection, shared by the root `Sql` and its transactions. */
class Connection {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }>();
  private readonly channels = new Map<string, Set<(payload: string) => void>>();
  private broken: Error | null = null;
  /** Settles when the last transaction begun (or queued) has ended; `open` while one runs on the thread. */
  tail: Promise<void> = Promise.resolve();
  open = false;

  constructor(readonly worker: Worker) {
    worker.on('message', (reply: ThreadReply) => this.receive(reply));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the embedded database thread stopped (exit code ${code})`)));
  }

  private receive(reply: ThreadReply): void {
    if (reply.id === -1 && 'channel' in reply) {
      for (const listener of this.channels.get(reply.channel) ?? []) listener(reply.payload);
      return;
    }
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if ('error' in reply) waiter.reject(Object.assign(new Error(reply.error.message), reply.error));
    else if ('rows' in reply) waiter.resolve(reply.rows);
  }

  private fail(error: Error): void {
    this.broken ??= error;
    for (const waiter of this.pending.values()) waiter.reject(this.broken);
    this.pending.clear();
  }

  /** Sends one request; the thread answers requests in the order they were sent. */
  call(request: Unsent): Promise<unknown[]> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  /** Waits until no transaction runs on the thread: a statement sent now would otherwise land inside it. */
  async idle(): Promise<void> {
    while (this.open) await this.tail;
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    let listeners = this.channels.get(channel);
    if (!listeners) {
      this.channels.set(channel, (listeners = new Set()));
      await this.idle();
      await this.call({ op: 'listen', channel });
    }
    listeners.add(onNotify);
    return async () => {
      listeners.delete(onNotify);
      if (listeners.size > 0 || this.channels.get(channel) !== listeners) return;
      this.channels.delete(channel);
      await this.idle();
      await this.call({ op: 'unlisten', channel }).catch(() => {});
    };
  }
}

let cursorCount = 0;

/**
 * Embedded PGlite on a worker thread of its own, behind the `Sql` port: the WebAssembly PostgreSQL and its file I/O
 * run off the thread that serves HTTP and WebSockets, which only posts statements and receives rows. Like PGlite in
 * process, it is one connection: a transaction has it to itself (other statements wait until it ends), statements
 * outside transactions run one after another in the order sent.
 */
class PGliteThreadSql implements Sql {
  readonly engine = 'pglite' as const;
  constructor(
    private readonly connection: Connection,
    private readonly root: boolean,
  ) {}

  async query<Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    if (this.root) await this.connection.idle();
    return (await this.connection.call({ op: 'query', text, params })) as Row[];
  }

  async exec(text: string): Promise<void> {
    if (this.root) await this.connection.idle();
    await this.connection.call({ op: 'exec', text });
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (!this.root) return fn(this); // already inside one: callers do not need nesting
    const c = this.connection;
    const before = c.tail;
    let ended!: () => void;
    c.tail = new Promise<void>((resolve) => (ended = resolve));
    await before;
    // Set before BEGIN is sent, so root statements from now on wait for the end instead of joining the transaction.
    c.open = true;
    try {
      await c.call({ op: 'exec', text: 'BEGIN' });
      const result = await fn(new PGliteThreadSql(c, false));
      await c.call({ op: 'exec', text: 'COMMIT' });
      return result;
    } catch (error) {
      await c.call({ op: 'exec', text: 'ROLLBACK' }).catch(() => {});
      throw error;
    } finally {
      c.open = false;
      ended();
    }
  }

  /** One connection, as in process: the reserved one is that one (what a lock held on it needs, there is no other). */
  async reserve(): Promise<ReservedSql> {
    if (!this.root) throw new Error('reserve inside a transaction');
    return { query: (text, params) => this.query(text, params), release: () => {} };
  }

  async savepoint<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.root) throw new Error('a savepoint needs a transaction');
    await this.exec('SAVEPOINT sql_savepoint');
    try {
      const result = await fn(this);
      await this.exec('RELEASE SAVEPOINT sql_savepoint');
      return result;
    } catch (error) {
      await this.exec('ROLLBACK TO SAVEPOINT sql_savepoint');
      throw error;
    }
  }

  async *textCursor(text: string, params: readonly unknown[] = [], batch = 1000): AsyncIterable<TextBatch> {
    for await (const rows of this.cursor<Record<string, string | null>>(text, params, batch)) {
      yield { rows: rows.length, chunks: [Buffer.from(rows.map((r) => Object.values(r)[0] ?? '').join(''))] };
    }
  }

  async *cursor<Row>(text: string, params: readonly unknown[] = [], batch = 1000): AsyncIterable<Row[]> {
    if (!this.root) throw new Error('a cursor inside a transaction');
    // One connection, as in process: WITH HOLD keeps the cursor past its implicit transaction, so FETCHes interleave
    // with other work instead of holding every writer for the whole read.
    const name = `sql_cursor_${++cursorCount}`;
    await this.query(`DECLARE ${name} NO SCROLL CURSOR WITH HOLD FOR ${text}`, params);
    try {
      for (;;) {
        const rows = await this.query<Row>(`FETCH FORWARD ${Math.max(1, Math.floor(batch))} FROM ${name}`);
        if (rows.length === 0) return;
        yield rows;
      }
    } finally {
      await this.exec(`CLOSE ${name}`).catch(() => {});
    }
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    if (!this.root) throw new Error('listen inside a transaction');
    return this.connection.listen(channel, onNotify);
  }

  async close(): Promise<void> {
    if (!this.root) return;
    const exited = new Promise<void>((resolve) => this.connection.worker.once('exit', () => resolve()));
    await this.connection.idle();
    await this.connection.call({ op: 'close' }).catch(() => {});
    await exited;
  }
}

/**
 * The worker's module: the TypeScript source through tsx's loader where we run from source (a worker thread does not
 * inherit the main thread's `--import` hooks on Node 20), else the compiled sibling.
 */
function startWorker(dataDir: string | undefined): Worker {
  const module = new URL(import.meta.url.endsWith('.ts') ? './pglite-thread-worker.ts' : './pglite-thread-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts')) return new Worker(module, { workerData: { dataDir } });
  const tsx = import.meta.resolve('tsx/esm/api');
  const source = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(source, { eval: true, workerData: { dataDir } });
}

/** Opens embedded PostgreSQL on a thread of its own; `dataDir` undefined means in memory. */
export async function openPGliteThread(options: { dataDir?: string } = {}): Promise<Sql> {
  const worker = startWorker(options.dataDir);
  const opened = new Promise<void>((resolve, reject) => {
    const refuse = ({ message, ...fields }: { message: string }) => reject(Object.assign(new Error(`cannot open the embedded database: ${message}`), fields));
    const onMessage = (reply: ThreadReply) => {
      if (reply.id !== 0) return;
      worker.off('message', onMessage);
      worker.off('error', refuse);
      if ('error' in reply) refuse(reply.error);
      else resolve();
    };
    worker.on('message', onMessage);
    worker.once('error', refuse);
  });
  const connection = new Connection(worker);
  try {
    await opened;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  return new PGliteThreadSql(connection, true);
}
