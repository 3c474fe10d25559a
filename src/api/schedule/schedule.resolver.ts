import { Arg, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { bookSlot } from '../../app/scheduling/booking.js';
import { openSlots } from '../../app/scheduling/slots.js';
import { ValidationError } from '../../domain/core/errors.js';
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
    await openSlots(ctx.core, ctx.actor!, target, slots, seats);
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
    await bookSlot(ctx.core, ctx.actor!, { sessionId, proctor, start });
    return toSession((await getMonitorRow(ctx.core.db, sessionId)) ?? row);
  }
}
