import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clonePGlite } from '../../test/support/pglite.js';
import { ConcurrencyError } from '../domain/core/errors.js';
import { CONTRACT_EVENT_TYPES } from './contract.js';
import type { NewEvent } from './event-store.js';
import { SqlEventStore } from './sql-event-store.js';
import { EVENTS_DDL } from './sql-schema.js';
import type { Sql } from './sql.js';
import { verifyChain } from './verify.js';

const event = (n: number): NewEvent => ({ id: randomUUID(), type: 'ThingHappened', data: { n }, metadata: { commandId: `c${n}` } });

/** Counts the statements a store sends. */
function counted(sql: Sql): { sql: Sql; statements: () => number } {
  let statements = 0;
  const query = sql.query.bind(sql);
  const wrapped = Object.create(sql) as Sql;
  wrapped.query = ((text: string, params?: readonly unknown[]) => {
    statements += 1;
    return query(text, params);
  }) as Sql['query'];
  return { sql: wrapped, statements: () => statements };
}

describe('two nodes appending to one database, each remembering the heads it wrote', () => {
  let db: Sql;
  let a: SqlEventStore;
  let b: SqlEventStore;
  let countA: () => number;
  beforeAll(async () => {
    db = await clonePGlite((sql) => sql.exec(EVENTS_DDL));
    const wrapped = counted(db);
    countA = wrapped.statements;
    a = await SqlEventStore.open(wrapped.sql, { eventTypes: CONTRACT_EVENT_TYPES });
    b = await SqlEventStore.open(db, { eventTypes: CONTRACT_EVENT_TYPES });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await db.close();
  });

  it('appends in one statement to a new stream and after its own append, in two to a stream another node wrote', async () => {
    const stream = `heads-${randomUUID()}`;
    const other = `heads-${randomUUID()}`;
    await b.appendToStream(other, [event(0)], { expectedVersion: 'no_stream' });
    const before = countA();
    await a.appendToStream(stream, [event(0)], { expectedVersion: 'no_stream' });
    const first = countA() - before;
    await a.appendToStream(stream, [event(1)], { expectedVersion: 0 });
    const second = countA() - before - first;
    await a.appendToStream(other, [event(1)], { expectedVersion: 0 });
    expect([first, second, countA() - before - first - second]).toEqual([1, 1, 2]);
  });

  it('refuses a new stream that another node created, and recognises a retry of its creation', async () => {
    const stream = `heads-${randomUUID()}`;
    const created = [event(0), event(1)];
    // Given node b created the stream
    await b.appendToStream(stream, created, { expectedVersion: 'no_stream' });
    // When node a (which never saw it) creates it too, or retries b's creation
    await expect(a.appendToStream(stream, [event(2)], { expectedVersion: 'no_stream' })).rejects.toBeInstanceOf(ConcurrencyError);
    const retry = await a.appendToStream(stream, created, { expectedVersion: 'no_stream' });
    // Then nothing more was written, and the retry is recognised as stored
    expect(retry).toMatchObject({ idempotent: true, nextExpectedVersion: 1 });
    expect(await a.readStream(stream)).toHaveLength(2);
  });

  it('notices the other node\'s append: refuses a stale expected version, goes after it with any, and keeps the chain', async () => {
    const stream = `heads-${randomUUID()}`;
    // Given node a wrote version 0 and node b then wrote version 1
    await a.appendToStream(stream, [event(0)], { expectedVersion: 'no_stream' });
    const fromB = event(1);
    await b.appendToStream(stream, [fromB], { expectedVersion: 0 });
    // When a appends as if it still were at 0 (what it remembers), then with any
    await expect(a.appendToStream(stream, [event(2)], { expectedVersion: 0 })).rejects.toBeInstanceOf(ConcurrencyError);
    const result = await a.appendToStream(stream, [event(3)], { expectedVersion: 'any' });
    // Then its event follows b's, linked to b's hash, and a retry of b's event is recognised as stored
    expect(result.nextExpectedVersion).toBe(2);
    const stored = await a.readStream(stream);
    expect(stored.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 3]);
    expect(verifyChain(stored)).toMatchObject({ ok: true, events: 3 });
    expect(stored[2].prevHash).toBe(stored[1].hash);
    expect((await a.appendToStream(stream, [fromB], { expectedVersion: 'any' })).idempotent).toBe(true);
    expect(await a.readStream(stream)).toHaveLength(3);
  });

  it('recognises its own retry after writing more to the stream', async () => {
    const stream = `heads-${randomUUID()}`;
    const first = [event(0), event(1)];
    await a.appendToStream(stream, first, { expectedVersion: 'no_stream' });
    await a.appendToStream(stream, [event(2)], { expectedVersion: 1 });
    const retry = await a.appendToStream(stream, first, { expectedVersion: 'no_stream' });
    expect(retry).toMatchObject({ idempotent: true, nextExpectedVersion: 1 });
  });
});
