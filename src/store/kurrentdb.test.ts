import { describeWithServer } from '../../test/support/servers.js';
import { CONTRACT_EVENT_TYPES, eventStoreContract } from './contract.js';
import { KurrentDbEventStore } from './kurrentdb-event-store.js';

const url = process.env.KURRENTDB_URL;

describeWithServer(
  'the kurrentdb event store',
  Boolean(url),
  'no KurrentDB server: set KURRENTDB_URL (CI here cannot start one: no Debian package, no container engine)',
  () => {
    // Streams are isolated by id (every contract test makes its own), so one server serves every run.
    eventStoreContract(({ sealKey }) => KurrentDbEventStore.open(url!, { eventTypes: CONTRACT_EVENT_TYPES, sealKey }));
  },
  { requiredInCi: false },
);
