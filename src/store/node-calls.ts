import { type DomainError, errorOfCode, IllegalStateError, NotFoundError } from '../domain/core/errors.js';
import { NotifyChannel } from './notify-channel.js';
import { NODE_TAG, nodeAlive, nodeInstanceName, type Sql } from './sql.js';

const CHANNEL = 'proctor_node_calls';

type Message =
  | { readonly kind: 'call'; readonly to: string; readonly from: string; readonly id: number; readonly method: string; readonly args: unknown }
  | { readonly kind: 'reply'; readonly to: string; readonly id: number; readonly value?: unknown; readonly error?: { readonly code: string | null; readonly message: string } };

/** The node a call names is not connected: what it held in memory is gone with it. */
export class NodeGoneError extends NotFoundError {
  constructor() {
    super('that server is gone');
  }
}

/** What a node serves to the others: `method` with its JSON arguments, answering JSON (or throwing). */
export type NodeCallServer = (method: string, args: unknown) => Promise<unknown>;

/**
 * Calls from one app node to a named other on the same PostgreSQL database, for what lives in one node's memory
 * and cannot move (a Janus handle belongs to the node's connection to Janus): the request and its answer go through
 * NOTIFY. A call to a node that is not connected fails at once with NOT_FOUND; one that gets no answer in time fails
 * with ILLEGAL_STATE. On PGlite there is one node: every call is served here.
 */
export class NodeCalls {
  /** This node's name: what `call` takes to reach it. */
  readonly node = nodeInstanceName();
  private channel: NotifyChannel<Message> | null = null;
  private next = 0;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  private constructor(private readonly sql: Sql, private readonly serve: NodeCallServer) {}

  static async open(sql: Sql, serve: NodeCallServer): Promise<NodeCalls> {
    const calls = new NodeCalls(sql, serve);
    if (sql.engine === 'postgres') calls.channel = await NotifyChannel.open<Message>(sql, CHANNEL, (m) => calls.heard(m));
    return calls;
  }

  /** Runs `method` on `node` (here when it is this one) and answers what it answered, or throws what it threw. */
  async call(node: string, method: string, args: unknown, timeoutMs = 10_000): Promise<unknown> {
    if (node === this.node) return this.serve(method, args);
    if (!this.channel) throw new NodeGoneError();
    const [{ alive }] = await this.sql.query<{ alive: boolean }>(`SELECT ${nodeAlive('$1::text')} AS alive`, [node]);
    if (!alive) throw new NodeGoneError();
    const id = ++this.next;
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new IllegalStateError(`the server holding it did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
    });
    // Its answer may come before the send below returns: a rejection then is handled when `answer` is returned.
    answer.catch(() => {});
    try {
      await this.channel.send({ kind: 'call', to: node, from: this.node, id, method, args });
    } catch (error) {
      this.waiting.get(id)?.reject(error as Error);
    }
    return answer;
  }

  /**
   * Which of `tags` (`NODE_TAG` of a process) name a node connected to the database now; on PGlite, only this
   * process is.
   */
  async connectedTags(tags: readonly string[]): Promise<Set<string>> {
    if (this.sql.engine !== 'postgres') return new Set(tags.filter((t) => t === NODE_TAG));
    const rows = await this.sql.query<{ tag: string }>(
      `SELECT DISTINCT right(application_name, 6) AS tag FROM pg_stat_activity WHERE application_name LIKE 'proctor %' AND right(application_name, 6) = ANY($1::text[])`,
      [tags],
    );
    return new Set(rows.map((r) => r.tag));
  }

  async close(): Promise<void> {
    await this.channel?.close();
    this.channel = null;
    for (const [, w] of this.waiting) w.reject(new IllegalStateError('this server is shutting down'));
    this.waiting.clear();
  }

  private heard(message: Message): void {
    if (message.to !== this.node) return;
    if (message.kind === 'reply') {
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.error) waiter?.reject(errorOfCode(message.error.code, message.error.message));
      else waiter?.resolve(message.value ?? null);
      return;
    }
    // Served beside the next messages, not before them: a slow call must not hold up the answers this node waits for.
    void this.serve(message.method, message.args).then(
      (value) => this.reply({ kind: 'reply', to: message.from, id: message.id, value: value ?? null }),
      (error: unknown) => {
        const code = (error as Partial<DomainError>).code ?? null;
        return this.reply({ kind: 'reply', to: message.from, id: message.id, error: { code, message: (error as Error).message ?? String(error) } });
      },
    );
  }

  private async reply(message: Message): Promise<void> {
    await this.channel?.send(message).catch(() => {}); // the caller's timer answers for a reply that could not go
  }
}
