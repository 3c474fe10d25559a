import type { ReservedSql, Sql } from './sql.js';

/**
 * Which node of a cluster does the work that must be done once (applying projections, clocks that append): the holder
 * of a PostgreSQL advisory lock. Correctness never rests on it alone (checkpoint rows are locked for each batch, appends
 * check expected versions): it keeps the others from doing the work twice and from contending for those locks.
 */
export interface Leadership {
  /** True while this node holds the lead. */
  readonly leading: boolean;
  /** Whether other nodes may hold the lead (false: this node is the only one, as on PGlite). */
  readonly shared: boolean;
  /**
   * True while this node knows itself the only one on its database (and schema): nobody else needs to be told of its
   * commits. False when others are there or it does not know yet; a node that joins is seen within a check interval.
   */
  readonly alone: boolean;
  /** Calls `listener` each time this node gains (true) or loses (false) the lead. Returns the unsubscribe function. */
  onChange(listener: (leading: boolean) => void): () => void;
  /** Gives the lead up (another node takes it within its check interval) and stops trying to take it. */
  stop(): Promise<void>;
}

/** The lead of a node that is alone on its database (PGlite is held by one process: see server-lock.ts). */
export function soleLeadership(): Leadership {
  return { leading: true, shared: false, alone: true, onChange: () => () => {}, stop: async () => {} };
}

export interface AdvisoryLeadershipOptions {
  /** How often a follower tries to take the lead, and the leader checks it still holds it (ms). Failover takes at most this. */
  readonly checkMs?: number;
  /**
   * How long a check may go unanswered before its connection is taken for lost and opened anew (ms; default 30 s). A
   * slow answer is not a lost lead: on a busy machine opening a connection alone takes seconds, and a lead dropped on
   * every slow answer passes to nobody. Only silence this long (a network that swallows packets) gives it up.
   */
  readonly silentMs?: number;
  /** Told why the lock's connection failed (it is opened again at the next check). */
  readonly log?: (message: string, error?: unknown) => void;
}

// The lock is per database, and tests (or tenants) share one database with a schema each: the schema is in the key.
// The keepalive settings are for the server's side of the lock's connection: a node whose process dies closes it at
// once, but a machine that dies or drops off the network says nothing, and by default PostgreSQL would keep its backend
// (and the lock) for two hours. With probes after 2 s of quiet, 1 s apart, two unanswered, the lock is freed about 4 s
// after the node was last heard (it asks every second while alive, and its kernel answers probes however busy it is).
const TRY_LOCK = `SELECT pg_try_advisory_lock(hashtext($1), hashtext(current_schema())) AS got, pg_backend_pid() AS pid,
  set_config('tcp_keepalives_idle', '2', false), set_config('tcp_keepalives_interval', '1', false),
  set_config('tcp_keepalives_count', '2', false), set_config('tcp_user_timeout', '4000', false)`;
const UNLOCK = `SELECT pg_advisory_unlock(hashtext($1), hashtext(current_schema()))`;
// Every node holds a shared lock of its own on its lead's connection, so the lock table counts the nodes there (a node
// that dies drops its lock with its connection, as it drops the lead).
const PRESENT = `SELECT pg_advisory_lock_shared(hashtext($1), hashtext(current_schema()))`;
/** The column counting the holders of the presence lock whose name is the statement's parameter `param` ("$1"). */
const nodesColumn = (param: string) => `(SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2
  AND classid = hashtext(${param})::oid AND objid = hashtext(current_schema())::oid)::int AS nodes`;

/**
 * The lead named `name`, held as a session-level advisory lock on a connection reserved for it. The lock goes with its
 * connection: when the leader's process dies, PostgreSQL drops the connection and the lock at once (when its machine
 * dies, within the keepalive time above), and a follower takes it at its next check. The leader notices a lost
 * connection at its own next check (a query fails, or the connection came back on a new backend that does not hold the
 * lock) and steps down. A check that is merely slow changes nothing: the leader leads on, a follower waits for its answer.
 */
export class AdvisoryLeadership implements Leadership {
  readonly shared = true;
  private held = false;
  /** How many nodes the last check counted (this one included), 0 before one answered. */
  private nodes = 0;
  /** The backend that holds this node's presence lock. */
  private presentOn: number | null = null;
  private connection: ReservedSql | null = null;
  private pid: number | null = null;
  private readonly listeners = new Set<(leading: boolean) => void>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  private constructor(
    private readonly sql: Sql,
    private readonly name: string,
    private readonly options: AdvisoryLeadershipOptions,
  ) {}

