import { describe, it } from 'vitest';
import { specFor } from '../../../test/support/spec.js';
import type { Actor } from '../core/decider.js';
import { IllegalStateError, ValidationError } from '../core/errors.js';
import { scheduleDecider, type ScheduleCommand, type ScheduleEvent } from './schedule.js';

const NOW = new Date('2026-03-02T08:00:00.000Z');
const at = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000);
const iso = (hours: number) => at(hours).toISOString();
const proctor: Actor = { id: 'proctor1', role: 'proctor' };
const student: Actor = { id: 'student1', role: 'student' };
const spec = specFor(scheduleDecider);
let n = 0;
const cmd = <T extends ScheduleCommand['type']>(type: T, data: Extract<ScheduleCommand, { type: T }>['data'], actor: Actor = proctor): ScheduleCommand =>
  ({ type, data, metadata: { now: NOW, actor, commandId: `c${++n}` } }) as ScheduleCommand;
const open = (spans: Array<[number, number]>, seats = 2) => cmd('OpenSlots', { proctor: 'proctor1', slots: spans.map(([a, b]) => ({ start: at(a), end: at(b) })), seats });
const opened: ScheduleEvent = { type: 'SlotsOpened', data: { proctor: 'proctor1', slots: [{ start: iso(2), end: iso(4) }, { start: iso(24), end: iso(25) }], seats: 2, by: 'proctor1', at: NOW.toISOString() } };
const book = (sessionId: string, start = 2, minutes = 90) => cmd('BookSeat', { start: at(start), sessionId, durationMinutes: minutes }, student);
const booked = (sessionId: string, start = 2): ScheduleEvent => ({ type: 'SlotBooked', data: { start: iso(start), sessionId, by: 'student1', at: NOW.toISOString() } });

describe('a proctor\'s schedule', () => {
  it('opens future slots, in order', () => spec([]).when(open([[24, 25], [2, 4]])).then([opened]));
  it('refuses a slot in the past, too short or too long, overlapping, or with no seats', () => {
    spec([]).when(open([[-1, 1]])).thenThrows(ValidationError, /future/);
    spec([]).when(cmd('OpenSlots', { proctor: 'proctor1', slots: [{ start: at(1), end: new Date(at(1).getTime() + 10 * 60_000) }], seats: 1 })).thenThrows(ValidationError, /15 minutes/);
    spec([]).when(open([[1, 14]])).thenThrows(ValidationError, /12 hours/);
    spec([opened]).when(open([[3, 5]])).thenThrows(IllegalStateError, /overlaps/);
    spec([]).when(open([[1, 3], [2, 4]])).thenThrows(IllegalStateError, /overlaps/);
    spec([]).when(open([[1, 2]], 0)).thenThrows(ValidationError, /seats/);
  });
  it('books seats until the slot is full, once per session', () => {
    spec([opened]).when(book('s1')).then([booked('s1')]);
    spec([opened, booked('s1')]).when(book('s1')).then([]);
    spec([opened, booked('s1'), booked('s2')]).when(book('s3')).thenThrows(IllegalStateError, /full/);
  });
  it('refuses a booking longer than the slot, or in a slot that is closed or absent', () => {
    spec([opened]).when(book('s1', 24, 90)).thenThrows(IllegalStateError, /longer than this slot/);
    spec([opened, { type: 'SlotClosed', data: { start: iso(2), by: 'proctor1', at: NOW.toISOString() } }]).when(book('s1')).thenThrows(IllegalStateError, /closed/);
    spec([opened]).when(book('s1', 5)).thenThrows(IllegalStateError, /no slot/);
  });
  it('keeps the bookings of a closed slot, and reopening it counts them', () => {
    const closed: ScheduleEvent = { type: 'SlotClosed', data: { start: iso(2), by: 'proctor1', at: NOW.toISOString() } };
    const reopened: ScheduleEvent = { type: 'SlotsOpened', data: { proctor: 'proctor1', slots: [{ start: iso(2), end: iso(4) }], seats: 2, by: 'proctor1', at: NOW.toISOString() } };
    spec([opened, booked('s1'), closed]).when(cmd('ReleaseSeat', { start: at(2), sessionId: 's1', reason: 'moved' })).then([
      { type: 'BookingReleased', data: { start: iso(2), sessionId: 's1', reason: 'moved', by: 'proctor1', at: NOW.toISOString() } },
    ]);
    spec([opened, booked('s1'), closed, reopened, booked('s2')]).when(book('s3')).thenThrows(IllegalStateError, /full/);
  });
});
