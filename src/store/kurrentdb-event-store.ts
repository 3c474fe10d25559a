import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  MaxAppendSizeExceededError,
  START,
  StreamDeletedError,
  StreamNotFoundError,
  StreamTombstonedError,
  WrongExpectedVersionError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendStreamState,
  type Position,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { ConcurrencyError, IllegalStateError, ValidationError } from '../domain/core/errors.js';
import type {
  AppendResult, EventMetadata, EventStore, ExpectedVersion, NewEvent, ReadAllOptions, RecordedEvent, SubscribeOptions, Subscription,
} from './event-store.js';
import { eventHash, sealOf, validateAppend } from './validate.js';

/** The client calls the adapter makes; `KurrentDBClient` has them, and so can a test double. */
export type KurrentClient = Pick<KurrentDBClient, 'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'>;

/** Metadata key holding the hash chain fields; stripped from the metadata the store returns. */
export const CHAIN_KEY = '$proctor';

/** Streams that record which stream took an event id first (see `KurrentDbEventStore`). */
export const CLAIM_STREAM_PREFIX = 'proctor-event-id-';
const CLAIM_EVENT_TYPE = 'ProctorEventIdClaimed';

/** Server-side filter for reads of `$all`: leaves out system streams (`$…`) and the event id claims. */
export const STORED_STREAMS_REGEX = `^(?!\\$|${CLAIM_STREAM_PREFIX})`;

export const claimStreamName = (eventId: string): string => `${CLAIM_STREAM_PREFIX}${eventId.toLowerCase()}`;

/** What the hash chain needs besides the event itself: kept in the event's metadata under `CHAIN_KEY`. */
export interface ChainFields {
  readonly recordedAt: string;
  readonly prevHash: string | null;
  readonly hash: string;
  readonly seal?: string | null;
}

export function toStoredMetadata(metadata: EventMetadata, chain: ChainFields): Record<string, unknown> {
  return { ...metadata, [CHAIN_KEY]: { recordedAt: chain.recordedAt, prevHash: chain.prevHash, hash: chain.hash, ...(chain.seal ? { seal: chain.seal } : {}) } };
}

/** Splits stored metadata into the caller's metadata and the chain fields (null for an event not written by this adapter). */
export function fromStoredMetadata(stored: unknown): { metadata: EventMetadata; chain: ChainFields | null } {
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored) || stored instanceof Uint8Array) {
    return { metadata: {}, chain: null };
  }
  const { [CHAIN_KEY]: raw, ...metadata } = stored as Record<string, unknown>;
  const c = raw as Partial<ChainFields> | undefined;
  const valid =
    c !== null && typeof c === 'object' && typeof c.recordedAt === 'string' && typeof c.hash === 'string' &&
    (c.prevHash === null || typeof c.prevHash === 'string');
  return {
    metadata,
    chain: valid ? { recordedAt: c.recordedAt!, prevHash: c.prevHash!, hash: c.hash!, seal: typeof c.seal === 'string' ? c.seal : null } : null,
  };
}

const U64_DIGITS = 20;

/** `commit:prepare`, each zero-padded to 20 digits, so checkpoints sort as strings in `$all` order. */
export function encodeKurrentCheckpoint(position: Position): string {
  return `${position.commit.toString().padStart(U64_DIGITS, '0')}:${position.prepare.toString().padStart(U64_DIGITS, '0')}`;
}

