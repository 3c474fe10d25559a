import { START, streamNameFilter, type AllStreamResolvedEvent, type AllStreamSubscription, type KurrentDBClient, type Position } from '@kurrent/kurrentdb-client';
import type { RecordedEvent, SubscribeOptions, Subscription } from './event-store.js';
import { comparePositions, decodeKurrentCheckpoint, positionOf, STORED_STREAMS_REGEX, toRecorded } from './kurrentdb-mapping.js';

/**
 * `subscribeToAll` delivered in batches: events queue while the handler runs, the server stream pauses when a full
 * batch waits, and nothing at or before `options.after` is delivered (the server's start position is inclusive
 * on some versions).
 */
export function liveSubscription(
  client: Pick<KurrentDBClient, 'subscribeToAll'>,
  handler: (events: readonly RecordedEvent[]) => Promise<void> | void,
  options: SubscribeOptions,
): Subscription {
  const batchSize = Math.max(1, options.batchSize ?? 500);
  const feed = queuedFeed(client, options.after ? decodeKurrentCheckpoint(options.after) : null, batchSize);
  const { stream, queue, state } = feed;
  let closed = false;

  const loop = (async () => {
    while (!closed) {
      if (state.failure) throw state.failure.error;
      if (queue.length === 0) {
        await feed.more();
        continue;
      }
      const batch = queue.splice(0, batchSize);
      await handler(batch);
      if (queue.length < batchSize && stream.isPaused()) stream.resume();
    }
  })()
    .catch((error) => {
      if (closed) return;
      closed = true;
      options.onError?.(error);
    })
    .finally(() => stream.unsubscribe().catch(() => {}));

  return {
    async close() {
      closed = true;
      feed.signal();
      await loop;
    },
  };
}

/**
 * The server's stream of `$all` after `after`, queued for the delivery loop: `more` resolves at the next event or
 * failure (or at `signal`), and the server stream pauses while a full batch waits.
 */
function queuedFeed(client: Pick<KurrentDBClient, 'subscribeToAll'>, after: Position | null, batchSize: number) {
  const stream: AllStreamSubscription = client.subscribeToAll({
    fromPosition: after ?? START,
    filter: streamNameFilter({ regex: STORED_STREAMS_REGEX }),
  });
  const queue: RecordedEvent[] = [];
  // Set from stream callbacks; an object so the loop's reads are not narrowed away.
  const state: { failure: { error: unknown } | null } = { failure: null };
  let wake: (() => void) | null = null;
  const signal = () => {
    const w = wake;
    wake = null;
    w?.();
  };

  stream.on('data', (resolved: AllStreamResolvedEvent) => {
    try {
      const position = positionOf(resolved);
      if (!position || (after && comparePositions(position, after) <= 0)) return;
      after = position;
      const event = toRecorded(resolved);
      if (!event) return;
      queue.push(event);
      if (queue.length >= batchSize) stream.pause();
      signal();
    } catch (error) {
      state.failure ??= { error };
      signal();
    }
  });
  stream.on('error', (error: unknown) => {
    state.failure ??= { error };
    signal();
  });
  stream.on('end', () => {
    state.failure ??= { error: new Error('KurrentDB ended the subscription') };
    signal();
  });
  const more = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });
  return { stream, queue, state, signal, more };
}
