import type { CommandMetadata, Decider } from '../core/decider.js';
import { assertNever, IllegalStateError, ValidationError } from '../core/errors.js';
import { identifier, instant, text } from '../core/fields.js';
import { GrowingMap } from '../core/growing-map.js';

/** How many test-takers one slot may hold at most: the sessions a proctor watches at once. */
export const MAX_SEATS = 30;
const MIN_SLOT_MS = 15 * 60_000;
const MAX_SLOT_MS = 12 * 3_600_000;
const MAX_SLOTS_AT_ONCE = 200;

/**
 * A proctor's work schedule (stream `schedule-<proctor>`): the time slots they will proctor in, each with a number of
 * seats that test-takers of self-scheduled sessions book. Closing a slot keeps its bookings (the sessions stay
 * scheduled); only an administrator changes a booked session.
 */
export type ScheduleEvent =
  | {
      readonly type: 'SlotsOpened';
      readonly data: { readonly proctor: string; readonly slots: ReadonlyArray<{ readonly start: string; readonly end: string }>; readonly seats: number; readonly by: string; readonly at: string };
    }
  | { readonly type: 'SlotClosed'; readonly data: { readonly start: string; readonly by: string; readonly at: string } }
  | { readonly type: 'SlotBooked'; readonly data: { readonly start: string; readonly sessionId: string; readonly by: string; readonly at: string } }
  | { readonly type: 'BookingReleased'; readonly data: { readonly start: string; readonly sessionId: string; readonly reason: string; readonly by: string; readonly at: string } };

export const SCHEDULE_EVENT_TYPES: readonly ScheduleEvent['type'][] = ['SlotsOpened', 'SlotClosed', 'SlotBooked', 'BookingReleased'];

export type ScheduleCommand =
  | {
      readonly type: 'OpenSlots';
      readonly data: { readonly proctor: string; readonly slots: ReadonlyArray<{ readonly start: Date; readonly end: Date }>; readonly seats: number };
      readonly metadata: CommandMetadata;
    }
  | { readonly type: 'CloseSlot'; readonly data: { readonly start: Date }; readonly metadata: CommandMetadata }
  | { readonly type: 'BookSeat'; readonly data: { readonly start: Date; readonly sessionId: string; readonly durationMinutes: number }; readonly metadata: CommandMetadata }
  | { readonly type: 'ReleaseSeat'; readonly data: { readonly start: Date; readonly sessionId: string; readonly reason: string }; readonly metadata: CommandMetadata };

export interface Slot {
  readonly start: string;
  readonly end: string;
  readonly seats: number;
  readonly closed: boolean;
  /** Sessions booked into it (kept when the slot is closed). */
  readonly sessions: readonly string[];
}

export interface Schedule {
  readonly proctor: string | null;
  /** By start time (ISO): a calendar gathers thousands over a year, each booked again and again. */
  readonly slots: GrowingMap<string, Slot>;
}

const SCHEDULE_STREAM = 'schedule-';
export const scheduleStreamId = (proctor: string) => `${SCHEDULE_STREAM}${proctor.toLowerCase()}`;
/** The (lower-cased) proctor whose calendar stream an event was read from: the inverse of `scheduleStreamId`. */
export const calendarOf = (event: { readonly streamId: string }) => event.streamId.slice(SCHEDULE_STREAM.length);
export const initialSchedule = (): Schedule => ({ proctor: null, slots: GrowingMap.empty() });

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && b.start < a.end;

function slotAt(state: Schedule, start: Date, action: string): Slot {
  const slot = state.slots.get(start.toISOString());
  if (!slot) throw new IllegalStateError(`cannot ${action}: there is no slot at ${start.toISOString()}`);
  return slot;
}

