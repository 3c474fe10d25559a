import {
  MaxAppendSizeExceededError,
  StreamDeletedError,
  StreamNotFoundError,
  StreamTombstonedError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendStreamState,
  type Position,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { ConcurrencyError, IllegalStateError, ValidationError } from '../domain/core/errors.js';
import type { EventMetadata, ExpectedVersion, RecordedEvent } from './event-store.js';

/**
 * How the kurrentdb adapter maps our events, versions, checkpoints and errors onto KurrentDB's, and back: pure
 * functions, tested without a server (`kurrentdb-mapping.test.ts`).
 */

/** Metadata key holding the hash chain fields; stripped from the metadata the store returns. */
export const CHAIN_KEY = '$proctor';

/** Streams that record which stream took an event id first (see `KurrentDbEventStore`). */
export const CLAIM_STREAM_PREFIX = 'proctor-event-id-';
export const CLAIM_EVENT_TYPE = 'ProctorEventIdClaimed';

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

export function positionOf(resolved: AnyResolved): Position | null {
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

/** The driver's ways of saying a stream is not there: all read as an empty stream. */
export function isAbsent(error: unknown): boolean {
  return error instanceof StreamNotFoundError || error instanceof StreamDeletedError || error instanceof StreamTombstonedError;
}

/** A driver error from an append → ours; anything else passes through. */
export function translateAppendError(error: unknown, streamId: string, current: number): unknown {
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
