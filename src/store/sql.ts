import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';

/**
 * This process's name on the database (each connection's `application_name`): an operator reads in
 * `pg_stat_activity` which node holds what, and nodes tell a live peer from a dead one by whether it is connected.
 */
export const NODE_NAME = `proctor ${hostname().slice(0, 32)} ${process.pid} ${randomBytes(3).toString('hex')}`;

/** The last word of `NODE_NAME`: short enough to mark what this process leaves in a shared folder as its own. */
export const NODE_TAG = NODE_NAME.slice(-6);

let instances = 0;

/** This process's name among the nodes, made unique per user (several servers may share a process in tests). */
export function nodeInstanceName(): string {
  return `${NODE_NAME}#${++instances}`;
}

/** SQL: whether the node named by `column` (`NODE_NAME#n`) is connected to the database now. */
export const nodeAlive = (column: string) => `EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = split_part(${column}, '#', 1))`;

/**
 * The one SQL dialect the project speaks, over either embedded PGlite or a PostgreSQL server.
 * SQL text lives only in `store/` and `projections/`; both engines run exactly the same statements.
 */
export interface Sql {
  /**
   * Runs one statement with bound parameters (`$1`, `$2` …) and returns its rows. Pass JSON as a string cast with
   * `$n::text::jsonb`: postgres.js would encode a string sent to a jsonb parameter a second time.
   */
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs several statements without parameters (DDL). */
  exec(text: string): Promise<void>;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Inside a transaction: runs `fn` behind a savepoint, so that if it throws, what it did is undone and the
   * transaction goes on (the error is rethrown).
   */
  savepoint<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Runs one SELECT and yields its rows `batch` at a time from a server-side cursor, so a result of any size streams
   * in constant memory. The next batch is fetched only when the consumer asks for it (backpressure); breaking out of
   * the loop closes the cursor. Not inside a transaction.
   */
  cursor<Row = Record<string, unknown>>(text: string, params?: readonly unknown[], batch?: number): AsyncIterable<Row[]>;
  /**
   * Like `cursor`, for a SELECT of one text column: yields each batch's values as UTF-8 bytes, in order, in one or more
   * chunks that never split a value, with how many rows made them (NULLs add nothing). No row becomes a string, so
   * text the server rendered goes on as it came. On PostgreSQL the next batch is asked for while the consumer handles
   * this one: one batch ahead, no more.
   */
  textCursor(text: string, params?: readonly unknown[], batch?: number): AsyncIterable<TextBatch>;
  /** Calls `onNotify` for each NOTIFY on `channel`, from any connection or process. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * A connection for the caller alone, until `release`: what a session-level lock (an advisory lock) needs. PGlite has
   * one connection: it answers with that one. `onClose` is called each time the connection closes (a lock held on it is
   * gone then); the next query opens it again.
   */
  reserve(onClose?: () => void): Promise<ReservedSql>;
  /** Which engine this is, for the few places that differ (extension loading). */
  readonly engine: 'pglite' | 'postgres';
  close(): Promise<void>;
}

/** A connection held by one caller (see `Sql.reserve`). A query on a connection that broke throws. */
export interface ReservedSql {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Gives the connection back to the pool. */
  release(): void;
}

/** A batch of `Sql.textCursor`. */
export interface TextBatch {
  readonly rows: number;
  readonly chunks: readonly Buffer[];
}

/** Driver error → the fields we branch on, so callers never import a driver's error class. */
export interface SqlErrorInfo {
  code?: string;
  constraint?: string;
  message: string;
}

export function sqlErrorInfo(error: unknown): SqlErrorInfo {
  const e = error as { code?: unknown; constraint?: unknown; constraint_name?: unknown; message?: unknown };
  return {
    code: typeof e?.code === 'string' ? e.code : undefined,
    constraint:
      typeof e?.constraint === 'string' ? e.constraint : typeof e?.constraint_name === 'string' ? e.constraint_name : undefined,
    message: typeof e?.message === 'string' ? e.message : String(error),
  };
}

let cursorCount = 0;

type PGliteLike = Pick<PGlite, 'query' | 'exec'> & Partial<Pick<PGlite, 'transaction' | 'listen' | 'close'>>;

class PGliteSql implements Sql {
  readonly engine = 'pglite' as const;
  constructor(
    private readonly db: PGliteLike,
    private readonly root: PGlite | null,
  ) {}

