import type { Core } from '../../app/core/core.js';
import { changedSessions } from '../../projections/monitor/batch-rows.js';
import type { MonitorRow } from '../../projections/monitor/row.js';
import type { AppliedBatch } from '../../projections/runner.js';
import type { RecordedEvent } from '../../store/event-store.js';
import type { BatchInterest } from '../authorization.js';
import type { ApiContext } from '../context.js';
import { PushQueue } from '../push-queue.js';

/** A committed batch as live sources see it: its events, the last event of each session it changed, and their rows. */
export interface LiveBatch {
  readonly batch: AppliedBatch;
  readonly changed: ReadonlyMap<string, RecordedEvent>;
  /** The monitor rows of `changed` (read once for every source, see `BatchRows`). */
  readonly rows: ReadonlyMap<string, MonitorRow>;
}

/** Which batches a source may have something in: a hint that must hold every batch `map` would send something for. */
export type Interest = BatchInterest;

interface Sink {
  readonly key: string | null;
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
  /** Every source, with how many batches had been committed when it joined: it is handed only those after. */
  private readonly joinedAt = new Map<Sink, number>();
  /** Sources with an interest narrower than `all`, by `session:<id>` or `party:<id>`. */
  private readonly keyed = new Map<string, Set<Sink>>();
  /** Sources of every batch. */
  private readonly everything = new Set<Sink>();
  private tail: Promise<void> = Promise.resolve();
  /** Batches committed so far (a source's list was read after those before it joined). */
  private committed = 0;

  constructor(core: Pick<Core, 'runner' | 'monitorRows'>) {
    core.runner.onApplied((batch) => {
      const n = ++this.committed;
      if (this.joinedAt.size === 0) return;
      const changed = changedSessions(batch.events);
      // The read starts now and is settled at once (a failure must not go unhandled while batches before it wait);
      // the hand-over waits its turn behind the batches before it.
      const read = (changed.size > 0 ? core.monitorRows.rowsOf(batch) : Promise.resolve(NO_ROWS)).then(
        (found) => ({ found }),
        (error: unknown) => ({ error }),
      );
      this.tail = this.tail.then(async () => {
        const result = await read;
        if ('found' in result) this.hand(n, { batch, changed, rows: result.found });
        else for (const sink of [...this.joinedAt.keys()]) if (this.before(sink, n)) sink.fail(result.error);
      });
    });
  }

  /** Whether `sink` joined before batch `n` was committed. */
  private before(sink: Sink, n: number): boolean {
    return (this.joinedAt.get(sink) ?? Infinity) < n;
  }

  add(sink: Sink): () => void {
    this.joinedAt.set(sink, this.committed);
    if (sink.key === null) this.everything.add(sink);
    else {
      let set = this.keyed.get(sink.key);
      if (!set) this.keyed.set(sink.key, (set = new Set()));
      set.add(sink);
    }
    return () => {
      this.joinedAt.delete(sink);
      if (sink.key === null) this.everything.delete(sink);
      else {
        const set = this.keyed.get(sink.key);
        set?.delete(sink);
        if (set?.size === 0) this.keyed.delete(sink.key);
      }
    };
  }

  /** Each source whose interest the batch meets, once: hundreds of proctors' sources, a few of them concerned. */
  private hand(n: number, live: LiveBatch): void {
    const due = new Set<Sink>(this.everything);
    for (const key of batchKeys(live.changed.keys(), live.rows)) {
      const set = this.keyed.get(key);
      if (set) for (const sink of set) due.add(sink);
    }
    for (const sink of due) if (this.before(sink, n)) sink.take(live);
  }
}

/** The key under which a source of `interest` waits for batches (null: it takes every batch). */
export function interestKey(interest: Interest): string | null {
  return interest === 'all' ? null : 'session' in interest ? `session:${interest.session}` : `party:${interest.party}`;
}

/** The keys of the sources a batch may concern: each changed session, and every party of its row. */
export function batchKeys(changed: Iterable<string>, rows: ReadonlyMap<string, Pick<MonitorRow, 'student' | 'createdBy' | 'proctor' | 'committee'>>): Set<string> {
  const keys = new Set<string>();
  for (const id of changed) {
    keys.add(`session:${id}`);
    const row = rows.get(id);
    if (!row) continue;
    for (const party of [row.student, row.createdBy, row.proctor, ...(row.committee ?? [])]) if (party !== null) keys.add(`party:${party}`);
  }
  return keys;
}

const perCore = new WeakMap<object, LiveBatches>();

/**
 * Turns the runner's committed batches into an async iterable. `map` runs synchronously on each batch that meets
 * `interest` and may turn it into any number of values (none: the consumer is not woken); values queue while the
 * consumer is busy, so nothing is dropped. A `map` that throws, or a failed read of the batch's rows, ends the
 * iterable with that error.
 */
export function fromBatches<T>(ctx: Pick<ApiContext, 'core'>, interest: Interest, map: (live: LiveBatch) => readonly T[]): AsyncIterableIterator<T> {
  let live = perCore.get(ctx.core);
  if (!live) perCore.set(ctx.core, (live = new LiveBatches(ctx.core)));
  let off = () => {};
  // No sign-in check here: this source may serve a group of subscribers; each member checks its own.
  const values = new PushQueue<T>(() => off());
  off = live.add({
    key: interestKey(interest),
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
