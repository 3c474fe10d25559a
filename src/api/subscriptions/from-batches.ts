import type { Core } from '../../app/core/core.js';
import { changedSessions } from '../../projections/monitor/batch-rows.js';
import type { MonitorRow } from '../../projections/monitor/row.js';
import type { AppliedBatch } from '../../projections/runner.js';
import type { RecordedEvent } from '../../store/event-store.js';
import type { ApiContext } from '../context.js';
import { PushQueue } from '../push-queue.js';

/** A committed batch as live sources see it: its events, the last event of each session it changed, and their rows. */
export interface LiveBatch {
  readonly batch: AppliedBatch;
  readonly changed: ReadonlyMap<string, RecordedEvent>;
  /** The monitor rows of `changed` (read once for every source, see `BatchRows`). */
  readonly rows: ReadonlyMap<string, MonitorRow>;
}

interface Sink {
  take(live: LiveBatch): void;
  fail(error: unknown): void;
}

const NO_ROWS: ReadonlyMap<string, MonitorRow> = new Map();

/**
 * One listener on the runner for every live source of a process. Each batch's changed sessions are found and their
 * rows read once, then every source maps the batch synchronously and only one that has something to send is woken.
 * Hundreds of subscription groups (a proctor's list, search and tile each) used to each wake, await and filter every
 * batch through a chain of promises of their own: most of the cost of a command under load was that, for nothing.
 * Batches reach the sources in the order they were committed.
 */
class LiveBatches {
  private readonly sinks = new Set<Sink>();
  private tail: Promise<void> = Promise.resolve();

  constructor(core: Pick<Core, 'runner' | 'monitorRows'>) {
    core.runner.onApplied((batch) => {
      if (this.sinks.size === 0) return;
      const changed = changedSessions(batch.events);
      const rows = changed.size > 0 ? core.monitorRows.rowsOf(batch) : Promise.resolve(NO_ROWS);
      // The read starts now; the hand-over waits its turn behind the batches before it.
      this.tail = this.tail.then(() => rows).then(
        (found) => this.hand({ batch, changed, rows: found }),
        (error: unknown) => {
          for (const sink of [...this.sinks]) sink.fail(error);
        },
      );
    });
  }

  add(sink: Sink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  private hand(live: LiveBatch): void {
    for (const sink of [...this.sinks]) sink.take(live);
  }
}

const perCore = new WeakMap<object, LiveBatches>();

/**
 * Turns the runner's committed batches into an async iterable. `map` runs synchronously on each batch and may turn it
 * into any number of values (none: the consumer is not woken); values queue while the consumer is busy, so nothing is
 * dropped. A `map` that throws, or a failed read of the batch's rows, ends the iterable with that error.
 */
export function fromBatches<T>(ctx: Pick<ApiContext, 'core'>, map: (live: LiveBatch) => readonly T[]): AsyncIterableIterator<T> {
  let live = perCore.get(ctx.core);
  if (!live) perCore.set(ctx.core, (live = new LiveBatches(ctx.core)));
  let off = () => {};
  // No sign-in check here: this source may serve a group of subscribers; each member checks its own.
  const values = new PushQueue<T>(() => off());
  off = live.add({
    take(batch) {
      let out: readonly T[];
      try {
        out = map(batch);
      } catch (error) {
        off();
        values.fail(error);
        return;
      }
      for (const value of out) values.push(value);
    },
    fail(error) {
      off();
      values.fail(error);
    },
  });
  return values;
}
