import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl, uniqueSchema } from '../../test/support/servers.js';
import { CONTRACT_EVENT_TYPES, eventStoreContract } from './contract.js';
import { SqlEventStore } from './sql-event-store.js';
import { openPostgres, type Sql } from './sql.js';
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
      // The slow writer takes its position first and holds its transaction open.
      await reserved.unsafe('BEGIN');
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
  });
});
