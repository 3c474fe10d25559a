import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import {
  StreamNotFoundError, WrongExpectedVersionError, type AppendStreamState, type Filter, type Position, type ReadPosition,
} from '@kurrent/kurrentdb-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConcurrencyError, ValidationError } from '../domain/core/errors.js';
import { CONTRACT_EVENT_TYPES, eventStoreContract } from './contract.js';
import {
  CHAIN_KEY, CLAIM_STREAM_PREFIX, KurrentDbEventStore, STORED_STREAMS_REGEX, checkExpected, claimStreamName, comparePositions,
  decodeKurrentCheckpoint, encodeKurrentCheckpoint, fromStoredMetadata, toRecorded, toStoredMetadata, toStreamState,
  type KurrentClient,
} from './kurrentdb-event-store.js';
import { verifyChain } from './verify.js';
import { eventHash } from './validate.js';

const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const position = fc.record({ commit: u64, prepare: u64 });

describe('kurrentdb checkpoints', () => {
  it('sort as strings exactly as their positions sort in $all', () => {
    fc.assert(
      fc.property(position, position, (a, b) => {
        const [x, y] = [encodeKurrentCheckpoint(a), encodeKurrentCheckpoint(b)];
        expect(x < y ? -1 : x > y ? 1 : 0).toBe(comparePositions(a, b));
        expect([x, y].sort()).toEqual(comparePositions(a, b) <= 0 ? [x, y] : [y, x]);
      }),
    );
  });

  it('decode to the position they encode, up to the largest commit position', () => {
    fc.assert(
      fc.property(position, (p) => {
        expect(decodeKurrentCheckpoint(encodeKurrentCheckpoint(p))).toEqual(p);
      }),
    );
    const max = { commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n };
    expect(encodeKurrentCheckpoint(max)).toBe('18446744073709551615:18446744073709551615');
    expect(encodeKurrentCheckpoint({ commit: 42n, prepare: 7n })).toBe('00000000000000000042:00000000000000000007');
  });

  it('refuses a malformed checkpoint with ValidationError', () => {
    for (const bad of ['', '12', '1:2:3', 'a:b', '-1:0', `${'9'.repeat(21)}:0`]) {
      expect(() => decodeKurrentCheckpoint(bad)).toThrow(ValidationError);
    }
  });
});

describe('kurrentdb expected versions', () => {
  it('map a version to a revision, -1 and no_stream to no_stream, any to any', () => {
    expect(toStreamState('any')).toBe('any');
    expect(toStreamState('no_stream')).toBe('no_stream');
    expect(toStreamState(-1)).toBe('no_stream');
    expect(toStreamState(0)).toBe(0n);
    expect(toStreamState(41)).toBe(41n);
  });

  it('refuse a version that is not an integer of at least -1', () => {
    for (const bad of [-2, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 'some' as never]) {
      expect(() => toStreamState(bad)).toThrow(ValidationError);
    }
  });

  it('check the stream head like the SQL adapter does', () => {
    expect(() => checkExpected('s', 'any', 7)).not.toThrow();
    expect(() => checkExpected('s', 'no_stream', -1)).not.toThrow();
    expect(() => checkExpected('s', 3, 3)).not.toThrow();
    expect(() => checkExpected('s', 'no_stream', 0)).toThrow(ConcurrencyError);
    expect(() => checkExpected('s', 2, 3)).toThrow(ConcurrencyError);
    expect(() => checkExpected('s', 0, -1)).toThrow(ConcurrencyError);
  });
});

