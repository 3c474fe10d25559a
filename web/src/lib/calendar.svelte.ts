import type { Client } from '@urql/core';
import { request } from './client.js';
import { CLOSE_SLOT, OPEN_SLOTS, PROCTORS, SLOTS } from './documents.js';
import { daysOf, mergeCells, slotCovering, weekStartOf, type SlotView } from './week.js';

export { cellStart, FIRST_HOUR, LAST_HOUR, slotCovering, slotShownAt, type SlotView } from './week.js';
const DAY = 86_400_000;

/**
 * A proctor's weekly calendar: their slots this week, the hour cells chosen to open as slots, and the seats each
 * gets. An administrator works on the calendar of the proctor chosen.
 */
export class CalendarState {
  week = $state(weekStartOf(new Date()));
  slots = $state<SlotView[]>([]);
  chosen = $state<number[]>([]);
  seats = $state(1);
  proctor = $state<string | null>(null);
  proctors = $state<Array<{ username: string; displayName: string }>>([]);
  message = $state<{ ok: boolean; text: string } | null>(null);
  busy = $state(false);

  constructor(private readonly client: Client, readonly admin: boolean) {}

  days = $derived(daysOf(this.week));

  async init(): Promise<void> {
    if (this.admin) {
      this.proctors = (await request(this.client, PROCTORS, {})).accounts;
      this.proctor = this.proctors[0]?.username ?? null;
    }
    await this.load();
  }

  async load(): Promise<void> {
    if (this.admin && !this.proctor) return;
    const week = this.week;
    const proctor = this.proctor;
    const to = new Date(week.getFullYear(), week.getMonth(), week.getDate() + 7);
    try {
      const data = await request(this.client, SLOTS, { f: week.toISOString(), t: to.toISOString(), p: proctor });
      if (week !== this.week || proctor !== this.proctor) return; // another week or proctor was chosen meanwhile
      this.slots = data.slots;
    } catch (e) {
      this.message = { ok: false, text: (e as Error).message };
    }
  }

  /** An administrator switches to another proctor's calendar. */
  async switchProctor(proctor: string): Promise<void> {
    this.proctor = proctor;
    this.chosen = [];
    this.slots = [];
    await this.load();
  }

  async shift(weeks: number): Promise<void> {
    this.week = new Date(this.week.getTime() + weeks * 7 * DAY + 12 * 3_600_000); // past DST changes, then back to Monday
    this.week = weekStartOf(this.week);
    this.chosen = [];
    await this.load();
  }

  /** Whether an hour cell can be chosen: in the future and not in a slot. */
  choosable(at: Date): boolean {
    return at.getTime() > Date.now() && !slotCovering(this.slots, at);
  }

  toggle(at: Date): void {
    if (!this.choosable(at)) return;
    const t = at.getTime();
    this.chosen = this.chosen.includes(t) ? this.chosen.filter((c) => c !== t) : [...this.chosen, t];
  }

  async openChosen(): Promise<void> {
    const slots = mergeCells(this.chosen);
    if (slots.length === 0) return;
    await this.act(async () => {
      await request(this.client, OPEN_SLOTS, { s: slots, n: this.seats, p: this.proctor }, 'mutation');
      this.chosen = [];
      return `${slots.length} slot${slots.length === 1 ? '' : 's'} opened`;
    });
  }

  async close(slot: SlotView): Promise<void> {
    await this.act(async () => {
      await request(this.client, CLOSE_SLOT, { t: slot.start, p: this.proctor }, 'mutation');
      return slot.booked ? `Slot closed; its ${slot.booked} booking${slot.booked === 1 ? '' : 's'} stay` : 'Slot closed';
    });
  }

  private async act(action: () => Promise<string>): Promise<void> {
    this.busy = true;
    try {
      this.message = { ok: true, text: await action() };
      await this.load();
    } catch (e) {
      this.message = { ok: false, text: (e as Error).message };
    } finally {
      this.busy = false;
    }
  }
}
