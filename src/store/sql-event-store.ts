import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ConcurrencyError, ValidationError } from '../domain/core/errors.js';
import type {
  AppendResult, EventMetadata, EventShape, EventStore, ExpectedVersion, NewEvent, ReadAllOptions, Recorded, RecordedEvent, SubscribeOptions, Subscription,
} from './event-store.js';
import { Coalesced } from './coalesced.js';
import { pollingSubscription } from './polling-subscription.js';
import { appendRows, appendStatement } from './append-rows.js';
import { readHorizon } from './read-horizon.js';
import { RecentMap } from './recent-map.js';
import { EVENTS_DDL } from './sql-schema.js';
import { migrate } from './migrate.js';
import { sqlErrorInfo, type Sql } from './sql.js';
import { validateAppend, type CanonicalPayload } from './validate.js';

const NOTIFY_CHANNEL = 'proctor_events';

/** A stream's last version and hash; version -1 and no hash for a stream that does not exist. */
interface Head {
  readonly version: number;
  readonly hash: string | null;
}

const NO_HEAD: Head = { version: -1, hash: null };

interface EventRow {
  position: string | number;
  transaction_id: string;
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
  recorded_at: Date;
  prev_hash: string | null;
  hash: string;
  seal: string | null;
}

const SELECT_EVENT = `position::text AS position, transaction_id::text AS transaction_id, stream_id, stream_version,
  event_id::text AS event_id, type, data::text AS data, metadata::text AS metadata, recorded_at, prev_hash, hash, seal`;

const pad = (n: string) => n.padStart(20, '0');

export function encodeCheckpoint(transactionId: string, position: string): string {
  return `${pad(transactionId)}:${pad(position)}`;
}

function decodeCheckpoint(checkpoint: string): [string, string] {
  const match = /^(\d{1,20}):(\d{1,20})$/.exec(checkpoint);
  if (!match) throw new ValidationError(`bad checkpoint ${JSON.stringify(checkpoint)}`);
  return [BigInt(match[1]).toString(), BigInt(match[2]).toString()];
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata) as EventMetadata,
    recordedAt: new Date(row.recorded_at),
    position: Number(row.position),
    checkpoint: encodeCheckpoint(row.transaction_id, String(row.position)),
    prevHash: row.prev_hash,
    hash: row.hash,
    seal: row.seal ?? null,
  };
}

export interface SqlEventStoreOptions {
  /** Event types the store accepts; anything else is refused with `ValidationError`. */
  readonly eventTypes: ReadonlySet<string>;
  /** How often a subscription looks for events another node appended when no notification arrived (ms). */
  readonly pollIntervalMs?: number;
  /** The clock that stamps `recordedAt` (tests pin it). */
  readonly clock?: () => Date;
  /** The key each event's hash is sealed with (see `RecordedEvent.seal`); without one, events are not sealed. */
  readonly sealKey?: Uint8Array;
}

/** The pglite and postgres adapter: one implementation over the `Sql` port, the same SQL on both engines. */
export class SqlEventStore implements EventStore {
  private readonly appended = new EventEmitter();
  private unlisten: (() => Promise<void>) | null = null;
  private readonly subscriptions = new Set<Subscription>();
  /** Version and hash of the last event this store appended to each recent stream (see `appendOnce`). */
  private readonly heads = new RecentMap<string, Head>(10_000);
  private readonly appendSql: string;
  /** What this store's NOTIFYs carry, so that it does not wake itself with its own (it knows of its appends). */
  private readonly notifier = randomBytes(6).toString('hex');
  private alone: () => boolean = () => false;

  private constructor(
    readonly sql: Sql,
    private readonly options: SqlEventStoreOptions,
  ) {
    this.appended.setMaxListeners(0);
    this.appendSql = appendStatement(sql.engine);
  }

  /** Creates the table if needed and listens for appends made by other processes. */
  static async open(sql: Sql, options: SqlEventStoreOptions): Promise<SqlEventStore> {
    await migrate(sql, EVENTS_DDL);
    const store = new SqlEventStore(sql, options);
    if (sql.engine === 'postgres') {
      store.unlisten = await sql.listen(NOTIFY_CHANNEL, (from) => from !== store.notifier && store.appended.emit('appended'));
    }
    return store;
  }