describe('kurrentdb event metadata', () => {
  const chain = { recordedAt: '2026-11-02T10:00:00.123Z', prevHash: 'a'.repeat(64), hash: 'b'.repeat(64) };

  it('carries the chain fields beside the caller metadata and gives both back intact after the wire', () => {
    const metadata = { actor: 'p1', commandId: 'c1', nested: { list: [1, null] } };
    const wire = JSON.parse(JSON.stringify(toStoredMetadata(metadata, chain)));
    expect(wire[CHAIN_KEY]).toEqual(chain);
    expect(fromStoredMetadata(wire)).toEqual({ metadata, chain: { ...chain, seal: null } });
    expect(fromStoredMetadata(JSON.parse(JSON.stringify(toStoredMetadata({}, { ...chain, prevHash: null }))))).toEqual({
      metadata: {},
      chain: { ...chain, prevHash: null, seal: null },
    });
    const sealed = { ...chain, seal: 'ab'.repeat(32) };
    expect(fromStoredMetadata(JSON.parse(JSON.stringify(toStoredMetadata(metadata, sealed))))).toEqual({ metadata, chain: sealed });
  });

  it('reads metadata written by someone else as having no chain', () => {
    expect(fromStoredMetadata({ actor: 'x' })).toEqual({ metadata: { actor: 'x' }, chain: null });
    expect(fromStoredMetadata({ [CHAIN_KEY]: { hash: 1 } })).toEqual({ metadata: {}, chain: null });
    expect(fromStoredMetadata(undefined)).toEqual({ metadata: {}, chain: null });
    expect(fromStoredMetadata(new Uint8Array([1, 2]))).toEqual({ metadata: {}, chain: null });
  });

  it('turns a stored event into one whose hash chain verifies, and drops system events and claims', () => {
    const recordedAt = new Date('2026-11-02T10:00:00.123Z');
    const id = randomUUID();
    const base = { streamId: 's-1', id, revision: 0n, type: 'ThingHappened', data: { n: 1 }, isJson: true as const, created: new Date(0) };
    const hash = eventHash({ prevHash: null, streamId: 's-1', streamVersion: 0, id, type: 'ThingHappened', recordedAt, data: { n: 1 }, metadata: { actor: 'a' } });
    const metadata = toStoredMetadata({ actor: 'a' }, { recordedAt: recordedAt.toISOString(), prevHash: null, hash });
    const recorded = toRecorded({ event: { ...base, metadata, position: { commit: 300n, prepare: 300n } } } as never);
    expect(recorded).toMatchObject({ streamVersion: 0, position: 300, checkpoint: encodeKurrentCheckpoint({ commit: 300n, prepare: 300n }), recordedAt, metadata: { actor: 'a' } });
    expect(verifyChain([recorded!])).toMatchObject({ ok: true });
    expect(toRecorded({ event: { ...base, type: '$>', metadata, position: { commit: 1n, prepare: 1n } } } as never)).toBeNull();
    expect(toRecorded({ event: { ...base, streamId: claimStreamName(id), metadata, position: { commit: 1n, prepare: 1n } } } as never)).toBeNull();
  });

  it('filters $all on stream names that are neither system streams nor claims', () => {
    const regex = new RegExp(STORED_STREAMS_REGEX);
    expect(['session-1', 'contract-x', 'a$b'].every((s) => regex.test(s))).toBe(true);
    expect(['$ce-session', '$$session-1', `${CLAIM_STREAM_PREFIX}${randomUUID()}`].some((s) => regex.test(s))).toBe(false);
  });
});

