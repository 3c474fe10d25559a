import { describe, expect, it } from 'vitest';
import { cellStart, daysOf, mergeCells, slotCovering, slotShownAt, weekStartOf, type SlotView } from './week.js';

describe('the calendar\'s week', () => {
  it('starts on Monday at midnight, whatever day it is given', () => {
    const sunday = new Date(2026, 10, 29, 15, 30); // Sun 29 Nov 2026
    expect(weekStartOf(sunday)).toEqual(new Date(2026, 10, 23));
    expect(weekStartOf(new Date(2026, 10, 23, 0, 0))).toEqual(new Date(2026, 10, 23));
    expect(daysOf(new Date(2026, 10, 30)).map((d) => d.getDate())).toEqual([30, 1, 2, 3, 4, 5, 6]);
  });

  it('merges hour cells next to each other on a day into one slot, and keeps the others apart', () => {
    const monday = new Date(2026, 10, 30);
    const tuesday = new Date(2026, 11, 1);
    const cells = [cellStart(monday, 11), cellStart(monday, 10), cellStart(monday, 14), cellStart(tuesday, 10)].map((d) => d.getTime());
    expect(mergeCells(cells)).toEqual([
      { start: cellStart(monday, 10).toISOString(), end: cellStart(monday, 12).toISOString() },
      { start: cellStart(monday, 14).toISOString(), end: cellStart(monday, 15).toISOString() },
      { start: cellStart(tuesday, 10).toISOString(), end: cellStart(tuesday, 11).toISOString() },
    ]);
  });

  it('cuts a run longer than 12 hours into slots the server takes', () => {
    const day = new Date(2026, 10, 30);
    const cells = Array.from({ length: 14 }, (_, i) => cellStart(day, 7 + i).getTime());
    expect(mergeCells(cells)).toEqual([
      { start: cellStart(day, 7).toISOString(), end: cellStart(day, 19).toISOString() },
      { start: cellStart(day, 19).toISOString(), end: cellStart(day, 21).toISOString() },
    ]);
  });

  it('finds the slot an hour cell falls in', () => {
    const day = new Date(2026, 10, 30);
    const slot: SlotView = { proctor: 'p', start: cellStart(day, 10).toISOString(), end: cellStart(day, 12).toISOString(), seats: 1, booked: 0, closed: false, sessions: [] };
    expect(slotCovering([slot], cellStart(day, 11))).toBe(slot);
    expect(slotCovering([slot], cellStart(day, 12))).toBeUndefined();
    expect(slotShownAt(slot, cellStart(day, 10))).toBe(true);
    expect(slotShownAt(slot, cellStart(day, 11))).toBe(false);
  });

  it('takes and labels the cells of a slot that does not start on the hour', () => {
    const day = new Date(2026, 10, 30);
    const half = new Date(cellStart(day, 15).getTime() + 30 * 60_000);
    const slot: SlotView = { proctor: 'p', start: half.toISOString(), end: new Date(half.getTime() + 3_600_000).toISOString(), seats: 1, booked: 0, closed: false, sessions: [] };
    expect([14, 15, 16, 17].map((h) => Boolean(slotCovering([slot], cellStart(day, h))))).toEqual([false, true, true, false]);
    expect([15, 16].map((h) => slotShownAt(slot, cellStart(day, h)))).toEqual([true, false]);
  });
});
