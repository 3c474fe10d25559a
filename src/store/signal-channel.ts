import { nodeAlive, nodeInstanceName, type Sql } from './sql.js';
import { migrate } from './migrate.js';
import { NotifyChannel } from './notify-channel.js';

/** A relayed signal as the channel carries it (see `media/signalling.ts`). */
export interface ChannelSignal {
  readonly sessionId: string;
  readonly from: string;
  readonly to: string;
  readonly kind: string;
  readonly payload: unknown;
}

const CHANNEL = 'proctor_signals';

const DDL = `
CREATE TABLE IF NOT EXISTS signal_listeners (
  node       text NOT NULL,
  session_id text NOT NULL,
  username   text NOT NULL,
  listeners  integer NOT NULL,
  PRIMARY KEY (session_id, username, node)
);
`;

// A listener counts while its node is connected: a node that died (its connections gone) is no longer there to deliver.
const ALIVE = nodeAlive('l.node');

/**
 * WebRTC signals between the app nodes of one PostgreSQL database: who listens where (a table, counted only while the
 * listening node is connected) and the signals themselves (`NotifyChannel`, in order). Signals are relayed, never
 * kept: what a node misses while its connection is down is gone, as a dropped socket's would be.
 */
export class SqlSignalChannel {
  /** This relay among the others. */
  readonly node = nodeInstanceName();
  private channel: NotifyChannel<{ node: string; signal: ChannelSignal }> | null = null;

  private constructor(private readonly sql: Sql) {}

  /** Creates the tables if needed and hears the signals other nodes send; `deliver` gets each, in order. */
  static async open(sql: Sql, deliver: (signal: ChannelSignal) => void): Promise<SqlSignalChannel> {
    await migrate(sql, DDL);
    const relay = new SqlSignalChannel(sql);
    relay.channel = await NotifyChannel.open<{ node: string; signal: ChannelSignal }>(sql, CHANNEL, (m) => {
      if (m.node !== relay.node && m.signal) deliver(m.signal);
    });
    await sql.query(`DELETE FROM signal_listeners l WHERE NOT ${ALIVE}`);
    return relay;
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
    await this.channel!.send({ node: this.node, signal });
    return n;
  }

  /** Stops hearing signals and forgets this node's listeners. */
  async close(): Promise<void> {
    await this.channel?.close();
    this.channel = null;
    await this.sql.query(`DELETE FROM signal_listeners WHERE node = $1`, [this.node]).catch(() => {});
  }
}
