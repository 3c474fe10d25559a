import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyError, ValidationError } from '../domain/core/errors.js';
import type { EventStore, NewEvent, RecordedEvent } from './event-store.js';
import { eventHash } from './validate.js';
import { verifyChain } from './verify.js';

/** The event types every adapter under contract test accepts. */
export const CONTRACT_EVENT_TYPES: ReadonlySet<string> = new Set(['ThingHappened', 'OtherThingHappened']);

const event = (n: number, type = 'ThingHappened'): NewEvent => ({
  id: randomUUID(),
  type,
  data: { n, nested: { list: [1, 'two', null, true], text: 'ünïcødé ✓' } },
  metadata: { actor: 'tester', commandId: `c${n}` },
});

async function waitFor<T>(check: () => T | undefined, ms = 5000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The seal key the contract suite opens every store with. */
const SEAL_KEY = new TextEncoder().encode('contract-seal-key-contract-seal-key-0001');

/**
 * The contract every event store adapter must pass. `open` gives a store sealing with `sealKey` (one per suite;
 * tests isolate by stream id); `close` releases it.
 */
export function eventStoreContract(open: (options: { sealKey: Uint8Array }) => Promise<EventStore>): void {
  let store: EventStore;
  let stream: string;
  // One store per suite: every test writes its own streams and filters reads by them.
  beforeAll(async () => {
    store = await open({ sealKey: SEAL_KEY });
  });
  afterAll(async () => {
    await store.close();
  });
  beforeEach(() => {
    stream = `contract-${randomUUID()}`;
  });

  describe('when appending to a new stream', () => {
    it('stores the events at versions 0, 1, 2 with their data and metadata intact', async () => {
      const events = [event(1), event(2), event(3)];
      const result = await store.appendToStream(stream, events, { expectedVersion: 'no_stream' });
      expect(result).toMatchObject({ nextExpectedVersion: 2, idempotent: false });
      const read = await store.readStream(stream);
      expect(read.map((e) => [e.streamVersion, e.id, e.type, e.data, e.metadata])).toEqual(
        events.map((e, i) => [i, e.id, e.type, e.data, e.metadata]),
      );
      expect(read[2].position).toBe(result.lastPosition);
      expect(read.every((e) => e.recordedAt instanceof Date && !Number.isNaN(e.recordedAt.getTime()))).toBe(true);
    });

    it('reads an absent stream as empty', async () => {
      expect(await store.readStream(`absent-${randomUUID()}`)).toEqual([]);
    });

    it('reads from a given version', async () => {
      await store.appendToStream(stream, [event(1), event(2), event(3)]);
      expect((await store.readStream(stream, { fromVersion: 1 })).map((e) => e.streamVersion)).toEqual([1, 2]);
    });
  });

  describe('when the expected version does not match', () => {
    it('refuses with ConcurrencyError and writes nothing', async () => {
      await store.appendToStream(stream, [event(1), event(2)], { expectedVersion: 'no_stream' });
      await expect(store.appendToStream(stream, [event(3)], { expectedVersion: 0 })).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(store.appendToStream(stream, [event(3)], { expectedVersion: 'no_stream' })).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(store.appendToStream(`${stream}-x`, [event(3)], { expectedVersion: 0 })).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await store.readStream(stream)).toHaveLength(2);
      expect(await store.readStream(`${stream}-x`)).toHaveLength(0);
    });

    it('appends when it matches, and with any', async () => {
      await store.appendToStream(stream, [event(1)], { expectedVersion: 'no_stream' });
      await store.appendToStream(stream, [event(2)], { expectedVersion: 0 });
      const result = await store.appendToStream(stream, [event(3)], { expectedVersion: 'any' });
      expect(result.nextExpectedVersion).toBe(2);
    });

    it('lets exactly one of two racing writers win', async () => {
      await store.appendToStream(stream, [event(0)]);
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) => store.appendToStream(stream, [event(i + 1)], { expectedVersion: 0 })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
      expect(await store.readStream(stream)).toHaveLength(2);
    });
  });

  describe('when the same events are appended twice', () => {
    it('stores them once and says the retry was idempotent', async () => {
      const events = [event(1), event(2)];
      await store.appendToStream(stream, events, { expectedVersion: 'no_stream' });
      const retry = await store.appendToStream(stream, events, { expectedVersion: 'no_stream' });
      expect(retry).toMatchObject({ nextExpectedVersion: 1, idempotent: true });
      expect(await store.readStream(stream)).toHaveLength(2);
    });

    it('refuses a batch that only partly repeats stored events', async () => {
      const [a, b] = [event(1), event(2)];
      await store.appendToStream(stream, [a, b]);
      await expect(store.appendToStream(stream, [a, event(3)])).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await store.readStream(stream)).toHaveLength(2);
    });

    it('refuses an event id already used by another stream', async () => {
      const e = event(1);
      await store.appendToStream(stream, [e]);
      await expect(store.appendToStream(`${stream}-other`, [e])).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('when the input is bad', () => {
    const bad: Array<[string, () => [string, NewEvent[]]]> = [
      ['an empty stream id', () => ['', [event(1)]]],
      ['a stream id over 200 characters', () => ['s'.repeat(201), [event(1)]]],
      ['an unknown event type', () => [stream, [event(1), { ...event(2), type: 'NoSuchEvent' }]]],
      ['NaN in the payload', () => [stream, [{ ...event(1), data: { x: Number.NaN } }]]],
      ['a function in the payload', () => [stream, [{ ...event(1), data: { f: () => 1 } }]]],
      ['undefined in the payload', () => [stream, [{ ...event(1), data: { u: undefined } }]]],
      ['a bigint in the payload', () => [stream, [{ ...event(1), data: { b: 1n } }]]],
      ['a Date in the payload', () => [stream, [{ ...event(1), data: { d: new Date() } }]]],
      ['a NUL character in the payload', () => [stream, [{ ...event(1), data: { s: 'a\u0000b' } }]]],
      ['a cyclic payload', () => {
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        return [stream, [{ ...event(1), data: cyclic }]];
      }],
      ['an id that is not a UUID', () => [stream, [{ ...event(1), id: 'not-a-uuid' }]]],
      ['no events', () => [stream, []]],
    ];
    for (const [what, make] of bad) {
      it(`refuses ${what} with ValidationError and writes nothing`, async () => {
        const [s, events] = make();
        await expect(store.appendToStream(s, events)).rejects.toBeInstanceOf(ValidationError);
        expect(await store.readStream(stream)).toEqual([]);
      });
    }
  });

  describe('when reading all streams', () => {
    it('returns every event once, in append order, resumable after any checkpoint', async () => {
      const before = await drain(store, null);
      const from = before.length ? before[before.length - 1].checkpoint : null;
      const a = `${stream}-a`;
      const b = `${stream}-b`;
      await store.appendToStream(a, [event(1), event(2)]);
      await store.appendToStream(b, [event(3, 'OtherThingHappened')]);
      await store.appendToStream(a, [event(4)]);
      const all = (await drain(store, from)).filter((e) => e.streamId === a || e.streamId === b);
      expect(all.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3, 4]);
      const checkpoints = all.map((e) => e.checkpoint);
      expect([...checkpoints].sort()).toEqual(checkpoints);
      const rest = await store.readAll({ after: all[1].checkpoint, limit: 10 });
      expect(rest.filter((e) => e.streamId === a || e.streamId === b).map((e) => (e.data as { n: number }).n)).toEqual([3, 4]);
      expect(await store.readAll({ after: all[0].checkpoint, limit: 1 })).toHaveLength(1);
    });

    it('keeps append order across many transactions and thousands of positions', async () => {
      const before = await drain(store, null);
      const from = before.length ? before[before.length - 1].checkpoint : null;
      const streams = [`${stream}-x`, `${stream}-y`, `${stream}-z`];
      let n = 0;
      for (let round = 0; round < 40; round++) {
        for (const s of streams) await store.appendToStream(s, Array.from({ length: 10 }, () => event(n++)));
      }
      const mine = (await drain(store, from, 97)).filter((e) => streams.includes(e.streamId));
      expect(mine.map((e) => (e.data as { n: number }).n)).toEqual(Array.from({ length: n }, (_, i) => i));
    });

    it('reads a batch of 1,000 events appended at once', async () => {
      const events = Array.from({ length: 1000 }, (_, i) => event(i));
      await store.appendToStream(stream, events);
      const read = await store.readStream(stream);
      expect(read).toHaveLength(1000);
      expect(read[999].id).toBe(events[999].id);
    });
  });

  describe('when an auditor verifies a stream with the seal key', () => {
    it('finds every event sealed with the key', async () => {
      await store.appendToStream(stream, [event(1), event(2)]);
      await store.appendToStream(stream, [event(3)]);
      const read = await store.readStream(stream);
      expect(read.every((e) => e.seal !== null)).toBe(true);
      expect(verifyChain(read, { sealKey: SEAL_KEY })).toMatchObject({ ok: true, events: 3, sealed: 3 });
    });

    it('notices a rewrite whose hashes were all recomputed, by the seals it could not make', async () => {
      await store.appendToStream(stream, [event(1), event(2), event(3)]);
      const read = await store.readStream(stream);
      // The attacker edits event 1 and recomputes the chain from there, without the key.
      let prev = read[0].hash;
      const rewritten = read.map((e, i) => {
        if (i === 0) return e;
        const data = i === 1 ? { n: 99 } : e.data;
        const hash = eventHash({ ...e, data, prevHash: prev });
        const copy = { ...e, data, prevHash: prev, hash };
        prev = hash;
        return copy;
      });
      expect(verifyChain(rewritten)).toMatchObject({ ok: true }); // the chain alone cannot tell
      expect(verifyChain(rewritten, { sealKey: SEAL_KEY })).toMatchObject({ ok: false, check: 'seal', brokenAt: 1 });
      expect(verifyChain(rewritten.map((e) => ({ ...e, seal: null })), { sealKey: SEAL_KEY })).toMatchObject({ ok: false, check: 'seal', brokenAt: 0 });
    });
  });

  describe('when an auditor verifies a stream', () => {
    it('finds an intact hash chain linking every event to its predecessor', async () => {
      await store.appendToStream(stream, [event(1), event(2)]);
      await store.appendToStream(stream, [event(3)]);
      const read = await store.readStream(stream);
      expect(read[0].prevHash).toBeNull();
      expect(read[1].prevHash).toBe(read[0].hash);
      expect(read[2].prevHash).toBe(read[1].hash);
      expect(verifyChain(read)).toMatchObject({ ok: true, events: 3 });
    });

    it('notices an event whose content was changed', async () => {
      await store.appendToStream(stream, [event(1), event(2)]);
      const read = await store.readStream(stream);
      const tampered = read.map((e, i) => (i === 1 ? { ...e, data: { n: 99 } } : e));
      expect(verifyChain(tampered)).toMatchObject({ ok: false, brokenAt: 1 });
    });
  });

  describe('when subscribed', () => {
    it('delivers stored events, then new ones as they are appended, in order, until closed', async () => {
      await store.appendToStream(stream, [event(1), event(2)]);
      const seen: RecordedEvent[] = [];
      const subscription = store.subscribe((events) => {
        seen.push(...events.filter((e) => e.streamId === stream));
      });
      await waitFor(() => (seen.length >= 2 ? true : undefined));
      await store.appendToStream(stream, [event(3)]);
      await store.appendToStream(stream, [event(4)]);
      await waitFor(() => (seen.length >= 4 ? true : undefined));
      await subscription.close();
      await store.appendToStream(stream, [event(5)]);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3, 4]);
    });

    it('starts after a given checkpoint', async () => {
      await store.appendToStream(stream, [event(1), event(2), event(3)]);
      const stored = await store.readStream(stream);
      const seen: number[] = [];
      const subscription = store.subscribe(
        (events) => {
          for (const e of events) if (e.streamId === stream) seen.push((e.data as { n: number }).n);
        },
        { after: stored[0].checkpoint },
      );
      await waitFor(() => (seen.length >= 2 ? true : undefined));
      await subscription.close();
      expect(seen).toEqual([2, 3]);
    });
  });
}

async function drain(store: EventStore, after: string | null, limit = 500): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (;;) {
    const batch = await store.readAll({ after, limit });
    if (batch.length === 0) return all;
    all.push(...batch);
    after = batch[batch.length - 1].checkpoint;
  }
}