export function decideSchedule(command: ScheduleCommand, state: Schedule): ScheduleEvent[] {
  const { now, actor } = command.metadata;
  const at = now.toISOString();
  switch (command.type) {
    case 'OpenSlots': {
      const { slots, seats } = command.data;
      if (slots.length === 0 || slots.length > MAX_SLOTS_AT_ONCE) throw new ValidationError(`open 1 to ${MAX_SLOTS_AT_ONCE} slots at once, not ${slots.length}`);
      if (!Number.isInteger(seats) || seats < 1 || seats > MAX_SEATS) throw new ValidationError(`a slot has 1 to ${MAX_SEATS} seats, not ${seats}`);
      const taken = state.slots.values().filter((s) => !s.closed).map((s) => ({ start: Date.parse(s.start), end: Date.parse(s.end) }));
      const fresh: Array<{ start: number; end: number }> = [];
      for (const { start, end } of slots) {
        const span = { start: start.getTime(), end: end.getTime() };
        if (!Number.isFinite(span.start) || !Number.isFinite(span.end)) throw new ValidationError('a slot needs a valid start and end');
        instant(start, 'slot start');
        instant(end, 'slot end');
        if (span.start <= now.getTime()) throw new ValidationError(`the slot at ${start.toISOString()} is not in the future`);
        if (span.end - span.start < MIN_SLOT_MS || span.end - span.start > MAX_SLOT_MS) {
          throw new ValidationError(`a slot lasts 15 minutes to 12 hours; the one at ${start.toISOString()} lasts ${Math.round((span.end - span.start) / 60_000)} minutes`);
        }
        if ([...taken, ...fresh].some((t) => overlaps(t, span))) throw new IllegalStateError(`the slot at ${start.toISOString()} overlaps an open one`);
        fresh.push(span);
      }
      fresh.sort((a, b) => a.start - b.start);
      return [{
        type: 'SlotsOpened',
        data: { proctor: command.data.proctor, slots: fresh.map((s) => ({ start: new Date(s.start).toISOString(), end: new Date(s.end).toISOString() })), seats, by: actor.id, at },
      }];
    }
    case 'CloseSlot': {
      const slot = slotAt(state, command.data.start, 'close the slot');
      if (slot.closed) return [];
      return [{ type: 'SlotClosed', data: { start: slot.start, by: actor.id, at } }];
    }
    case 'BookSeat': {
      const { start, sessionId, durationMinutes } = command.data;
      identifier(sessionId, 'session id');
      const slot = slotAt(state, start, 'book');
      if (slot.sessions.includes(sessionId)) return [];
      if (slot.closed) throw new IllegalStateError('this slot was closed by its proctor; choose another');
      if (start.getTime() <= now.getTime()) throw new IllegalStateError('this slot has begun; choose a later one');
      if (slot.sessions.length >= slot.seats) throw new IllegalStateError('this slot is full; choose another');
      if (start.getTime() + durationMinutes * 60_000 > Date.parse(slot.end)) {
        throw new IllegalStateError(`the exam takes ${durationMinutes} minutes, longer than this slot`);
      }
      return [{ type: 'SlotBooked', data: { start: slot.start, sessionId, by: actor.id, at } }];
    }
    case 'ReleaseSeat': {
      const slot = slotAt(state, command.data.start, 'release a booking');
      if (!slot.sessions.includes(command.data.sessionId)) return [];
      return [{ type: 'BookingReleased', data: { start: slot.start, sessionId: command.data.sessionId, reason: text(command.data.reason, 'reason', 1000, { multiline: true }), by: actor.id, at } }];
    }
    default:
      return assertNever(command, 'schedule command');
  }
}

export function evolveSchedule(state: Schedule, event: ScheduleEvent): Schedule {
  const update = (start: string, change: (slot: Slot) => Slot): Schedule => {
    const slot = state.slots.get(start);
    return slot ? { ...state, slots: state.slots.with(start, change(slot)) } : state;
  };
  switch (event.type) {
    case 'SlotsOpened': {
      let slots = state.slots;
      // A slot opened again where a closed one was keeps that one's bookings: those sessions are still scheduled.
      for (const s of event.data.slots) slots = slots.with(s.start, { start: s.start, end: s.end, seats: event.data.seats, closed: false, sessions: slots.get(s.start)?.sessions ?? [] });
      return { proctor: event.data.proctor, slots };
    }
    case 'SlotClosed':
      return update(event.data.start, (s) => ({ ...s, closed: true }));
    case 'SlotBooked':
      return update(event.data.start, (s) => ({ ...s, sessions: [...s.sessions, event.data.sessionId] }));
    case 'BookingReleased':
      return update(event.data.start, (s) => ({ ...s, sessions: s.sessions.filter((id) => id !== event.data.sessionId) }));
    default:
      return assertNever(event, 'schedule event');
  }
}

export const scheduleDecider: Decider<ScheduleCommand, ScheduleEvent, Schedule> = {
  initialState: initialSchedule,
  decide: decideSchedule,
  evolve: evolveSchedule,
};
