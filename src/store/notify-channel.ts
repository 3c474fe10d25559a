import { migrate } from './migrate.js';
import type { Sql } from './sql.js';

/** NOTIFY carries at most 8,000 bytes: a larger message waits in a table for the minute it takes to be fetched. */
const INLINE_BYTES = 7000;

const DDL = `
CREATE TABLE IF NOT EXISTS notify_spill (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message    jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`;

/**
 * JSON messages among the app nodes of one PostgreSQL database on one NOTIFY channel, heard in the order they were
 * sent. Nodes on other schemas of the same database (tests, several deployments) do not hear each other. A message
 * larger than NOTIFY carries goes through a table. Messages are relayed, never kept: what a node misses while its
 * connection is down is gone.
 */
export class NotifyChannel<M> {
  private unlisten: (() => Promise<void>) | null = null;
  private inbox: Promise<void> = Promise.resolve();
  private spilled = 0;

  private constructor(
    private readonly sql: Sql,
    private readonly channel: string,
    private readonly schema: string,
    private readonly receive: (message: M) => void | Promise<void>,
  ) {}

  /** Starts hearing `channel`: `receive` gets each message (this node's own too), one at a time, in order. */
  static async open<M>(sql: Sql, channel: string, receive: (message: M) => void | Promise<void>): Promise<NotifyChannel<M>> {
    await migrate(sql, DDL);
    const [{ schema }] = await sql.query<{ schema: string }>(`SELECT current_schema() AS schema`);
    const notify = new NotifyChannel(sql, channel, schema, receive);
    notify.unlisten = await sql.listen(channel, (payload) => notify.heard(payload));
    return notify;
  }

  async send(message: M): Promise<void> {
    const inline = JSON.stringify({ schema: this.schema, message });
    if (Buffer.byteLength(inline) <= INLINE_BYTES) {
      await this.sql.query(`SELECT pg_notify($1, $2)`, [this.channel, inline]);
      return;
    }
    // One statement: the row is there when the notification is heard (both take effect at its commit).
    await this.sql.query(
      `WITH spilled AS (INSERT INTO notify_spill (message) VALUES ($2::text::jsonb) RETURNING id)
       SELECT pg_notify($1, json_build_object('schema', $3::text, 'spilled', id)::text) FROM spilled`,
      [this.channel, JSON.stringify(message), this.schema],
    );
    if (++this.spilled % 100 === 0) await this.sql.query(`DELETE FROM notify_spill WHERE created_at < now() - interval '1 minute'`);
  }

  /** Stops hearing; resolves once the messages heard so far are handled. */
  async close(): Promise<void> {
    await this.unlisten?.().catch(() => {});
    this.unlisten = null;
    await this.inbox;
  }

  private heard(payload: string): void {
    let envelope: { schema?: unknown; message?: M; spilled?: unknown };
    try {
      envelope = JSON.parse(payload);
    } catch {
      return;
    }
    if (envelope.schema !== this.schema) return;
    // One at a time, so a spilled message fetched from the table is not overtaken by the small one sent after it.
    this.inbox = this.inbox.then(async () => {
      const message = envelope.message ?? (await this.fetchSpilled(envelope.spilled));
      if (message !== undefined && message !== null) await this.receive(message);
    }).catch(() => {});
  }

  private async fetchSpilled(id: unknown): Promise<M | null> {
    if (typeof id !== 'number' && typeof id !== 'string') return null;
    const [row] = await this.sql.query<{ message: string }>(`SELECT message::text AS message FROM notify_spill WHERE id = $1`, [id]);
    return row ? (JSON.parse(row.message) as M) : null;
  }
}
