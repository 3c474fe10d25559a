import { describe } from 'vitest';
import { clonePGlite } from '../../test/support/pglite.js';
import { CONTRACT_EVENT_TYPES, eventStoreContract } from './contract.js';
import { SqlEventStore } from './sql-event-store.js';
import { eventsTableKeysContract } from './sql-schema.contract.js';
import { EVENTS_DDL } from './sql-schema.js';

describe('the pglite event store', () => {
  eventStoreContract(async ({ sealKey }) => {
    const sql = await clonePGlite((db) => db.exec(EVENTS_DDL));
    const store = await SqlEventStore.open(sql, { eventTypes: CONTRACT_EVENT_TYPES, sealKey });
    return { ...bind(store), close: async () => { await store.close(); await sql.close(); } };
  });

  eventsTableKeysContract(() => clonePGlite((db) => db.exec(EVENTS_DDL)));
});

/** Keeps the store's methods bound when `close` is replaced. */
function bind(store: SqlEventStore) {
  return {
    appendToStream: store.appendToStream.bind(store),
    readStream: store.readStream.bind(store),
    readAll: store.readAll.bind(store),
    subscribe: store.subscribe.bind(store),
  };
}