  async appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedVersion?: ExpectedVersion } = {},
  ): Promise<AppendResult> {
    const payloads = validateAppend(streamId, events, this.options.eventTypes);
    const expected = options.expectedVersion ?? 'any';
    // 'any' promises no version check: a writer that lost the race for the next version simply goes after the winner.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.appendOnce(streamId, events, payloads, expected);
      } catch (error) {
        if (!(expected === 'any' && error instanceof ConcurrencyError && attempt < 5)) throw error;
      }
    }
  }

  private async appendOnce(streamId: string, events: readonly NewEvent[], payloads: readonly CanonicalPayload[], expected: ExpectedVersion): Promise<AppendResult> {
    // The head this node last wrote, or for a stream expected not to exist no head at all, when it satisfies the
    // expected version: one round trip instead of two. Nothing trusts it blindly: if the stream is not where assumed
    // (another writer, or these event ids are stored already), the INSERT breaks a unique constraint and the append
    // starts over from the stored head.
    const assumed = this.heads.get(streamId) ?? (expected === 'no_stream' ? NO_HEAD : undefined);
    if (assumed && expectedMatches(expected, assumed.version)) {
      const result = await this.insert(streamId, events, payloads, assumed, true);
      if (result) return result;
      this.heads.delete(streamId);
    }
    // Round trip 1: the stream's head, and where the first event id already is (an idempotent retry).
    const [head] = await this.sql.query<{ version: number | null; hash: string | null; existing_stream: string | null; existing_version: number | null }>(
      `SELECT h.stream_version AS version, h.hash, e.stream_id AS existing_stream, e.stream_version AS existing_version
         FROM (SELECT 1) one
         LEFT JOIN LATERAL (SELECT stream_version, hash FROM events WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1) h ON true
         LEFT JOIN events e ON e.event_id = $2::uuid`,
      [streamId, events[0].id],
    );
    if (head.existing_stream !== null) return this.idempotentResult(streamId, events, head.existing_stream);
    const current = head.version ?? -1;
    checkExpected(streamId, expected, current);
    return (await this.insert(streamId, events, payloads, { version: current, hash: head.hash }, false))!;
  }

  /**
   * Round trip 2: one statement (see `appendStatement`). The unique (stream, version) constraint catches a writer
   * that appended since the head was read. With `assumed`, any unique violation returns null instead (the caller
   * reads the stored head and decides).
   */
  private async insert(streamId: string, events: readonly NewEvent[], payloads: readonly CanonicalPayload[], head: Head, assumed: boolean): Promise<AppendResult | null> {
    const current = head.version;
    // One reading of the clock for the whole append: its events are recorded at once.
    const recordedAt = (this.options.clock ?? (() => new Date()))();
    const rows = appendRows(streamId, events, payloads, { current, headHash: head.hash, recordedAt, sealKey: this.options.sealKey });
    try {
      const inserted = await this.sql.query<{ position: string | number }>(this.appendSql, [streamId, rows.document, rows.recordedAt, rows.headHash]);
      const version = current + events.length;
      this.heads.set(streamId, { version, hash: rows.lastHash });
      this.appended.emit('appended');
      if (this.sql.engine === 'postgres' && !this.alone()) this.wake.run();
      return { nextExpectedVersion: version, lastPosition: Number(inserted[0].position), idempotent: false };
    } catch (error) {
      const info = sqlErrorInfo(error);
      if (assumed && info.code === '23505') return null;
      if (info.code === '23505' && info.constraint === 'events_stream_version') {
        this.heads.delete(streamId);
        throw new ConcurrencyError(`stream ${streamId} was changed by another writer (expected version ${current})`, { streamId });
      }
      if (info.code === '23505' && info.constraint === 'events_event_id') {
        // A concurrent retry of the same append won the race, or an id is reused elsewhere.
        const [found] = await this.sql.query<{ stream_id: string }>(`SELECT stream_id FROM events WHERE event_id = ANY($1::uuid[]) LIMIT 1`, [events.map((e) => e.id)]);
        if (found?.stream_id === streamId) return this.idempotentResult(streamId, events, streamId);
        throw new ValidationError(`an event id of this append is already used by stream ${found?.stream_id ?? '?'}`);
      }
      throw error;
    }
  }

  private async idempotentResult(streamId: string, events: readonly NewEvent[], existingStream: string): Promise<AppendResult> {
    if (existingStream !== streamId) {
      throw new ValidationError(`event id ${events[0].id} is already used by stream ${existingStream}`);
    }
    const stored = await this.sql.query<{ event_id: string; stream_version: number; position: string }>(
      `SELECT event_id::text AS event_id, stream_version, position::text AS position FROM events
        WHERE stream_id = $1 AND event_id = ANY($2::uuid[]) ORDER BY stream_version`,
      [streamId, events.map((e) => e.id)],
    );
    const sameBatch =
      stored.length === events.length &&
      stored.every((row, i) => row.event_id === events[i].id.toLowerCase() && row.stream_version === stored[0].stream_version + i);
    if (!sameBatch) {
      throw new ConcurrencyError(`stream ${streamId} already holds some but not all of these event ids, or in another order`, { streamId });
    }
    const last = stored[stored.length - 1];
    return { nextExpectedVersion: last.stream_version, lastPosition: Number(last.position), idempotent: true };
  }

  async readStream<E extends EventShape = EventShape>(streamId: string, options: { fromVersion?: number; limit?: number } = {}): Promise<Recorded<E>[]> {
    const rows = await this.sql.query<EventRow>(
      `SELECT ${SELECT_EVENT} FROM events WHERE stream_id = $1 AND stream_version >= $2 ORDER BY events.stream_version LIMIT $3`,
      [streamId, Math.max(0, Math.min(options.fromVersion ?? 0, 2_147_483_647)), options.limit === undefined ? null : Math.max(0, options.limit)],
    );
    return rows.map(toRecorded) as Recorded<E>[];
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const [xid, position] = options.after ? decodeCheckpoint(options.after) : ['0', '0'];
    const limit = Math.max(1, Math.min(options.limit ?? 1000, 10_000));
    const rows = await this.sql.query<EventRow>(
      `SELECT ${SELECT_EVENT} FROM events
        WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
          AND transaction_id < ${readHorizon(this.sql.engine)}
        ORDER BY events.transaction_id, events.position -- the columns: the text aliases above would sort '1000' before '999'
        LIMIT $3`,
      [xid, position, limit],
    );
    return rows.map(toRecorded);
  }

  subscribe(handler: (events: readonly RecordedEvent[]) => Promise<void> | void, options: SubscribeOptions = {}): Subscription {
    const subscription = pollingSubscription({
      read: (after, limit) => this.readAll({ after, limit }),
      wakeups: this.appended,
      pollIntervalMs: this.options.pollIntervalMs ?? (this.sql.engine === 'postgres' ? 200 : 1000),
      handler,
      options,
    });
    this.subscriptions.add(subscription);
    return {
      close: async () => {
        this.subscriptions.delete(subscription);
        await subscription.close();
      },
    };
  }

  /**
   * Tells the other nodes' readers there is more, after the commit and one NOTIFY at a time (appends made meanwhile
   * share the next). A NOTIFY inside the append would hold PostgreSQL's one notification lock from there to the
   * commit, its WAL flush included, and put every append's commit in single file. Readers also poll, so a node that
   * dies before it notifies delays the others by a poll at most.
   */
  private readonly wake = new Coalesced(async () => {
    await this.sql.query(`SELECT pg_notify('${NOTIFY_CHANNEL}', $1)`, [this.notifier]);
  });

  /**
   * Appends are announced to other nodes only while `isAlone()` is false (the projection runner's lead counts the
   * nodes): a node alone on its database saves a statement per append. A node that joins is counted within a second,
   * and its readers poll meanwhile.
   */
  announceUnless(isAlone: () => boolean): void {
    this.alone = isAlone;
  }

  async close(): Promise<void> {
    await this.wake.idle();
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    if (this.unlisten) await this.unlisten().catch(() => {});
  }
}

/** Whether a stream at `current` satisfies `expected` (`checkExpected` says why not, and checks the value itself). */
function expectedMatches(expected: ExpectedVersion, current: number): boolean {
  return expected === 'any' || (expected === 'no_stream' ? current === -1 : expected === current);
}

function checkExpected(streamId: string, expected: ExpectedVersion, current: number): void {
  if (expected === 'any') return;
  const wanted = expected === 'no_stream' ? -1 : expected;
  if (typeof wanted !== 'number' || !Number.isInteger(wanted) || wanted < -1) {
    throw new ValidationError(`bad expected version ${JSON.stringify(expected)}`);
  }
  if (wanted !== current) {
    const now = current === -1 ? 'does not exist' : `is at version ${current}`;
    const want = wanted === -1 ? 'not to exist' : `to be at version ${wanted}`;
    throw new ConcurrencyError(`stream ${streamId} ${now}, expected it ${want}`, { streamId, expected: wanted, actual: current });
  }
}
