import type { RecordedEvent } from './event-store.js';
import { eventHash } from './validate.js';

export interface ChainVerdict {
  readonly ok: boolean;
  readonly events: number;
  /** Version of the first event whose hash or link does not hold. */
  readonly brokenAt: number | null;
  readonly reason: string | null;
}

/** Recomputes a stream's hash chain: any edited, removed or reordered event breaks it from that point on. */
export function verifyChain(events: readonly RecordedEvent[]): ChainVerdict {
  let prev: string | null = null;
  for (const [i, event] of events.entries()) {
    const broken = (reason: string): ChainVerdict => ({ ok: false, events: events.length, brokenAt: event.streamVersion, reason });
    if (event.streamVersion !== i) return broken(`expected version ${i}, found ${event.streamVersion}`);
    if (event.prevHash !== prev) return broken('link to the previous event does not match');
    if (eventHash(event) !== event.hash) return broken('content does not match its hash');
    prev = event.hash;
  }
  return { ok: true, events: events.length, brokenAt: null, reason: null };
}
