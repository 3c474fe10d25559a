import { assertNever } from '../../domain/core/errors.js';
import { calendarOf, SCHEDULE_EVENT_TYPES, type ScheduleEvent } from '../../domain/schedule/schedule.js';
import type { Sql } from '../../store/sql.js';
import type { Projection } from '../projection.js';

/** Every proctor's slots, for their calendar and for the test-takers who book a time. */
export const scheduleProjection: Projection<ScheduleEvent> = {
  name: 'schedule',
  ddl: `
CREATE TABLE IF NOT EXISTS schedule_slots (
  calendar  text NOT NULL, -- the proctor's username in lower case (the stream's key)
  proctor   text NOT NULL, -- as the account spells it
  start_at  timestamptz NOT NULL,
  end_at    timestamptz NOT NULL,
  seats     integer NOT NULL,
  closed    boolean NOT NULL DEFAULT false,
  sessions  text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (calendar, start_at)
);
CREATE INDEX IF NOT EXISTS schedule_slots_start ON schedule_slots (start_at);`,
  tables: ['schedule_slots'],
  handles: new Set(SCHEDULE_EVENT_TYPES),
  async apply(tx, event) {
    const calendar = calendarOf(event);
    switch (event.type) {
      case 'SlotsOpened':
        // Reopening a closed slot keeps its bookings (the sessions are still scheduled), as the aggregate does.
        await tx.query(
          `INSERT INTO schedule_slots (calendar, proctor, start_at, end_at, seats)
             SELECT $1, $5, s, e, $4 FROM unnest($2::timestamptz[], $3::timestamptz[]) AS x(s, e)
           ON CONFLICT (calendar, start_at) DO UPDATE SET end_at = excluded.end_at, seats = excluded.seats, closed = false`,
          [calendar, event.data.slots.map((s) => s.start), event.data.slots.map((s) => s.end), event.data.seats, event.data.proctor],
        );
        return;
      case 'SlotClosed':
        await tx.query(`UPDATE schedule_slots SET closed = true WHERE calendar = $1 AND start_at = $2`, [calendar, event.data.start]);
        return;
      case 'SlotBooked':
        await tx.query(`UPDATE schedule_slots SET sessions = array_append(sessions, $3) WHERE calendar = $1 AND start_at = $2`, [calendar, event.data.start, event.data.sessionId]);
        return;
      case 'BookingReleased':
        await tx.query(`UPDATE schedule_slots SET sessions = array_remove(sessions, $3) WHERE calendar = $1 AND start_at = $2`, [calendar, event.data.start, event.data.sessionId]);
        return;
      default:
        return assertNever(event, 'schedule event');
    }
  },
};

export interface SlotRow {
  readonly proctor: string;
  readonly start: Date;
  readonly end: Date;
  readonly seats: number;
  readonly closed: boolean;
  readonly sessions: readonly string[];
}

type DbSlot = { proctor: string; start_at: string | Date; end_at: string | Date; seats: number; closed: boolean; sessions: string[] };
const toSlot = (r: DbSlot): SlotRow => ({ proctor: r.proctor, start: new Date(r.start_at), end: new Date(r.end_at), seats: r.seats, closed: r.closed, sessions: r.sessions });

/** Slots starting in [from, to), of one proctor or all, closed ones included (they may hold bookings). */
export async function listSlots(db: Sql, range: { from: Date; to: Date; proctor?: string | null }): Promise<SlotRow[]> {
  const rows = await db.query<DbSlot>(
    `SELECT proctor, start_at, end_at, seats, closed, sessions FROM schedule_slots
      WHERE start_at >= $1 AND start_at < $2 AND ($3::text IS NULL OR calendar = $3) ORDER BY start_at, proctor`,
    [range.from.toISOString(), range.to.toISOString(), range.proctor?.toLowerCase() ?? null],
  );
  return rows.map(toSlot);
}

/** Open slots starting after `after` and before `before` with a free seat and at least `minutes` long. */
export async function openSlotsFor(db: Sql, range: { after: Date; before: Date; minutes: number }): Promise<SlotRow[]> {
  const rows = await db.query<DbSlot>(
    `SELECT proctor, start_at, end_at, seats, closed, sessions FROM schedule_slots
      WHERE NOT closed AND start_at > $1 AND start_at < $2 AND cardinality(sessions) < seats
        AND end_at >= start_at + make_interval(mins => $3)
      ORDER BY start_at, proctor LIMIT 500`,
    [range.after.toISOString(), range.before.toISOString(), range.minutes],
  );
  return rows.map(toSlot);
}
