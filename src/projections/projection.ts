import type { EventShape, Recorded } from '../store/event-store.js';
import type { Sql } from '../store/sql.js';

/**
 * A read model: its tables, the event types it reads, and how one event changes its rows. `apply` runs inside the
 * runner's transaction, which also moves the projection's checkpoint: a crash never applies an event twice or skips one.
 * `E` is the union of the events it handles: the runner calls `apply` only with an event whose type is in `handles`.
 */
export interface Projection<E extends EventShape = EventShape> {
  readonly name: string;
  /** CREATE TABLE IF NOT EXISTS … for its tables; run at every start. */
  readonly ddl: string;
  /** Its tables, emptied by a rebuild and compared by the rebuild test. */
  readonly tables: readonly string[];
  readonly handles: ReadonlySet<E['type']>;
  apply(tx: Sql, event: Recorded<E>): Promise<void>;
}
