import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiContext } from '../src/api/context.js';
import { fromBatches, type LiveBatch } from '../src/api/subscriptions/from-batches.js';
import type { Actor } from '../src/domain/core/decider.js';
import { sessionIdOf } from '../src/domain/session/events.js';
import { BatchRows } from '../src/projections/monitor/batch-rows.js';
import { openTestCore, type TestCore } from './support/core.js';

const admin: Actor = { id: 'admin', role: 'admin' };
const student: Actor = { id: 'student1', role: 'student' };

/** The next value of `source`, or 'none' when nothing came within `ms` (a source that is never woken). */
async function nextOrNone<T>(source: AsyncIterator<T>, ms: number): Promise<IteratorResult<T> | 'none'> {
  let timer: NodeJS.Timeout | undefined;
  const none = new Promise<'none'>((resolve) => (timer = setTimeout(() => resolve('none'), ms)));
  try {
    return await Promise.race([source.next(), none]);
  } finally {
    clearTimeout(timer);
  }
}

describe('live sources fed from the committed batches', () => {
  let core: TestCore;
  let ctx: Pick<ApiContext, 'core'>;
  let monitorRows: BatchRows;

  beforeEach(async () => {
    core = await openTestCore();
    // What the sources need of the server's core: its runner and the batch rows over the same database.
    monitorRows = new BatchRows(core.sql, core.runner);
    ctx = { core: { runner: core.runner, monitorRows } } as unknown as Pick<ApiContext, 'core'>;
    for (const id of ['s1', 's2']) {
      await core.session(id, 'CreateSession', { sessionId: id, name: 'Quiz', student: 'student1', durationMinutes: 30 }, admin);
    }
    await core.runner.catchUp();
  });
  afterEach(async () => {
    await core.close();
  });

  /** A source of one session's event types, as the tile's activity maps batches. */
  const typesOf = (sessionId: string) => (live: LiveBatch) =>
    live.changed.has(sessionId) ? live.batch.events.filter((e) => sessionIdOf(e) === sessionId).map((e) => `${e.type}@${live.rows.get(sessionId)?.status}`) : [];

  it("gives each source its own session's events in commit order, with the rows as that batch left them", async () => {
    // Given a source per session
    const one = fromBatches(ctx, { session: 's1' }, typesOf('s1'));
    const two = fromBatches(ctx, { session: 's2' }, typesOf('s2'));
    // When both sessions change, in separate batches
    await core.session('s1', 'CheckIn', { userAgent: 'ua', browserSupported: true }, student);
    await core.runner.catchUp();
    await core.session('s2', 'CheckIn', { userAgent: 'ua', browserSupported: true }, student);
    await core.runner.catchUp();
    await core.session('s1', 'StartSession', {}, student);
    await core.runner.catchUp();
    // Then each got its own, in order, each with the row as of its batch
    expect((await one.next()).value).toBe('ParticipantCheckedIn@waiting');
    expect((await one.next()).value).toBe('SessionStarted@in_progress');
    expect((await two.next()).value).toBe('ParticipantCheckedIn@waiting');
    // and a source with nothing to send is not woken
    expect(await nextOrNone(two, 300)).toBe('none');
    await one.return?.();
    await two.return?.();
  });

  it("hands a person's source only the batches of sessions they are a party to, and an 'all' source every batch", async () => {
    // Given s2 has a proctor, and sources for that proctor, for another proctor and for everything
    await core.session('s2', 'AssignProctor', { proctor: 'proctor1' }, admin);
    await core.runner.catchUp();
    const seen = { proctor1: [] as string[], proctor2: [] as string[], all: [] as string[] };
    const record = (into: string[]) => (live: LiveBatch) => {
      into.push([...live.changed.keys()].join(','));
      return [];
    };
    fromBatches(ctx, { party: 'proctor1' }, record(seen.proctor1));
    fromBatches(ctx, { party: 'proctor2' }, record(seen.proctor2));
    fromBatches(ctx, 'all', record(seen.all));
    // When s1 changes, then s2
    await core.session('s1', 'CheckIn', { userAgent: 'ua', browserSupported: true }, student);
    await core.runner.catchUp();
    await core.session('s2', 'CheckIn', { userAgent: 'ua', browserSupported: true }, student);
    await core.runner.catchUp();
    // Then proctor1's source saw only s2's batch, proctor2's none, and the 'all' source both
    expect(seen).toEqual({ proctor1: ['s2'], proctor2: [], all: ['s1', 's2'] });
  });

  it('ends a source whose map throws with its error, and the others go on', async () => {
    // Given a source that fails on its first batch and one that does not
    const failing = fromBatches(ctx, 'all', () => {
      throw new Error('cannot map this');
    });
    const fine = fromBatches(ctx, { session: 's1' }, typesOf('s1'));
    // When a batch is committed
    await core.session('s1', 'CheckIn', { userAgent: 'ua', browserSupported: true }, student);
    await core.runner.catchUp();
    // Then the failing one throws its error and the other has its event
    await expect(failing.next()).rejects.toThrow('cannot map this');
    expect((await fine.next()).value).toBe('ParticipantCheckedIn@waiting');
    await fine.return?.();
  });

  it("ends every source with the error when a batch's rows cannot be read", async () => {
    // Given the monitor rows cannot be read
    const source = fromBatches(ctx, { session: 's1' }, typesOf('s1'));
    monitorRows.rowsOf = () => Promise.reject(new Error('the database went away'));
    // When a batch is committed
    await core.session('s1', 'CheckIn', { userAgent: 'ua', browserSupported: true }, student);
    await core.runner.catchUp();
    // Then the source ends with that error rather than waiting for ever
    await expect(source.next()).rejects.toThrow('the database went away');
  });

  it("keeps a failed read of a later batch's rows handled while an earlier batch's read is still out", async () => {
    // Given the first batch's rows come slowly and the second batch's read fails at once
    const source = fromBatches(ctx, { session: 's1' }, typesOf('s1'));
    const real = monitorRows.rowsOf.bind(monitorRows);
    let release = () => {};
    let calls = 0;
    monitorRows.rowsOf = (batch) => {
      calls += 1;
      if (calls === 1) {
        const rows = real(batch); // read now, handed over late
        return new Promise((resolve) => (release = () => resolve(rows)));
      }
      return Promise.reject(new Error('the database went away'));
    };
    // When both batches are committed and the first read then finishes
    await core.session('s1', 'CheckIn', { userAgent: 'ua', browserSupported: true }, student);
    await core.runner.catchUp();
    await core.session('s1', 'StartSession', {}, student);
    await core.runner.catchUp();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the second read has failed by now
    release();
    // Then the first batch arrives, then the error (Vitest fails the run on an unhandled rejection)
    expect((await source.next()).value).toBe('ParticipantCheckedIn@waiting');
    await expect(source.next()).rejects.toThrow('the database went away');
  });
});
