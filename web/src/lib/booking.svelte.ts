import type { Client } from '@urql/core';
import { request } from './client.js';
import { AVAILABLE_SLOTS, BOOK_SLOT } from './documents.js';
import type { AvailableData } from './graphql.generated.js';
import type { SessionView } from './types.js';

export type OpenSlot = AvailableData['availableSlots'][number];

/** Open slots by local day, in order: what a test-taker chooses from. */
export function byDay(slots: readonly OpenSlot[]): Array<{ day: string; slots: OpenSlot[] }> {
  const days = new Map<string, OpenSlot[]>();
  for (const s of slots) {
    const day = new Date(s.start).toLocaleDateString([], { weekday: 'long', day: 'numeric', month: 'long' });
    days.set(day, [...(days.get(day) ?? []), s]);
  }
  return [...days].map(([day, list]) => ({ day, slots: list }));
}

/** A test-taker booking the time of a self-scheduled session from the proctors' open slots. */
export class Booking {
  slots = $state<OpenSlot[] | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);

  constructor(private readonly client: Client, private readonly sessionId: string) {}

  async load(): Promise<void> {
    try {
      this.slots = (await request(this.client, AVAILABLE_SLOTS, { s: this.sessionId })).availableSlots;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  /** Books `slot`; answers the session as it is then, or null (the error says why, and the list is read again). */
  async book(slot: OpenSlot): Promise<SessionView | null> {
    this.busy = true;
    this.error = null;
    try {
      return (await request(this.client, BOOK_SLOT, { s: this.sessionId, p: slot.proctor, t: slot.start }, 'mutation')).bookSlot;
    } catch (e) {
      this.error = (e as Error).message;
      await this.load();
      return null;
    } finally {
      this.busy = false;
    }
  }
}
