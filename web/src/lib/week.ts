/** The week grid of the proctors' calendar: pure date arithmetic, in local time. */
import type { SlotsData } from './graphql.generated.js';

/** The hours a week's grid shows, local time: [FIRST_HOUR, LAST_HOUR). */
export const FIRST_HOUR = 7;
export const LAST_HOUR = 21;

/** One slot of the calendar (as `slots` answers). */
export type SlotView = SlotsData['slots'][number];

/** Monday 00:00 (local time) of the week holding `date`. */
export function weekStartOf(date: Date): Date {
  const d = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  const back = (d.getDay() + 6) % 7; // Monday = 0
  d.setDate(d.getDate() - back);
  return d;
}

/** The seven days of the week starting at `monday` (local midnights; DST-safe). */
export function daysOf(monday: Date): Date[] {
  return Array.from({ length: 7 }, (_, i) => new Date(monday.getFullYear(), monday.getMonth(), monday.getDate() + i));
}

/** The start of the hour cell `hour` on `day` (local). */
export const cellStart = (day: Date, hour: number) => new Date(day.getFullYear(), day.getMonth(), day.getDate(), hour);

/** The slot that covers the hour cell starting at `at`, if any. */
export function slotCovering(slots: readonly SlotView[], at: Date): SlotView | undefined {
  // Any overlap: a slot that starts or ends inside the hour (made through the API, or seen from a half-hour time zone)
  // takes the cell too.
  const from = at.getTime();
  const to = from + 3_600_000;
  return slots.find((s) => Date.parse(s.start) < to && Date.parse(s.end) > from);
}

/** Whether the hour cell at `at` is where `slot` is shown: the cell it starts in, or the grid's first hour that day. */
export function slotShownAt(slot: SlotView, at: Date, firstHour = FIRST_HOUR): boolean {
  const start = Date.parse(slot.start);
  const t = at.getTime();
  return (start >= t && start < t + 3_600_000) || (at.getHours() === firstHour && start < t);
}

/**
 * Hour cells chosen, merged into slots: cells next to each other on one day make one slot (09:00 and 10:00 → 09:00–11:00).
 */
export function mergeCells(cells: readonly number[]): Array<{ start: string; end: string }> {
  const LONGEST = 12 * 3_600_000; // the longest slot the server takes: a longer run becomes several slots
  const sorted = [...new Set(cells)].sort((a, b) => a - b);
  const out: Array<{ start: number; end: number }> = [];
  for (const start of sorted) {
    const end = new Date(start);
    end.setHours(end.getHours() + 1);
    const last = out.at(-1);
    if (last && last.end === start && end.getTime() - last.start <= LONGEST) last.end = end.getTime();
    else out.push({ start, end: end.getTime() });
  }
  return out.map((s) => ({ start: new Date(s.start).toISOString(), end: new Date(s.end).toISOString() }));
}