describe('the kurrentdb event store over an in-memory imitation of the server', () => {
  eventStoreContract(async ({ sealKey }) => KurrentDbEventStore.withClient(new FakeKurrentDb() as unknown as KurrentClient, { eventTypes: CONTRACT_EVENT_TYPES, sealKey }));

  it('recognises a retry with the same expected version even without claims', async () => {
    const store = KurrentDbEventStore.withClient(new FakeKurrentDb() as unknown as KurrentClient, { eventTypes: CONTRACT_EVENT_TYPES, claimEventIds: false });
    const events = [1, 2].map((n) => ({ id: randomUUID(), type: 'ThingHappened', data: { n } }));
    await store.appendToStream('s', events, { expectedVersion: 'no_stream' });
    await expect(store.appendToStream('s', events, { expectedVersion: 'no_stream' })).resolves.toMatchObject({ idempotent: true, nextExpectedVersion: 1 });
    await expect(store.appendToStream('s', [events[0], { ...events[1], id: randomUUID() }], { expectedVersion: 'no_stream' })).rejects.toBeInstanceOf(ConcurrencyError);
    await store.close();
  });

  it('recognises a retry with any after later appends, through the claim of its first event id', async () => {
    const store = KurrentDbEventStore.withClient(new FakeKurrentDb() as unknown as KurrentClient, { eventTypes: CONTRACT_EVENT_TYPES });
    const batch = [1, 2].map((n) => ({ id: randomUUID(), type: 'ThingHappened', data: { n } }));
    await store.appendToStream('s', batch);
    await store.appendToStream('s', [{ id: randomUUID(), type: 'ThingHappened', data: { n: 3 } }]);
    await expect(store.appendToStream('s', batch)).resolves.toMatchObject({ idempotent: true, nextExpectedVersion: 1 });
    expect(await store.readStream('s')).toHaveLength(3);
    await store.close();
  });

  it('lets the loser of a race append later with the same events, though it claimed their id first', async () => {
    const store = KurrentDbEventStore.withClient(new FakeKurrentDb() as unknown as KurrentClient, { eventTypes: CONTRACT_EVENT_TYPES });
    await store.appendToStream('s', [{ id: randomUUID(), type: 'ThingHappened', data: { n: 0 } }]);
    const [a, b] = [1, 2].map((n) => [{ id: randomUUID(), type: 'ThingHappened', data: { n } }]);
    const results = await Promise.allSettled([store.appendToStream('s', a, { expectedVersion: 0 }), store.appendToStream('s', b, { expectedVersion: 0 })]);
    const lost = results[0].status === 'rejected' ? a : b;
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    await expect(store.appendToStream('s', lost, { expectedVersion: 1 })).resolves.toMatchObject({ idempotent: false, nextExpectedVersion: 2 });
    await expect(store.appendToStream('s', lost, { expectedVersion: 1 })).resolves.toMatchObject({ idempotent: true, nextExpectedVersion: 2 });
    const read = await store.readStream('s');
    expect(read.map((e) => e.id)).toEqual([read[0].id, (lost === a ? b : a)[0].id, lost[0].id]);
    expect(verifyChain(read)).toMatchObject({ ok: true, events: 3 });
    await store.close();
  });

  it('refuses metadata that uses the reserved chain key, and system stream ids', async () => {
    const store = KurrentDbEventStore.withClient(new FakeKurrentDb() as unknown as KurrentClient, { eventTypes: CONTRACT_EVENT_TYPES });
    const e = { id: randomUUID(), type: 'ThingHappened', data: {} };
    await expect(store.appendToStream('s', [{ ...e, metadata: { [CHAIN_KEY]: 1 } }])).rejects.toBeInstanceOf(ValidationError);
    await expect(store.appendToStream('$s', [e])).rejects.toBeInstanceOf(ValidationError);
    await store.close();
  });
});

interface FakeRecord {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  data: string;
  metadata: string;
  created: Date;
  position: bigint;
}

/**
 * Just enough of KurrentDB for the adapter: per-stream revisions with the server's expected-revision and idempotency
 * rules (same ids at the expected position succeed without writing; otherwise WrongExpectedVersion), `$all` reads
 * that include their start position, category links written to `$ce-…` streams, and catch-up-then-live subscriptions
 * that replay their start position too. What the real server does differently is untested here.
 */
class FakeKurrentDb {
  private readonly log: FakeRecord[] = [];
  private readonly streams = new Map<string, FakeRecord[]>();
  private readonly appended = new EventEmitter().setMaxListeners(0);
  private next = 1000n;

  constructor() {
    this.write('$settings', [{ id: randomUUID(), type: '$settings', data: {}, metadata: undefined }]);
  }

