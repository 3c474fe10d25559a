import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from './event-store.js';
import { pollingSubscription } from './polling-subscription.js';

const event = (n: number) => ({ checkpoint: String(n) }) as unknown as RecordedEvent;

describe('a polling subscription', () => {
  it('closes as soon as the batch in hand is handled, without sleeping out its poll interval', async () => {
    // Given a subscription whose handler is busy with the only batch there is, and an hour between polls
    let release!: () => void;
    const handling = new Promise<void>((resolve) => (release = resolve));
    let handed!: () => void;
    const inHandler = new Promise<void>((resolve) => (handed = resolve));
    const batches: string[][] = [];
    const subscription = pollingSubscription({
      read: async (after) => (after === null ? [event(1)] : []),
      wakeups: new EventEmitter(),
      pollIntervalMs: 3_600_000,
      handler: async (events) => {
        batches.push(events.map((e) => e.checkpoint));
        handed();
        await handling;
      },
      options: {},
    });
    await inHandler;
    // When it is closed meanwhile, and the handler then finishes
    const closed = subscription.close();
    release();
    // Then close resolves (before the fix it waited the hour, and this test timed out), having handled that batch once
    await closed;
    expect(batches).toEqual([['1']]);
  });
});
