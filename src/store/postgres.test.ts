import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl, uniqueSchema } from '../../test/support/servers.js';
import { CONTRACT_EVENT_TYPES, eventStoreContract } from './contract.js';
import { eventsTableKeysContract } from './sql-schema.contract.js';
import { SqlEventStore } from './sql-event-store.js';
import { APPEND_LOCK_KEY } from './read-horizon.js';
import { openPostgres, postgresAddress, type Sql } from './sql.js';
import { eventHash } from './validate.js';

const url = testPostgresUrl();

describeWithServer('the postgres event store', Boolean(url), NO_POSTGRES_REASON, () => {
  eventStoreContract(async ({ sealKey }) => {
    const sql = await openPostgres(url!, { schema: uniqueSchema('contract') });
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

  describe('when a slow transaction commits after a faster one', () => {
    let sql: Sql;
    let store: SqlEventStore;
    let raw: postgres.Sql;
    const schema = uniqueSchema('slowtx');
    beforeAll(async () => {
      sql = await openPostgres(url!, { schema });
      store = await SqlEventStore.open(sql, { eventTypes: CONTRACT_EVENT_TYPES });
      raw = postgres(url!, { max: 1, onnotice: () => {}, connection: { search_path: schema } });
    });
    afterAll(async () => {
      await raw.end();
      await store.close();
      await sql.close();
    });

    it('never lets a reader skip the slow event: the later commit waits behind it', async () => {
      const reserved = await raw.reserve();
      const recordedAt = new Date();
      const slowId = randomUUID();
      // The slow writer takes its position first and holds its transaction open (as an append does: under the
      // append lock, taken before its transaction has an id).
      await reserved.unsafe('BEGIN');
      await reserved.unsafe(`SELECT pg_advisory_xact_lock_shared(${APPEND_LOCK_KEY}, hashtext(current_schema()))`);
      await reserved.unsafe(
        `INSERT INTO events (stream_id, stream_version, event_id, type, data, metadata, recorded_at, prev_hash, hash)
         VALUES ('slow', 0, $1, 'ThingHappened', '{"n":1}', '{}', $2, NULL, $3)`,
        [slowId, recordedAt.toISOString(), eventHash({ prevHash: null, streamId: 'slow', streamVersion: 0, id: slowId, type: 'ThingHappened', recordedAt, data: { n: 1 }, metadata: {} })],
      );
      await store.appendToStream('fast', [{ id: randomUUID(), type: 'ThingHappened', data: { n: 2 } }]);
      const whileOpen = await store.readAll();
      expect(whileOpen.map((e) => e.streamId)).toEqual([]);
      await reserved.unsafe('COMMIT');
      reserved.release();
      const afterCommit = await store.readAll();
      expect(afterCommit.map((e) => e.streamId)).toEqual(['slow', 'fast']);
    });

    it('is not held back by a long transaction that appends nothing, in this database or another', async () => {
      // An export's cursor, a report, a projection batch: open transactions with an id, writing no events.
      const here = await raw.reserve();
      const elsewhere = postgres(url!.replace(/\/[^/?]*(\?|$)/, '/template1$1'), { max: 1, onnotice: () => {} });
      const there = await elsewhere.reserve();
      try {
        for (const c of [here, there]) {
          await c.unsafe('BEGIN');
          await c.unsafe('SELECT pg_current_xact_id()');
        }
        const before = (await store.readAll()).length;
        await store.appendToStream('while-others-run', [{ id: randomUUID(), type: 'ThingHappened', data: { n: 3 } }]);
        const read = await store.readAll();
        expect(read.length).toBe(before + 1);
        expect(read.at(-1)!.streamId).toBe('while-others-run');
      } finally {
        for (const c of [here, there]) {
          await c.unsafe('ROLLBACK');
          c.release();
        }
        await elsewhere.end();
      }
    });
  });

  eventsTableKeysContract(async () => openPostgres(url!, { schema: uniqueSchema('keys'), max: 1 }));

  describe('connecting', () => {
    it('prepares a statement once per connection and runs it again by name', async () => {
      const sql = await openPostgres(url!, { schema: uniqueSchema('prepared'), max: 1 });
      try {
        const text = `SELECT $1::int + 1 AS n -- ${randomUUID()}`;
        expect(await sql.query(text, [1])).toEqual([{ n: 2 }]);
        expect(await sql.query(text, [2])).toEqual([{ n: 3 }]);
        const prepared = await sql.query<{ statement: string }>(`SELECT statement FROM pg_prepared_statements WHERE statement = $1`, [text]);
        expect(prepared).toHaveLength(1);
      } finally {
        await sql.close();
      }
    });

    it('reaches a server on this machine through its Unix socket, named the libpq way (?host=/dir)', async () => {
      const server = new URL(url!);
      if (!['127.0.0.1', 'localhost', '[::1]'].includes(server.hostname)) {
        console.warn(`not run: the test server ${server.hostname} is on another machine, its socket is not here`);
        return;
      }
      // scripts/pg-test-server.sh puts the socket in /tmp (PGSOCKETDIR elsewhere).
      server.searchParams.set('host', process.env.PGSOCKETDIR ?? '/tmp');
      expect(postgresAddress(server.toString()).path).toBe(`${process.env.PGSOCKETDIR ?? '/tmp'}/.s.PGSQL.${server.port || 5432}`);
      const sql = await openPostgres(server.toString(), { schema: uniqueSchema('socket'), max: 1 });
      try {
        // inet_server_addr() is null on a Unix socket, the server's address on TCP.
        expect(await sql.query(`SELECT inet_server_addr() AS addr, current_schema() AS schema`)).toEqual([{ addr: null, schema: expect.stringMatching(/^socket/) }]);
      } finally {
        await sql.close();
      }
    });

    it('leaves a URL without a socket directory as it is', () => {
      expect(postgresAddress('postgres://u:p@db.example:6543/app?sslmode=require')).toEqual({ url: 'postgres://u:p@db.example:6543/app?sslmode=require', path: undefined });
      expect(postgresAddress('postgres://u@localhost/app?host=%2Fvar%2Frun%2Fpostgresql%2F')).toEqual({ url: 'postgres://u@localhost/app', path: '/var/run/postgresql/.s.PGSQL.5432' });
    });
  });
});
