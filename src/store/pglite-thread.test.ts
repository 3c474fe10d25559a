import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_EVENT_TYPES, eventStoreContract } from './contract.js';
import { openPGliteThread } from './pglite-thread.js';
import { sqlErrorInfo, type Sql } from './sql.js';
import { SqlEventStore } from './sql-event-store.js';
import { EVENTS_DDL } from './sql-schema.js';

describe('the pglite event store on a thread of its own', () => {
  eventStoreContract(async ({ sealKey }) => {
    const sql = await openPGliteThread();
    await sql.exec(EVENTS_DDL);
    const store = await SqlEventStore.open(sql, { eventTypes: CONTRACT_EVENT_TYPES, sealKey });
    return {
      appendToStream: store.appendToStream.bind(store),
      readStream: store.readStream.bind(store),
      readAll: store.readAll.bind(store),
      subscribe: store.subscribe.bind(store),
      close: async () => {
        await store.close();
        await sql.close();
      },
    };
  });
});

describe('PGlite on a thread of its own, behind the Sql port', () => {
  let sql: Sql;
  beforeAll(async () => {
    sql = await openPGliteThread();
    await sql.exec('CREATE TABLE things (id int PRIMARY KEY, at timestamptz, doc jsonb, bytes bytea)');
  }, 120_000);
  afterAll(async () => {
    await sql?.close();
  });

  describe('when a statement runs', () => {
    it('answers rows with dates, JSON and bytes as they are in process', async () => {
      const at = new Date('2026-11-30T12:00:00.123Z');
      await sql.query('INSERT INTO things VALUES ($1, $2, $3::text::jsonb, $4)', [1, at, JSON.stringify({ a: [1, 'b'] }), new Uint8Array([1, 2, 3])]);
      const [row] = await sql.query<{ id: number; at: Date; doc: unknown; bytes: Uint8Array }>('SELECT * FROM things WHERE id = 1');
      expect(row.at).toEqual(at);
      expect(row.doc).toEqual({ a: [1, 'b'] });
      expect(Array.from(row.bytes)).toEqual([1, 2, 3]);
    });

    it('fails with the database error\'s code and constraint, which callers branch on', async () => {
      const error = await sql.query('INSERT INTO things (id) VALUES (1)').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(sqlErrorInfo(error)).toMatchObject({ code: '23505', constraint: 'things_pkey' });
    });
  });

  describe('when a transaction runs', () => {
    it('commits what it did when it resolves and undoes all of it when it throws', async () => {
      await sql.transaction(async (tx) => tx.query('INSERT INTO things (id) VALUES (10)'));
      const failed = sql.transaction(async (tx) => {
        await tx.query('INSERT INTO things (id) VALUES (11)');
        throw new Error('changed my mind');
      });
      await expect(failed).rejects.toThrow('changed my mind');
      const ids = await sql.query<{ id: number }>('SELECT id FROM things WHERE id IN (10, 11) ORDER BY id');
      expect(ids.map((r) => r.id)).toEqual([10]);
    });

    it('keeps statements sent from outside it out of it: they run after it ends, and its rollback does not undo them', async () => {
      let inside!: () => void;
      const begun = new Promise<void>((resolve) => (inside = resolve));
      const tx = sql.transaction(async (t) => {
        await t.query('INSERT INTO things (id) VALUES (20)');
        inside();
        // Give the outside statement every chance to be sent while this transaction is open.
        await t.query('SELECT pg_sleep(0.05)');
        throw new Error('rolled back');
      });
      await begun;
      const outside = sql.query('INSERT INTO things (id) VALUES (21)');
      await expect(tx).rejects.toThrow('rolled back');
      await outside;
      const ids = await sql.query<{ id: number }>('SELECT id FROM things WHERE id IN (20, 21) ORDER BY id');
      expect(ids.map((r) => r.id)).toEqual([21]);
    });

    it('undoes only a failed savepoint\'s part and goes on', async () => {
      await sql.transaction(async (tx) => {
        await tx.query('INSERT INTO things (id) VALUES (30)');
        await expect(tx.savepoint((sp) => sp.query('INSERT INTO things (id) VALUES (30)'))).rejects.toThrow();
        await tx.query('INSERT INTO things (id) VALUES (31)');
      });
      const ids = await sql.query<{ id: number }>('SELECT id FROM things WHERE id IN (30, 31) ORDER BY id');
      expect(ids.map((r) => r.id)).toEqual([30, 31]);
    });
  });

  describe('when a channel is listened to', () => {
    it('hands each NOTIFY to every listener until it stops listening', async () => {
      const a: string[] = [];
      const b: string[] = [];
      const stopA = await sql.listen('things_changed', (p) => a.push(p));
      const stopB = await sql.listen('things_changed', (p) => b.push(p));
      await sql.query("SELECT pg_notify('things_changed', 'one')");
      await waitFor(() => a.length === 1 && b.length === 1);
      await stopA();
      await sql.query("SELECT pg_notify('things_changed', 'two')");
      await waitFor(() => b.length === 2);
      expect(a).toEqual(['one']);
      expect(b).toEqual(['one', 'two']);
      await stopB();
    });
  });
});

describe('a PGlite thread that cannot open its database', () => {
  it('refuses with the reason instead of starting', async () => {
    await expect(openPGliteThread({ dataDir: '/proc/no-such-place/pglite' })).rejects.toThrow(/cannot open the embedded database/);
  }, 60_000);
});

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
