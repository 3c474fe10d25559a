import type { EventEmitter } from 'node:events';
import type { RecordedEvent, SubscribeOptions, Subscription } from './event-store.js';

/**
 * Catch-up then live delivery for stores that can only be read: read a batch after the last checkpoint, hand it to
 * the handler, repeat; when nothing is left, sleep until an append wakes us or the poll interval passes (another
 * node's append, or an event that was hidden behind a slower transaction).
 */
export function pollingSubscription(args: {
  read: (after: string | null, limit: number) => Promise<RecordedEvent[]>;
  wakeups: EventEmitter;
  pollIntervalMs: number;
  handler: (events: readonly RecordedEvent[]) => Promise<void> | void;
  options: SubscribeOptions;
}): Subscription {
  const { read, wakeups, pollIntervalMs, handler, options } = args;
  const batchSize = options.batchSize ?? 500;
  let after = options.after ?? null;
  let closed = false;
  let dirty = true;
  let wake: (() => void) | null = null;
  const onAppended = () => {
    dirty = true;
    wake?.();
  };
  wakeups.on('appended', onAppended);

  const loop = (async () => {
    while (!closed) {
      dirty = false;
      const events = await read(after, batchSize);
      if (closed) break;
      if (events.length > 0) {
        await handler(events);
        after = events[events.length - 1].checkpoint;
        // PGlite answers with promises already resolved: without a turn of the event loop here a long catch-up
        // would keep timers and sockets waiting until it ends.
        await new Promise((resolve) => setImmediate(resolve));
        // A full batch may have more behind it. After a short one, reading again finds only what was appended
        // since this read began, and each such append has set `dirty`: without one, wait (saves a query per batch).
        if (events.length >= batchSize || dirty) continue;
      } else if (dirty) continue;
      if (closed) break; // closed while the handler ran: a sleep now would hold `close` for the whole poll interval
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  })().catch((error) => {
    closed = true;
    options.onError?.(error);
  }).finally(() => wakeups.off('appended', onAppended));

  return {
    async close() {
      closed = true;
      wake?.();
      await loop;
    },
  };
}