  /** Starts contending for `name`; resolves after the first attempt (so a lone node leads from the start). */
  static async start(sql: Sql, name: string, options: AdvisoryLeadershipOptions = {}): Promise<AdvisoryLeadership> {
    const leadership = new AdvisoryLeadership(sql, name, options);
    await leadership.check();
    leadership.schedule();
    return leadership;
  }

  get leading(): boolean {
    return this.held;
  }

  get alone(): boolean {
    return this.nodes === 1 && this.connection !== null;
  }

  onChange(listener: (leading: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const connection = this.connection;
    this.connection = null;
    // Not waiting for a check in flight: it may wait on a silent network. The unlock queues behind it on the connection,
    // and closing the connection frees the lock anyway; the check that was in flight then fails and changes nothing.
    if (connection && this.held) await withTimeout(connection.query(UNLOCK, [this.name]), 2000).catch(() => {});
    connection?.release();
    this.nodes = 0;
    this.set(false);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.check().finally(() => this.schedule());
    }, this.options.checkMs ?? 1000);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    let connection: ReservedSql | null = null;
    try {
      if (!this.connection) {
        const fresh: ReservedSql = await this.sql.reserve(() => this.closed(fresh));
        // Stopped meanwhile: a connection opened now would hold whatever it took past the stop.
        if (this.stopped) return fresh.release();
        this.connection = fresh;
      }
      const open = (connection = this.connection);
      const ask = <Row>(text: string, params: unknown[] = []) => withTimeout(open.query<Row>(text, params), this.options.silentMs ?? 30_000);
      const presence = `presence:${this.name}`;
      // This node's presence goes with the backend that holds it: on a backend new to it (a first check, a connection
      // that came back), it is taken there, and the count it was not yet in gets it.
      const counted = async (row: { pid: number; nodes: number }) => {
        if (row.pid === this.presentOn) return row.nodes;
        await ask(PRESENT, [presence]);
        this.presentOn = row.pid;
        return row.nodes + 1;
      };
      if (this.held) {
        const [row] = await ask<{ pid: number; nodes: number }>(`SELECT pg_backend_pid() AS pid, ${nodesColumn('$1')}`, [presence]);
        if (this.stopped) return;
        this.nodes = await counted(row);
        if (row.pid !== this.pid) this.set(false); // a new backend: the old one, and the lock with it, is gone
        if (this.held) return;
      }
      const [row] = await ask<{ got: boolean; pid: number; nodes: number }>(`${TRY_LOCK}, ${nodesColumn('$2')}`, [this.name, presence]);
      if (this.stopped) return;
      this.pid = row.pid;
      this.nodes = await counted(row);
      this.set(row.got);
    } catch (error) {
      if (this.stopped) return;
      this.options.log?.(`the lead "${this.name}" could not be checked; trying again`, error);
      // Closed, so that a lock its backend may still hold is freed; the next check opens a connection of its own.
      connection?.release();
      if (this.connection === connection) this.connection = null;
      this.nodes = 0;
      this.presentOn = null;
      this.set(false);
    }
  }

  /** The lock's connection closed (its backend was ended, the network broke): the lock went with it, at once. */
  private closed(connection: ReservedSql): void {
    if (connection !== this.connection) return;
    this.nodes = 0; // its presence went with it: not known to be alone until the next check counts again
    if (!this.stopped) this.set(false);
  }

  private set(leading: boolean): void {
    if (leading === this.held) return;
    this.held = leading;
    for (const listener of [...this.listeners]) listener(leading);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the database in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The lead on `sql`: an advisory lock on PostgreSQL, this node alone on PGlite. */
export async function leadershipOn(sql: Sql, name: string, options: AdvisoryLeadershipOptions = {}): Promise<Leadership> {
  return sql.engine === 'postgres' ? AdvisoryLeadership.start(sql, name, options) : soleLeadership();
}

/**
 * Holds the cluster-wide lock `name` until `release` (another node asking for it waits): for startup steps that must
 * not run on two nodes at once, such as creating the first administrator in an empty store. A process that dies
 * drops it with its connection. On PGlite (one process) it is granted at once.
 */
export async function clusterLock(sql: Sql, name: string): Promise<{ release(): Promise<void> }> {
  if (sql.engine !== 'postgres') return { release: async () => {} };
  const connection = await sql.reserve();
  try {
    await connection.query(`SELECT pg_advisory_lock(hashtext($1), hashtext(current_schema()))`, [`lock:${name}`]);
  } catch (error) {
    connection.release();
    throw error;
  }
  return {
    async release() {
      await connection.query(`SELECT pg_advisory_unlock(hashtext($1), hashtext(current_schema()))`, [`lock:${name}`]).catch(() => {});
      connection.release();
    },
  };
}