  async appendToStream(
    streamName: string,
    input: { id: string; type: string; data: unknown; metadata?: unknown } | Array<{ id: string; type: string; data: unknown; metadata?: unknown }>,
    options: { streamState?: AppendStreamState } = {},
  ) {
    await Promise.resolve();
    const events = Array.isArray(input) ? input : [input];
    const stream = this.streams.get(streamName) ?? [];
    const current = stream.length - 1;
    const state = options.streamState ?? 'any';
    if (state !== 'any') {
      const expected = state === 'no_stream' ? -1 : Number(state);
      if (expected < current) {
        const same = events.every((e, i) => stream[expected + 1 + i]?.id === e.id);
        if (same && expected + events.length <= current) {
          const last = stream[expected + events.length];
          return { success: true, nextExpectedRevision: last.revision, position: { commit: last.position, prepare: last.position } };
        }
      }
      if (expected !== current) {
        throw new WrongExpectedVersionError(undefined, { streamName, expected: state, current: current === -1 ? 'no_stream' : BigInt(current) });
      }
    }
    const last = this.write(streamName, events);
    return { success: true, nextExpectedRevision: last.revision, position: { commit: last.position, prepare: last.position } };
  }

  private write(streamName: string, events: Array<{ id: string; type: string; data: unknown; metadata?: unknown }>): FakeRecord {
    const stream = this.streams.get(streamName) ?? [];
    this.streams.set(streamName, stream);
    let last!: FakeRecord;
    for (const e of events) {
      last = {
        streamId: streamName,
        id: e.id.toLowerCase(),
        revision: BigInt(stream.length),
        type: e.type,
        data: JSON.stringify(e.data),
        metadata: e.metadata === undefined ? '' : JSON.stringify(e.metadata),
        created: new Date(),
        position: this.next,
      };
      this.next += 137n;
      stream.push(last);
      this.log.push(last);
    }
    if (!streamName.startsWith('$')) {
      const link = { id: randomUUID(), type: '$>', data: `${last.revision}@${streamName}`, metadata: undefined };
      this.write(`$ce-${streamName.split('-')[0]}`, [link]);
    }
    this.appended.emit('appended');
    return last;
  }

  private resolved(record: FakeRecord) {
    return {
      event: {
        streamId: record.streamId,
        id: record.id,
        revision: record.revision,
        type: record.type,
        data: JSON.parse(record.data),
        metadata: record.metadata ? JSON.parse(record.metadata) : undefined,
        isJson: true,
        created: record.created,
        position: { commit: record.position, prepare: record.position },
      },
      commitPosition: record.position,
    };
  }

  async *readStream(
    streamName: string,
    options: { fromRevision?: 'start' | 'end' | bigint; direction?: 'forwards' | 'backwards'; maxCount?: number | bigint } = {},
  ) {
    await Promise.resolve();
    const stream = this.streams.get(streamName);
    if (!stream) throw new StreamNotFoundError(undefined, streamName);
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? 'start';
    const start = from === 'start' ? (backwards ? -1 : 0) : from === 'end' ? (backwards ? stream.length - 1 : stream.length) : Number(from);
    const picked = backwards ? stream.slice(0, start + 1).reverse() : stream.slice(start);
    for (const record of picked.slice(0, max)) yield this.resolved(record);
  }

  async *readAll(options: { fromPosition?: ReadPosition; maxCount?: number | bigint; filter?: Filter } = {}) {
    await Promise.resolve();
    let left = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    for (const record of this.log) {
      if (left === 0) return;
      if (!this.matches(record, options.fromPosition ?? 'start', options.filter)) continue;
      left -= 1;
      yield this.resolved(record);
    }
  }

  private matches(record: FakeRecord, from: ReadPosition, filter: Filter | undefined): boolean {
    if (from === 'end') return false;
    if (from !== 'start' && record.position < (from as Position).commit) return false;
    return !filter || !('regex' in filter) || new RegExp(filter.regex).test(record.streamId);
  }

  subscribeToAll(options: { fromPosition?: ReadPosition; filter?: Filter } = {}) {
    let sent = 0;
    const stream = new Readable({ objectMode: true, read() {} }) as Readable & { unsubscribe(): Promise<void> };
    const pump = () => {
      for (; sent < this.log.length; sent++) {
        if (this.matches(this.log[sent], options.fromPosition ?? 'start', options.filter)) stream.push(this.resolved(this.log[sent]));
      }
    };
    this.appended.on('appended', pump);
    setImmediate(pump);
    stream.unsubscribe = async () => {
      this.appended.off('appended', pump);
      stream.destroy();
    };
    return stream;
  }

  async dispose(): Promise<void> {}
}
