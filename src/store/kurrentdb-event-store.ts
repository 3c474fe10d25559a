import { BACKWARDS, END, FORWARDS, KurrentDBClient, START, WrongExpectedVersionError, jsonEvent, streamNameFilter, type Position } from '@kurrent/kurrentdb-client';
import { ConcurrencyError, ValidationError } from '../domain/core/errors.js';
import type {
  AppendResult, EventShape, EventStore, ExpectedVersion, NewEvent, ReadAllOptions, Recorded, RecordedEvent, SubscribeOptions, Subscription,
} from './event-store.js';
import {
  CHAIN_KEY, CLAIM_EVENT_TYPE, CLAIM_STREAM_PREFIX, STORED_STREAMS_REGEX, checkExpected, claimStreamName, comparePositions, decodeKurrentCheckpoint,
  expectedVersionNumber, fromStoredMetadata, isAbsent, positionOf, toRecorded, toStoredMetadata, toStreamState, translateAppendError,
} from './kurrentdb-mapping.js';
import { liveSubscription } from './kurrentdb-subscription.js';
import { eventHash, sealOf, validateAppend } from './validate.js';

/** The client calls the adapter makes; `KurrentDBClient` has them, and so can a test double. */
export type KurrentClient = Pick<KurrentDBClient, 'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'>;

interface Claim {
  readonly streamId: string;
  readonly streamVersion: number;
  readonly revision: bigint;
}

export interface KurrentDbEventStoreOptions {
  /** Event types the store accepts; anything else is refused with `ValidationError`. */
  readonly eventTypes: ReadonlySet<string>;
  /** The clock that stamps `recordedAt` (tests pin it). */
  readonly clock?: () => Date;
  /**
   * Record the first event id of every append in a claim stream, so that id cannot be used by another stream and a
   * retry with `'any'` is recognised (default true). Costs one extra write per append; see the class comment.
   */
  readonly claimEventIds?: boolean;
  /** The key each event's hash is sealed with (see `RecordedEvent.seal`). */
  readonly sealKey?: Uint8Array;
}

/**
 * The kurrentdb adapter: KurrentDB (EventStoreDB) through `@kurrent/kurrentdb-client`, with the semantics of the SQL
 * adapter.
 *
 * - Append: reads the stream's head (and, in parallel, the first event id's claim), checks the expected version on
 *   the client, chains the hashes from the head, then appends with the head's revision as the server-side expected
 *   revision, so a writer that slipped in between gets `ConcurrencyError` and the chain never forks. Three round
 *   trips in sequence (the two reads together, the claim, the events), two with `claimEventIds: false`; a retry
 *   reads once more.
 * - Hash chain: `recordedAt` (from the adapter's clock), `prevHash` and `hash` live in the event metadata under
 *   `CHAIN_KEY`, which callers may not use and never see.
 * - Event ids: KurrentDB itself is idempotent only for the same ids at the same position, and knows no event id
 *   across streams. So the first id of each append is claimed in its own stream (`proctor-event-id-<uuid>`, holding
 *   the stream and version the batch went to) before the events are written: reusing that id in another stream is a
 *   `ValidationError`, a repeat of the batch is idempotent wherever it landed, a partial repeat is a
 *   `ConcurrencyError`. Ids after the first are not checked across streams or against older events of the stream.
 *   With `claimEventIds: false`, a repeat is recognised only at the position the expected version names.
 * - Order: `$all` order. `position` is the commit position; `checkpoint` is `commit:prepare`, zero-padded.
 *   Reads and subscriptions leave out system streams, system events and claims.
 * - Limits: the server's maximum append size (1 MiB by default) bounds a batch before `MAX_EVENTS_PER_APPEND` does;
 *   reading `$all` needs a user allowed to (an admin, or an insecure node). Stream ids starting with `$` (system
 *   streams) or with the claim prefix are refused.
 */
export class KurrentDbEventStore implements EventStore {
  private readonly subscriptions = new Set<Subscription>();
  private readonly claims: boolean;

  private constructor(
    private readonly client: KurrentClient,
    private readonly options: KurrentDbEventStoreOptions,
  ) {
    this.claims = options.claimEventIds ?? true;
    for (const type of options.eventTypes) {
      if (type.startsWith('$') || type === CLAIM_EVENT_TYPE) throw new Error(`event type ${type} is reserved in KurrentDB`);
    }
  }

