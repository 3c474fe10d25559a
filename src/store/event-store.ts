/**
 * The event store port. Three adapters implement it (pglite, postgres, kurrentdb) and all pass one contract suite
 * (`contract.ts`). Streams are ordered by version (0, 1, 2 …); the whole store is ordered by an opaque,
 * lexicographically sortable checkpoint that never lets a reader skip a slow writer's event.
 */

/** Who caused an event and why: copied from the command that produced it. */
export interface EventMetadata {
  readonly actor?: string;
  readonly role?: string;
  readonly commandId?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly [key: string]: unknown;
}

/** An event to append. `id` makes the append idempotent: appending the same ids again is a no-op. */
export interface NewEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: EventMetadata;
}

/** An event as stored. */
export interface RecordedEvent<Type extends string = string, Data = unknown> {
  readonly id: string;
  readonly streamId: string;
  /** 0 for a stream's first event. */
  readonly streamVersion: number;
  readonly type: Type;
  readonly data: Data;
  readonly metadata: EventMetadata;
  readonly recordedAt: Date;
  /** Global sequence number: unique and increasing in append order, but commit order may differ (see `checkpoint`). */
  readonly position: number;
  /** Opaque, sortable as a string, strictly increasing in read order. Resume a read or a subscription after it. */
  readonly checkpoint: string;
  /** Hash of the previous event of the stream (null for the first): the chain an auditor verifies. */
  readonly prevHash: string | null;
  readonly hash: string;
  /**
   * HMAC-SHA256 of `hash` with the server's seal key (null when the store has no key, or for events from before):
   * whoever can write the database but does not hold the key cannot rewrite events and recompute a chain that seals.
   */
  readonly seal: string | null;
  /**
   * The data exactly as stored and hashed, when a reader opened sealed personal fields in `data` (absent: `data` is
   * as stored). Whoever recomputes the chain hashes this.
   */
  readonly storedData?: unknown;
}

/** An event as a domain module declares it: a type name and its data. */
export interface EventShape {
  readonly type: string;
  readonly data: unknown;
}

/**
 * The stored form of each member of the event union `E`, so that narrowing on `type` narrows `data`. The store does
 * not check data against `E`: whoever reads names the union the stream holds (a session stream holds session events).
 */
export type Recorded<E extends EventShape = EventShape> = E extends EventShape ? RecordedEvent<E['type'], E['data']> : never;

/**
 * The version the stream must be at for the append to succeed: the version of its last event, `'no_stream'`
 * (it must not exist), or `'any'` (no check). A mismatch throws `ConcurrencyError`.
 */
export type ExpectedVersion = number | 'no_stream' | 'any';

export interface AppendResult {
  /** Version of the last event now in the stream: pass it as the next `expectedVersion`. */
  readonly nextExpectedVersion: number;
  /** Position of the last appended event. */
  readonly lastPosition: number;
  /** True when every event id was already stored at these versions, so nothing was written. */
  readonly idempotent: boolean;
}

export interface ReadAllOptions {
  /** Read events strictly after this checkpoint; omitted means from the beginning. */
  readonly after?: string | null;
  /** At most this many events (default 1,000). */
  readonly limit?: number;
}

export interface Subscription {
  /** Stops delivery; resolves once no handler call is running. */
  close(): Promise<void>;
}

export interface SubscribeOptions {
  /** Deliver events strictly after this checkpoint; omitted or null means from the beginning. */
  readonly after?: string | null;
  /** Largest batch handed to the handler at once (default 500). */
  readonly batchSize?: number;
  /** Called when the handler or the store fails; the subscription is then closed. */
  readonly onError?: (error: unknown) => void;
}

export interface EventStore {
  /**
   * Appends `events` to `streamId` atomically (all or nothing), after checking `expectedVersion`.
   * Throws `ValidationError` for an empty or over-long stream id, an unknown event type, a payload that is not plain
   * JSON, or too many events; `ConcurrencyError` when the stream is not at `expectedVersion`.
   */
  appendToStream(streamId: string, events: readonly NewEvent[], options?: { expectedVersion?: ExpectedVersion }): Promise<AppendResult>;

  /**
   * Reads one stream in version order, from `fromVersion` (default 0), at most `limit` events. An absent stream reads
   * as `[]`. `E` names the events the stream holds (`readStream<SessionEvent>(sessionStreamId(id))`); it is not checked.
   */
  readStream<E extends EventShape = EventShape>(streamId: string, options?: { fromVersion?: number; limit?: number }): Promise<Recorded<E>[]>;

  /** Reads all streams in checkpoint order. Never returns an event whose predecessors in that order are not yet visible. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;

  /**
   * Delivers every event after `options.after`, in checkpoint order, then new events as they are committed.
   * The handler is awaited before the next batch: a slow handler slows delivery, it never reorders it.
   */
  subscribe(handler: (events: readonly RecordedEvent[]) => Promise<void> | void, options?: SubscribeOptions): Subscription;

  /** Releases connections. */
  close(): Promise<void>;
}

export const MAX_STREAM_ID_LENGTH = 200;
export const MAX_EVENTS_PER_APPEND = 10_000;