  async query<Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.db.query<Row>(text, params as unknown[]);
    return result.rows;
  }

  async exec(text: string): Promise<void> {
    await this.db.exec(text);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (!this.root) return fn(this); // already inside one: PGlite has no savepoint API, and callers do not need nesting
    return this.root.transaction((tx) => fn(new PGliteSql(tx, null)));
  }

  async savepoint<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.root) throw new Error('a savepoint needs a transaction');
    await this.db.exec('SAVEPOINT sql_savepoint');
    try {
      const result = await fn(this);
      await this.db.exec('RELEASE SAVEPOINT sql_savepoint');
      return result;
    } catch (error) {
      await this.db.exec('ROLLBACK TO SAVEPOINT sql_savepoint');
      throw error;
    }
  }

  async *cursor<Row>(text: string, params: readonly unknown[] = [], batch = 1000): AsyncIterable<Row[]> {
    if (!this.root) throw new Error('a cursor inside a transaction');
    // PGlite has one connection: a cursor inside a transaction would hold it (and every writer) for the whole read.
    // WITH HOLD keeps the cursor after its implicit transaction commits, and the FETCHes interleave with other work.
    const name = `sql_cursor_${++cursorCount}`;
    await this.root.query(`DECLARE ${name} NO SCROLL CURSOR WITH HOLD FOR ${text}`, params as unknown[]);
    try {
      for (;;) {
        const { rows } = await this.root.query<Row>(`FETCH FORWARD ${Math.max(1, Math.floor(batch))} FROM ${name}`);
        if (rows.length === 0) return;
        yield rows;
      }
    } finally {
      if (!this.root.closed) await this.root.exec(`CLOSE ${name}`);
    }
  }

  async *textCursor(text: string, params: readonly unknown[] = [], batch = 1000): AsyncIterable<TextBatch> {
    for await (const rows of this.cursor<Record<string, string | null>>(text, params, batch)) {
      yield { rows: rows.length, chunks: [Buffer.from(rows.map((r) => Object.values(r)[0] ?? '').join(''))] };
    }
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    if (!this.root) throw new Error('listen inside a transaction');
    const unlisten = await this.root.listen(channel, onNotify);
    return async () => unlisten();
  }

  async reserve(): Promise<ReservedSql> {
    if (!this.root) throw new Error('reserve inside a transaction');
    return { query: (text, params) => this.query(text, params), release: () => {} };
  }

  async close(): Promise<void> {
    if (this.root && !this.root.closed) await this.root.close();
  }
}

