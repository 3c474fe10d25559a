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
  /**
   * Only writes: the runner sends its statements without waiting for each answer (see `pipelined`), and a statement
   * answers no rows there.
   */
  apply(tx: Sql, event: Recorded<E>): Promise<void>;
  /**
   * Folds a page of events it handles (in store order, each newer than its checkpoint) with fewer statements than
   * `apply` one by one, leaving the same rows. Optional: without it the runner calls `apply` for each. When a page
   * fails, the runner applies its events one by one with `apply` to find the one at fault, so a wrapper that changes
   * `apply` must leave this out.
   */
  applyPage?(tx: Sql, events: readonly Recorded<E>[]): Promise<void>;
}
