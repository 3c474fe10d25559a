import { Arg, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { ConcurrencyError, IllegalStateError, NotFoundError, ValidationError } from '../../domain/core/errors.js';
import { bookingVerdict } from '../../domain/session/decide.js';
import { getMonitorRow } from '../../projections/monitor/queries.js';
import { listSlots, openSlotsFor, type SlotRow } from '../../projections/schedule/projection.js';
import { authorize } from '../authorization.js';
import type { ApiContext } from '../context.js';
import { DateTime } from '../scalars.js';
import { toSession } from '../session/mapping.js';
import { readable } from '../session/readable.js';
import { Session } from '../session/session.type.js';

const DAY = 86_400_000;
/** How far ahead a test-taker sees open slots, and the widest calendar range one query reads. */
const HORIZON_DAYS = 90;

@ObjectType({ description: 'A time a proctor will proctor in, with seats that test-takers of self-scheduled sessions book.' })
export class ScheduleSlot {
  @Field(() => String) proctor!: string;
  @Field(() => DateTime) start!: Date;
  @Field(() => DateTime) end!: Date;
  @Field(() => Int) seats!: number;
  @Field(() => Int, { description: 'Seats booked.' }) booked!: number;
  @Field(() => Boolean, { description: 'Closed by its proctor: no new bookings; the ones it has stay.' }) closed!: boolean;
  @Field(() => [String], { description: 'The sessions booked into it (empty for test-takers).' }) sessions!: string[];
}

@InputType()
export class SlotInput {
  @Field(() => DateTime) start!: Date;
  @Field(() => DateTime) end!: Date;
}

const toSlot = (row: SlotRow, showSessions: boolean): ScheduleSlot => ({
  proctor: row.proctor, start: row.start, end: row.end, seats: row.seats, booked: row.sessions.length, closed: row.closed,
  sessions: showSessions ? [...row.sessions] : [],
});

/** The calendar a caller acts on: a proctor's own; an administrator names one. */
function calendarOf(ctx: ApiContext, proctor: string | null | undefined, operation: 'schedule.read' | 'schedule.manage'): string | null {
  const actor = authorize(ctx.actor, operation);
  const target = proctor?.trim() || (actor.role === 'proctor' ? actor.id : null);
  if (target) authorize(ctx.actor, operation, { proctor: target, student: '', createdBy: '' });
  return target;
}

/**
 * Gives a booked seat back on the calendar it was taken from. A seat left taken only costs that slot a place, so a
 * failure here is logged, never allowed to undo the change that freed it.
 */
export async function releaseSeat(ctx: ApiContext, booking: { proctor: string; start: string }, sessionId: string, reason: string): Promise<void> {
  try {
    await ctx.core.schedule(booking.proctor, 'ReleaseSeat', { start: new Date(booking.start), sessionId, reason }, ctx.actor!);
  } catch (error) {
    console.error(`could not give back the seat of ${sessionId} on ${booking.proctor}'s calendar at ${booking.start}:`, error);
  }
}

@Resolver()
export class ScheduleResolver {
  @Query(() => [ScheduleSlot], { description: 'Slots starting in [from, to) (at most 90 days): a proctor\'s own; administrators and auditors any proctor\'s, or all.' })
  async slots(
    @Arg('from', () => DateTime) from: Date,
    @Arg('to', () => DateTime) to: Date,
    @Ctx() ctx: ApiContext,
    @Arg('proctor', () => String, { nullable: true }) proctor?: string | null,
  ): Promise<ScheduleSlot[]> {
    const target = calendarOf(ctx, proctor, 'schedule.read');
    if (!(to > from) || to.getTime() - from.getTime() > HORIZON_DAYS * DAY) throw new ValidationError(`ask for a range of up to ${HORIZON_DAYS} days, from before to`);
    return (await listSlots(ctx.core.db, { from, to, proctor: target })).map((s) => toSlot(s, true));
  }

  @Query(() => [ScheduleSlot], { description: 'The open slots a self-scheduled session may be booked into: free seats, long enough, in the next 90 days.' })
  async availableSlots(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: ApiContext): Promise<ScheduleSlot[]> {
    const row = await readable(ctx, sessionId, 'session.book');
    if (!row.selfScheduling) return [];
    const now = ctx.core.now();
    const slots = await openSlotsFor(ctx.core.db, { after: now, before: new Date(now.getTime() + HORIZON_DAYS * DAY), minutes: row.duration });
    return slots.map((s) => toSlot(s, false));
  }

  @Mutation(() => [ScheduleSlot], { description: 'Opens slots in a proctor\'s calendar (their own; administrators name the proctor). Each lasts 15 minutes to 12 hours and overlaps no open one.' })
  async openSlots(
    @Arg('slots', () => [SlotInput]) slots: SlotInput[],
    @Ctx() ctx: ApiContext,
    @Arg('seats', () => Int, { defaultValue: 1, description: 'Test-takers per slot, 1 to 30.' }) seats: number,
    @Arg('proctor', () => String, { nullable: true }) proctor?: string | null,
  ): Promise<ScheduleSlot[]> {
    const target = calendarOf(ctx, proctor, 'schedule.manage');
    if (!target) throw new ValidationError('say whose calendar (proctor)');
    const account = await ctx.core.loadAccount(target);
    if (account.status !== 'active' || account.role !== 'proctor') throw new ValidationError(`${target} is not an active proctor`);
    await ctx.core.schedule(target, 'OpenSlots', { proctor: account.username, slots: slots.map((s) => ({ start: s.start, end: s.end })), seats }, ctx.actor!);
    const first = new Date(Math.min(...slots.map((s) => s.start.getTime())));
    const last = new Date(Math.max(...slots.map((s) => s.start.getTime())) + 1);
    const starts = new Set(slots.map((s) => s.start.getTime()));
    return (await listSlots(ctx.core.db, { from: first, to: last, proctor: target })).filter((s) => starts.has(s.start.getTime())).map((s) => toSlot(s, true));
  }

  @Mutation(() => Boolean, { description: 'Closes a slot: nobody books it any more; the sessions booked into it keep their time.' })
  async closeSlot(@Arg('start', () => DateTime) start: Date, @Ctx() ctx: ApiContext, @Arg('proctor', () => String, { nullable: true }) proctor?: string | null): Promise<boolean> {
    const target = calendarOf(ctx, proctor, 'schedule.manage');
    if (!target) throw new ValidationError('say whose calendar (proctor)');
    await ctx.core.schedule(target, 'CloseSlot', { start }, ctx.actor!);
    return true;
  }

  @Mutation(() => Session, {
    description: 'Books a self-scheduled session into a proctor\'s slot: the session starts then, with that proctor (its test-taker, once; administrators may move it).',
  })
  async bookSlot(
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('proctor', () => String) proctor: string,
    @Arg('start', () => DateTime) start: Date,
    @Ctx() ctx: ApiContext,
  ): Promise<Session> {
    const row = await readable(ctx, sessionId, 'session.book');
    const actor = ctx.actor!;
    // The session's own rules first (self-scheduled, not started, not booked unless by an administrator), so a refusal
    // leaves no seat taken; the seat is then taken on the proctor's schedule, which alone knows how many are left.
    const { state } = await ctx.core.loadSession(sessionId);
    if (state.status === 'none') throw new NotFoundError(`no session ${sessionId}`);
    if (bookingVerdict(state, actor, start, proctor, ctx.core.now()) === 'same') return toSession(row);
    const previous = state.booking;

    const seat = await ctx.core.schedule(proctor, 'BookSeat', { start, sessionId, durationMinutes: state.durationMinutes }, actor);
    try {
      // The proctor's name as their calendar spells it (the account's), whatever case the caller used.
      await ctx.core.session(sessionId, 'BookTime', { scheduledAt: start, proctor: seat.state.proctor ?? proctor }, actor);
    } catch (error) {
      // The session refused (it changed meanwhile): give back the seat this call took, if it took one, and say why.
      if (seat.events.length > 0) await releaseSeat(ctx, { proctor, start: start.toISOString() }, sessionId, `the session refused: ${(error as Error).message}`);
      throw error instanceof ConcurrencyError ? new IllegalStateError('the session changed while booking; try again') : error;
    }
    if (previous) await releaseSeat(ctx, previous, sessionId, 'moved to another slot');
    return toSession((await getMonitorRow(ctx.core.db, sessionId)) ?? row);
  }
}
