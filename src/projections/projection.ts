import type { RecordedEvent } from '../store/event-store.js';
import type { Sql } from '../store/sql.js';

/**
 * A read model: its tables, the event types it reads, and how one event changes its rows. `apply` runs inside the
 * runner's transaction, which also moves the projection's checkpoint: a crash never applies an event twice or skips one.
 */
export interface Projection {
  readonly name: string;
  /** CREATE TABLE IF NOT EXISTS … for its tables; run at every start. */
  readonly ddl: string;
  /** Its tables, emptied by a rebuild and compared by the rebuild test. */
  readonly tables: readonly string[];
  readonly handles: ReadonlySet<string>;
  apply(tx: Sql, event: RecordedEvent): Promise<void>;
}
