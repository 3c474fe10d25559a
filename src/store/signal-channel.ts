import { NODE_NAME, type Sql } from './sql.js';
import { migrate } from './migrate.js';

/** A relayed signal as the channel carries it (see `media/signalling.ts`). */
export interface ChannelSignal {
  readonly sessionId: string;
  readonly from: string;
  readonly to: string;
  readonly kind: string;
  readonly payload: unknown;
}

const CHANNEL = 'proctor_signals';
/** NOTIFY carries at most 8,000 bytes: a larger signal waits in a table for the minute it takes to be fetched. */
const INLINE_BYTES = 7000;

const DDL = `
CREATE TABLE IF NOT EXISTS signal_listeners (
  node       text NOT NULL,
  session_id text NOT NULL,
  username   text NOT NULL,
  listeners  integer NOT NULL,
  PRIMARY KEY (session_id, username, node)
);
CREATE TABLE IF NOT EXISTS signal_spill (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  signal     jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`;

// A listener counts while its node is connected: a node that died (its connections gone) is no longer there to deliver.
const ALIVE = `EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = split_part(l.node, '#', 1))`;

let instances = 0;

/**
 * WebRTC signals between the app nodes of one PostgreSQL database: who listens where (a table, counted only while the
 * listening node is connected) and the signals themselves (NOTIFY, in order; a large one through a table). Signals are
 * relayed, never kept: what a node misses while its connection is down is gone, as a dropped socket's would be.
 */
export class SqlSignalChannel {
  /** This relay among the others (several servers may share a process in tests). */
  readonly node = `${NODE_NAME}#${++instances}`;
  private unlisten: (() => Promise<void>) | null = null;
  private inbox: Promise<void> = Promise.resolve();
  private spilled = 0;

  private constructor(
    private readonly sql: Sql,
    private readonly schema: string,
    private readonly deliver: (signal: ChannelSignal) => void,
  ) {}

  /** Creates the tables if needed and hears the signals other nodes send; `deliver` gets each, in order. */
  static async open(sql: Sql, deliver: (signal: ChannelSignal) => void): Promise<SqlSignalChannel> {
    await migrate(sql, DDL);
    const [{ schema }] = await sql.query<{ schema: string }>(`SELECT current_schema() AS schema`);
    const channel = new SqlSignalChannel(sql, schema, deliver);
    channel.unlisten = await sql.listen(CHANNEL, (payload) => channel.received(payload));
    await sql.query(`DELETE FROM signal_listeners l WHERE NOT ${ALIVE}`);
    return channel;
  }

  /** Counts one more (`delta` 1) or one fewer (-1) listener of this node for `username` in `sessionId`. */
  async present(sessionId: string, username: string, delta: 1 | -1): Promise<void> {
    await this.sql.query(
      `INSERT INTO signal_listeners (node, session_id, username, listeners) VALUES ($1, $2, $3, $4)
       ON CONFLICT (session_id, username, node) DO UPDATE SET listeners = signal_listeners.listeners + EXCLUDED.listeners`,
      [this.node, sessionId, username, delta],
    );
    if (delta < 0) await this.sql.query(`DELETE FROM signal_listeners WHERE node = $1 AND session_id = $2 AND username = $3 AND listeners <= 0`, [this.node, sessionId, username]);
  }

  /** Sends `signal` to the listeners on other nodes it is addressed to; answers how many there are. */
  async send(signal: ChannelSignal): Promise<number> {
    const [{ n }] = await this.sql.query<{ n: number }>(
      `SELECT coalesce(sum(listeners), 0)::int AS n FROM signal_listeners l
        WHERE session_id = $1 AND node <> $2 AND (CASE WHEN $3 = '*' THEN username <> $4 ELSE username = $3 END) AND ${ALIVE}`,
      [signal.sessionId, this.node, signal.to, signal.from],
    );
    if (n === 0) return 0;
    const message = JSON.stringify({ schema: this.schema, node: this.node, signal });
    if (Buffer.byteLength(message) <= INLINE_BYTES) {
      await this.sql.query(`SELECT pg_notify($1, $2)`, [CHANNEL, message]);
      return n;
    }
    // One statement: the row is there when the notification is heard (both take effect at its commit).
    await this.sql.query(
      `WITH spilled AS (INSERT INTO signal_spill (signal) VALUES ($2::text::jsonb) RETURNING id)
       SELECT pg_notify($1, json_build_object('schema', $3::text, 'node', $4::text, 'spilled', id)::text) FROM spilled`,
      [CHANNEL, JSON.stringify(signal), this.schema, this.node],
    );
    if (++this.spilled % 100 === 0) await this.sql.query(`DELETE FROM signal_spill WHERE created_at < now() - interval '1 minute'`);
    return n;
  }

  /** Stops hearing signals and forgets this node's listeners. */
  async close(): Promise<void> {
    await this.unlisten?.().catch(() => {});
    this.unlisten = null;
    await this.inbox;
    await this.sql.query(`DELETE FROM signal_listeners WHERE node = $1`, [this.node]).catch(() => {});
  }

  private received(payload: string): void {
    let message: { schema?: unknown; node?: unknown; signal?: ChannelSignal; spilled?: unknown };
    try {
      message = JSON.parse(payload);
    } catch {
      return;
    }
    if (message.schema !== this.schema || message.node === this.node) return;
    // One at a time, so a spilled signal fetched from the table is not overtaken by the small one sent after it.
    this.inbox = this.inbox.then(async () => {
      const signal = message.signal ?? (await this.fetchSpilled(message.spilled));
      if (signal) this.deliver(signal);
    }).catch(() => {});
  }

  private async fetchSpilled(id: unknown): Promise<ChannelSignal | null> {
    if (typeof id !== 'number' && typeof id !== 'string') return null;
    const [row] = await this.sql.query<{ signal: string }>(`SELECT signal::text AS signal FROM signal_spill WHERE id = $1`, [id]);
    return row ? (JSON.parse(row.signal) as ChannelSignal) : null;
  }
}
