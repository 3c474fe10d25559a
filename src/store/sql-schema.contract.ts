import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CONTRACT_EVENT_TYPES } from './contract.js';
import { SqlEventStore } from './sql-event-store.js';
import type { Sql } from './sql.js';
import { eventHash } from './validate.js';

/**
 * What `EVENTS_DDL` makes of a new database and of one made before its last change, on either engine: `open` gives a
 * database (or schema) of the test's own, closed by the test.
 */
export function eventsTableKeysContract(open: () => Promise<Sql>): void {
  describe('the events table\'s keys', () => {
    /** The indexes on `events`, each as its definition's columns (`(transaction_id, "position")`) and whether it is the key. */
    const indexes = (sql: Sql) =>
      sql.query<{ name: string; columns: string; key: boolean }>(
        `SELECT c.relname AS name, regexp_replace(pg_get_indexdef(i.indexrelid), '^.* USING btree ', '') AS columns, i.indisprimary AS key
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          WHERE i.indrelid = 'events'::regclass ORDER BY c.relname`,
      );

    it('keys a new table on the read order: three indexes an appended event is written into, not four', async () => {
      const sql = await open();
      try {
        await sql.exec('DROP TABLE IF EXISTS events');
        const store = await SqlEventStore.open(sql, { eventTypes: CONTRACT_EVENT_TYPES });
        await store.appendToStream('s', [{ id: randomUUID(), type: 'ThingHappened', data: { n: 1 } }]);
        await store.close();
        expect(await indexes(sql)).toEqual([
          { name: 'events_event_id', columns: '(event_id)', key: false },
          { name: 'events_read_order', columns: '(transaction_id, "position")', key: true },
          { name: 'events_stream_version', columns: '(stream_id, stream_version)', key: false },
        ]);
      } finally {
        await sql.close();
      }
    });

    it('drops the separate key on position from a table made before, keeping its events, its chain and its read order', async () => {
      const sql = await open();
      try {
        await sql.exec('DROP TABLE IF EXISTS events');
        // The table as it was made before 2026-12-02, with an event in it.
        await sql.exec(`CREATE TABLE events (
            position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
            stream_id text NOT NULL, stream_version integer NOT NULL, event_id uuid NOT NULL, type text NOT NULL, data jsonb NOT NULL,
            metadata jsonb NOT NULL, recorded_at timestamptz NOT NULL, prev_hash text, hash text NOT NULL, seal text,
            CONSTRAINT events_stream_version UNIQUE (stream_id, stream_version), CONSTRAINT events_event_id UNIQUE (event_id));
          CREATE INDEX events_read_order ON events (transaction_id, position);`);
        const before = { id: randomUUID(), recordedAt: new Date('2026-11-30T10:00:00.000Z') };
        const hash = eventHash({ prevHash: null, streamId: 's', streamVersion: 0, id: before.id, type: 'ThingHappened', recordedAt: before.recordedAt, data: { n: 1 }, metadata: {} });
        await sql.query(`INSERT INTO events (stream_id, stream_version, event_id, type, data, metadata, recorded_at, prev_hash, hash) VALUES ('s', 0, $1, 'ThingHappened', '{"n":1}', '{}', $2, NULL, $3)`, [before.id, before.recordedAt.toISOString(), hash]);

        const store = await SqlEventStore.open(sql, { eventTypes: CONTRACT_EVENT_TYPES });
        await store.appendToStream('s', [{ id: randomUUID(), type: 'ThingHappened', data: { n: 2 } }], { expectedVersion: 0 });
        await expect(store.appendToStream('s', [{ id: randomUUID(), type: 'ThingHappened', data: { n: 3 } }], { expectedVersion: 0 })).rejects.toThrow(/is at version 1, expected it to be at version 0/);
        const read = await store.readAll();
        expect(read.map((e) => [e.streamVersion, e.data])).toEqual([[0, { n: 1 }], [1, { n: 2 }]]);
        expect(read[1].prevHash).toBe(hash);
        await store.close();
        expect(await indexes(sql)).toEqual([
          { name: 'events_event_id', columns: '(event_id)', key: false },
          { name: 'events_read_order', columns: '(transaction_id, "position")', key: false },
          { name: 'events_stream_version', columns: '(stream_id, stream_version)', key: false },
        ]);
        // Opening it again changes nothing more.
        await (await SqlEventStore.open(sql, { eventTypes: CONTRACT_EVENT_TYPES })).close();
        expect(await indexes(sql)).toHaveLength(3);
      } finally {
        await sql.close();
      }
    });
  });
}