/** Opens embedded PostgreSQL; `dataDir` undefined means in memory. */
export async function openPGlite(options: { dataDir?: string; loadDataDir?: Blob | File } = {}): Promise<Sql> {
  // Loaded here, not at the top: PGlite's module alone is ~45 MB of RSS that a process on a PostgreSQL server never needs.
  const [{ PGlite }, { pg_trgm }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite/contrib/pg_trgm')]);
  const db = await PGlite.create({ dataDir: options.dataDir, loadDataDir: options.loadDataDir, extensions: { pg_trgm } });
  return new PGliteSql(db, db);
}

/** Wraps an already open PGlite (tests clone a prepared template this way). */
export function pgliteSql(db: PGlite): Sql {
  return new PGliteSql(db, db);
}

type PostgresClient = postgres.Sql<Record<string, never>>;

/**
 * How many statement texts a process prepares: each connection keeps every one it has prepared until it is recycled
 * (postgres.js does so after 30–60 min), and the server keeps a plan for each. The code's own texts number a few
 * hundred; searches compile to texts of their own, so past the cap new texts go unprepared.
 */
const MAX_PREPARED_TEXTS = 2_000;
const preparedTexts = new Set<string>();
const PREPARED = { prepare: true } as const;
const UNPREPARED = { prepare: false } as const;

/**
 * Whether a statement is sent as a named prepared statement. Unprepared (postgres.js's default for `unsafe`), a
 * statement with parameters costs two round trips every time (parse and describe, then bind and execute) and is parsed
 * and planned anew; prepared, it costs one after its first run on a connection, and holds up no statement pipelined
 * behind it.
 */
function preparing(text: string): { prepare: boolean } {
  if (preparedTexts.has(text)) return PREPARED;
  if (preparedTexts.size >= MAX_PREPARED_TEXTS) return UNPREPARED;
  preparedTexts.add(text);
  return PREPARED;
}

class PostgresSql implements Sql {
  readonly engine = 'postgres' as const;
  constructor(
    private readonly sql: PostgresClient | postgres.TransactionSql<Record<string, never>>,
    private readonly root: PostgresClient | null,
    /** Opens a client of one connection with the pool's settings (see `reserve`). */
    private readonly single: ((onClose: () => void) => PostgresClient) | null = null,
  ) {}

  async query<Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    const rows = await this.sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], preparing(text));
    return rows as unknown as Row[];
  }

  async exec(text: string): Promise<void> {
    await this.sql.unsafe(text).simple();
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (!this.root) return fn(this);
    return (await this.root.begin((tx) => fn(new PostgresSql(tx, null)))) as T;
  }

  async savepoint<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.root) throw new Error('a savepoint needs a transaction');
    // postgres.js fails the whole transaction on any failed query unless it ran inside its own savepoint.
    const tx = this.sql as postgres.TransactionSql<Record<string, never>>;
    return (await tx.savepoint((sp) => fn(new PostgresSql(sp as never, null)))) as T;
  }

  async *cursor<Row>(text: string, params: readonly unknown[] = [], batch = 1000): AsyncIterable<Row[]> {
    if (!this.root) throw new Error('a cursor inside a transaction');
    const rows = this.root.unsafe(text, params as postgres.ParameterOrJSON<never>[]).cursor(Math.max(1, Math.floor(batch)));
    for await (const page of rows) yield page as unknown as Row[];
  }

  async *textCursor(text: string, params: readonly unknown[] = [], batch = 1000): AsyncIterable<TextBatch> {
    if (!this.root) throw new Error('a cursor inside a transaction');
    // raw(): each value stays the bytes the server sent, not a string decoded here to be encoded again for the socket.
    const pages = this.root.unsafe(text, params as postgres.ParameterOrJSON<never>[]).raw().cursor(Math.max(1, Math.floor(batch)))[Symbol.asyncIterator]();
    let ahead: Promise<IteratorResult<unknown>> | null = pages.next();
    try {
      for (;;) {
        const page = await ahead;
        ahead = null;
        if (page.done) return;
        // Asked for now, the server renders the next batch while this one is written out. postgres.js sends a short
        // message from a setImmediate queued after this one's: wait a turn past it, or the request waits behind
        // whatever the consumer does with this batch and the two sides take turns instead of working together.
        ahead = pages.next();
        await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
        const values = page.value as Array<[Buffer | null]>;
        // Each value as it lies in the socket's buffer: joining them here would copy each once more, in small pieces.
        const chunks: Buffer[] = [];
        for (const row of values) if (row[0]) chunks.push(row[0]);
        yield { rows: values.length, chunks };
      }
    } finally {
      // A batch still on its way must land before the cursor can be closed, or the connection waits for it forever.
      if (ahead && !(await ahead.catch(() => ({ done: true }))).done) await pages.return?.();
    }
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    if (!this.root) throw new Error('listen inside a transaction');
    const { unlisten } = await this.root.listen(channel, onNotify);
    return unlisten;
  }

  async reserve(onClose: () => void = () => {}): Promise<ReservedSql> {
    if (!this.root || !this.single) throw new Error('reserve inside a transaction');
    // A client of its own rather than one of the pool's connections: when its backend is killed, a query fails and the
    // next one connects anew (a pooled reserved connection may hang instead), and it does not shrink the pool.
    const client = this.single(onClose);
    return {
      query: async <Row>(text: string, params: readonly unknown[] = []) => (await client.unsafe(text, params as postgres.ParameterOrJSON<never>[], preparing(text))) as unknown as Row[],
      release: () => void client.end({ timeout: 1 }).catch(() => {}),
    };
  }

  async close(): Promise<void> {
    if (this.root) await this.root.end({ timeout: 5 });
  }
}

/**
 * A connection URL as postgres.js takes it, and the Unix socket it names the libpq way (`?host=/run/postgresql`, a
 * directory): postgres.js would send that `host` to the server as a setting, which refuses it.
 */
export function postgresAddress(address: string): { url: string; path: string | undefined } {
  const url = new URL(address);
  const host = url.searchParams.get('host');
  if (host === null || !host.startsWith('/')) return { url: address, path: undefined };
  url.searchParams.delete('host');
  return { url: url.toString(), path: `${host.replace(/\/+$/, '')}/.s.PGSQL.${url.port || '5432'}` };
}

/**
 * Connects to a PostgreSQL server. `schema` isolates a test or a tenant: it is created if missing and put first
 * on the search path of every pooled connection.
 */
export async function openPostgres(address: string, options: { schema?: string; max?: number } = {}): Promise<Sql> {
  const { url, path } = postgresAddress(address);
  const { schema, max = 10 } = options;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`bad schema name ${schema}`);
  if (schema) {
    const admin = postgres(url, { max: 1, onnotice: () => {}, path });
    try {
      await admin.unsafe(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await admin.end({ timeout: 5 });
    }
  }
  const open = (connections: number, options: postgres.Options<Record<string, never>> = {}) => postgres(url, {
    ...options,
    path,
    max: connections,
    onnotice: () => {},
    // ISO dates whatever the server's default: postgres.js parses them so, and exports copy their text (export-csv.ts).
    connection: { application_name: NODE_NAME, DateStyle: 'ISO', ...(schema ? { search_path: `${schema},public` } : {}) },
  }) as unknown as PostgresClient;
  const client = open(max);
  // The reserved connection holds session state (a lock) for good: never recycled after a lifetime (postgres.js closes
  // pooled ones after 30–60 min), and its few queries need no array types (one round trip less while the machine is busy).
  return new PostgresSql(client, client, (onclose) => open(1, { max_lifetime: null, fetch_types: false, onclose }));
}
