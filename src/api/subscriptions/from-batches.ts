import type { AppliedBatch } from '../../projections/runner.js';
import type { ApiContext } from '../context.js';
import { PushQueue } from '../push-queue.js';

/**
 * Turns the runner's committed batches into an async iterable. Batches queue while the consumer is busy, so
 * nothing is dropped; `map` may turn one batch into any number of values.
 */
export function fromBatches<T>(ctx: ApiContext, map: (batch: AppliedBatch) => Promise<T[]>): AsyncIterableIterator<T> {
  let off = () => {};
  const batches = new PushQueue<AppliedBatch>(() => off());
  off = ctx.core.runner.onApplied((batch) => batches.push(batch));
  const pending: T[] = [];
  // No sign-in check here: this source may serve a group of subscribers; each member checks its own.
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      while (pending.length === 0) {
        const batch = await batches.next();
        if (batch.done) return { value: undefined, done: true };
        pending.push(...(await map(batch.value)));
      }
      return { value: pending.shift()!, done: false };
    },
    return: () => batches.return() as Promise<IteratorResult<T>>,
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