  /**
   * Connects with a KurrentDB connection string (`kurrentdb://admin:changeit@host:2113?tls=false`) and reads the last
   * event of `$all` once, so a wrong address or a user who may not read `$all` fails here rather than later.
   */
  static async open(connectionString: string, options: KurrentDbEventStoreOptions): Promise<KurrentDbEventStore> {
    const client = KurrentDBClient.connectionString(connectionString);
    try {
      const store = new KurrentDbEventStore(client, options);
      for await (const _ of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) break;
      return store;
    } catch (error) {
      await client.dispose().catch(() => {});
      throw error;
    }
  }

  /** Wraps a client made elsewhere (its lifetime then ends with `close`). */
  static withClient(client: KurrentClient, options: KurrentDbEventStoreOptions): KurrentDbEventStore {
    return new KurrentDbEventStore(client, options);
  }

  async appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedVersion?: ExpectedVersion } = {},
  ): Promise<AppendResult> {
    validateAppend(streamId, events, this.options.eventTypes);
    if (streamId.startsWith('$') || streamId.startsWith(CLAIM_STREAM_PREFIX)) {
      throw new ValidationError(`stream id ${JSON.stringify(streamId)} is reserved in KurrentDB`);
    }
    for (const [i, event] of events.entries()) {
      if (event.metadata && CHAIN_KEY in event.metadata) throw new ValidationError(`event ${i} metadata uses the reserved key ${CHAIN_KEY}`);
    }
    const expected = options.expectedVersion ?? 'any';
    const wanted = expectedVersionNumber(expected);
    const firstId = events[0].id.toLowerCase();

    const [head, claim] = await Promise.all([this.readHead(streamId), this.claims ? this.readClaim(firstId) : null]);
    if (claim && claim.streamId !== streamId) {
      throw new ValidationError(`event id ${firstId} is already used by stream ${claim.streamId}`);
    }
    const current = head?.streamVersion ?? -1;
    // Where an earlier append of this batch would be: its claim says, or else the expected version.
    const earlier = claim ? claim.streamVersion : wanted !== null && wanted < current ? wanted + 1 : null;
    if (earlier !== null && earlier <= current) {
      const repeat = await this.repeatedAt(streamId, events, earlier);
      if (repeat) return repeat;
    }
    checkExpected(streamId, expected, current);

    const clock = this.options.clock ?? (() => new Date());
    let prevHash = head?.hash ?? null;
    const proposed = events.map((event, i) => {
      const recordedAt = clock();
      const metadata = event.metadata ?? {};
      const streamVersion = current + 1 + i;
      const hash = eventHash({ prevHash, streamId, streamVersion, id: event.id, type: event.type, recordedAt, data: event.data, metadata });
      const stored = jsonEvent({
        id: event.id,
        type: event.type,
        data: event.data as Record<string, unknown>,
        metadata: toStoredMetadata(metadata, { recordedAt: recordedAt.toISOString(), prevHash, hash, seal: this.options.sealKey ? sealOf(this.options.sealKey, hash) : null }),
      });
      prevHash = hash;
      return stored;
    });

    if (this.claims) await this.writeClaim(firstId, streamId, current + 1, claim?.revision ?? null);
    try {
      const result = await this.client.appendToStream(streamId, proposed, {
        streamState: toStreamState(current === -1 ? 'no_stream' : current),
      });
      const position = result.position ?? (await this.readHead(streamId))?.position;
      if (!position) throw new Error(`KurrentDB did not report the position of the append to ${streamId}`);
      return { nextExpectedVersion: current + events.length, lastPosition: Number(position.commit), idempotent: false };
    } catch (error) {
      throw translateAppendError(error, streamId, current);
    }
  }

  /** The stored batch when `events` are already at `version` and after; null when they are not; throws if only some are. */
  private async repeatedAt(streamId: string, events: readonly NewEvent[], version: number): Promise<AppendResult | null> {
    const stored = await this.readRaw(streamId, { fromRevision: BigInt(version), maxCount: events.length });
    if (stored[0]?.id !== events[0].id.toLowerCase()) return null;
    const same = stored.length === events.length && stored.every((e, i) => e.id === events[i].id.toLowerCase() && e.streamVersion === version + i);
    if (!same) {
      throw new ConcurrencyError(`stream ${streamId} already holds some but not all of these event ids, or in another order`, { streamId });
    }
    const last = stored[stored.length - 1];
    return { nextExpectedVersion: last.streamVersion, lastPosition: last.position, idempotent: true };
  }

  private async readHead(streamId: string): Promise<{ streamVersion: number; hash: string | null; position: Position | null } | null> {
    try {
      for await (const resolved of this.client.readStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        if (!resolved.event) continue;
        const { chain } = fromStoredMetadata(resolved.event.metadata);
        return { streamVersion: Number(resolved.event.revision), hash: chain ? chain.hash : null, position: positionOf(resolved) };
      }
      return null;
    } catch (error) {
      if (isAbsent(error)) return null;
      throw error;
    }
  }

  private async readClaim(eventId: string): Promise<Claim | null> {
    const stream = claimStreamName(eventId);
    try {
      for await (const resolved of this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        const data = resolved.event?.data as { streamId?: unknown; streamVersion?: unknown } | undefined;
        if (typeof data?.streamId !== 'string' || typeof data.streamVersion !== 'number') {
          throw new Error(`malformed event id claim in ${stream}`);
        }
        return { streamId: data.streamId, streamVersion: data.streamVersion, revision: resolved.event!.revision };
      }
      return null;
    } catch (error) {
      if (isAbsent(error)) return null;
      throw error;
    }
  }

  private async writeClaim(eventId: string, streamId: string, streamVersion: number, revision: bigint | null): Promise<void> {
    try {
      await this.client.appendToStream(
        claimStreamName(eventId),
        jsonEvent({ type: CLAIM_EVENT_TYPE, data: { streamId, streamVersion } }),
        { streamState: revision === null ? 'no_stream' : revision },
      );
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      const winner = await this.readClaim(eventId);
      if (winner && winner.streamId !== streamId) throw new ValidationError(`event id ${eventId} is already used by stream ${winner.streamId}`);
      throw new ConcurrencyError(`another append with event id ${eventId} to stream ${streamId} is running`, { streamId });
    }
  }

  async readStream<E extends EventShape = EventShape>(streamId: string, options: { fromVersion?: number; limit?: number } = {}): Promise<Recorded<E>[]> {
    const from = Math.max(0, Math.trunc(options.fromVersion ?? 0));
    if (options.limit === 0) return [];
    const events = await this.readRaw(streamId, { fromRevision: BigInt(from), ...(options.limit !== undefined ? { maxCount: Math.max(1, Math.trunc(options.limit)) } : {}) });
    return events as Recorded<E>[];
  }

  private async readRaw(streamId: string, options: { fromRevision: bigint; maxCount?: number }): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, { direction: FORWARDS, ...options })) {
        const event = toRecorded(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (isAbsent(error)) return [];
      throw error;
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = Math.max(1, Math.min(options.limit ?? 1000, 10_000));
    let after = options.after ? decodeKurrentCheckpoint(options.after) : null;
    const events: RecordedEvent[] = [];
    // A read from a position includes the event at it, and system events are dropped here: read pages until full.
    for (;;) {
      const maxCount = limit - events.length + 1;
      let seen = 0;
      for await (const resolved of this.client.readAll({
        direction: FORWARDS,
        fromPosition: after ?? START,
        maxCount,
        filter: streamNameFilter({ regex: STORED_STREAMS_REGEX }),
      })) {
        seen += 1;
        const position = positionOf(resolved);
        if (!position || (after && comparePositions(position, after) <= 0)) continue;
        after = position;
        const event = toRecorded(resolved);
        if (event) events.push(event);
        if (events.length === limit) return events;
      }
      if (seen < maxCount) return events;
    }
  }

  subscribe(handler: (events: readonly RecordedEvent[]) => Promise<void> | void, options: SubscribeOptions = {}): Subscription {
    const subscription = liveSubscription(this.client, handler, options);
    this.subscriptions.add(subscription);
    return {
      close: async () => {
        this.subscriptions.delete(subscription);
        await subscription.close();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }
}