export function decodeKurrentCheckpoint(checkpoint: string): Position {
  const match = /^(\d{1,20}):(\d{1,20})$/.exec(checkpoint);
  if (!match) throw new ValidationError(`bad checkpoint ${JSON.stringify(checkpoint)}`);
  return { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
}

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** Our expected version → the version number it requires (-1: no stream), or null for `'any'`. */
export function expectedVersionNumber(expected: ExpectedVersion): number | null {
  if (expected === 'any') return null;
  const wanted = expected === 'no_stream' ? -1 : expected;
  if (typeof wanted !== 'number' || !Number.isSafeInteger(wanted) || wanted < -1) {
    throw new ValidationError(`bad expected version ${JSON.stringify(expected)}`);
  }
  return wanted;
}

/** Our expected version → the driver's stream state (number → revision). */
export function toStreamState(expected: ExpectedVersion): AppendStreamState {
  const wanted = expectedVersionNumber(expected);
  if (wanted === null) return 'any';
  return wanted === -1 ? 'no_stream' : BigInt(wanted);
}

/** Throws `ConcurrencyError` when a stream at `current` (-1: absent) does not satisfy `expected`. */
export function checkExpected(streamId: string, expected: ExpectedVersion, current: number): void {
  const wanted = expectedVersionNumber(expected);
  if (wanted === null || wanted === current) return;
  const now = current === -1 ? 'does not exist' : `is at version ${current}`;
  const want = wanted === -1 ? 'not to exist' : `to be at version ${wanted}`;
  throw new ConcurrencyError(`stream ${streamId} ${now}, expected it ${want}`, { streamId, expected: wanted, actual: current });
}

type AnyResolved = ResolvedEvent | AllStreamResolvedEvent;

function positionOf(resolved: AnyResolved): Position | null {
  const event = resolved.event;
  if (event?.position) return event.position;
  if (resolved.commitPosition !== undefined) return { commit: resolved.commitPosition, prepare: resolved.commitPosition };
  return null;
}

/**
 * A driver event → ours; null for what this store never writes and never returns: system events (`$…` types, such as
 * links and tombstones), event id claims, and binary events.
 */
export function toRecorded(resolved: AnyResolved): RecordedEvent | null {
  const event = resolved.event;
  if (!event || event.type.startsWith('$') || event.streamId.startsWith(CLAIM_STREAM_PREFIX) || !event.isJson) return null;
  const position = positionOf(resolved);
  if (!position) throw new Error(`KurrentDB returned event ${event.id} without a position (server older than 22.6?)`);
  const { metadata, chain } = fromStoredMetadata(event.metadata);
  return {
    id: event.id.toLowerCase(),
    streamId: event.streamId,
    streamVersion: Number(event.revision),
    type: event.type,
    data: event.data,
    metadata,
    recordedAt: chain ? new Date(chain.recordedAt) : event.created,
    position: Number(position.commit),
    checkpoint: encodeKurrentCheckpoint(position),
    prevHash: chain ? chain.prevHash : null,
    hash: chain ? chain.hash : '',
    seal: chain?.seal ?? null,
  };
}

function isAbsent(error: unknown): boolean {
  return error instanceof StreamNotFoundError || error instanceof StreamDeletedError || error instanceof StreamTombstonedError;
}

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

  async readStream(streamId: string, options: { fromVersion?: number; limit?: number } = {}): Promise<RecordedEvent[]> {
    const from = Math.max(0, Math.trunc(options.fromVersion ?? 0));
    if (options.limit === 0) return [];
    return this.readRaw(streamId, { fromRevision: BigInt(from), ...(options.limit !== undefined ? { maxCount: Math.max(1, Math.trunc(options.limit)) } : {}) });
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

function translateAppendError(error: unknown, streamId: string, current: number): unknown {
  if (error instanceof WrongExpectedVersionError) {
    return new ConcurrencyError(`stream ${streamId} was changed by another writer (expected version ${current})`, { streamId });
  }
  if (error instanceof StreamDeletedError || error instanceof StreamTombstonedError) {
    return new IllegalStateError(`stream ${streamId} was deleted in KurrentDB`, { streamId });
  }
  if (error instanceof MaxAppendSizeExceededError) {
    return new ValidationError(`append to ${streamId} is larger than the server's maximum append size (${error.maxAppendSize} bytes)`);
  }
  return error;
}

/**
 * `subscribeToAll` delivered in batches: events queue while the handler runs, the server stream pauses when a full
 * batch waits, and nothing at or before `options.after` is delivered (the server's start position is inclusive
 * on some versions).
 */
function liveSubscription(
  client: KurrentClient,
  handler: (events: readonly RecordedEvent[]) => Promise<void> | void,
  options: SubscribeOptions,
): Subscription {
  const batchSize = Math.max(1, options.batchSize ?? 500);
  let after = options.after ? decodeKurrentCheckpoint(options.after) : null;
  const stream: AllStreamSubscription = client.subscribeToAll({
    fromPosition: after ?? START,
    filter: streamNameFilter({ regex: STORED_STREAMS_REGEX }),
  });
  const queue: RecordedEvent[] = [];
  let closed = false;
  // Set from stream callbacks; an object so the loop's reads are not narrowed away.
  const state: { failure: { error: unknown } | null } = { failure: null };
  let wake: (() => void) | null = null;
  const signal = () => {
    const w = wake;
    wake = null;
    w?.();
  };

  stream.on('data', (resolved: AllStreamResolvedEvent) => {
    try {
      const position = positionOf(resolved);
      if (!position || (after && comparePositions(position, after) <= 0)) return;
      after = position;
      const event = toRecorded(resolved);
      if (!event) return;
      queue.push(event);
      if (queue.length >= batchSize) stream.pause();
      signal();
    } catch (error) {
      state.failure ??= { error };
      signal();
    }
  });
  stream.on('error', (error: unknown) => {
    state.failure ??= { error };
    signal();
  });
  stream.on('end', () => {
    state.failure ??= { error: new Error('KurrentDB ended the subscription') };
    signal();
  });

  const loop = (async () => {
    while (!closed) {
      if (state.failure) throw state.failure.error;
      if (queue.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      const batch = queue.splice(0, batchSize);
      await handler(batch);
      if (queue.length < batchSize && stream.isPaused()) stream.resume();
    }
  })()
    .catch((error) => {
      if (closed) return;
      closed = true;
      options.onError?.(error);
    })
    .finally(() => stream.unsubscribe().catch(() => {}));

  return {
    async close() {
      closed = true;
      signal();
      await loop;
    },
  };
}
