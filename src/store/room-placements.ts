import { migrate } from './migrate.js';
import type { Sql } from './sql.js';

const DDL = `
CREATE TABLE IF NOT EXISTS media_room_placements (
  room      text PRIMARY KEY,
  instance  text NOT NULL,
  placed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS media_room_placements_instance ON media_room_placements (instance);
`;

/** A placement older than this no longer counts towards its instance's load (its room was left behind, not ended). */
const COUNTED_FOR = `interval '24 hours'`;

/**
 * Which media server (Janus instance, named by its URL) holds each room, shared by every app node: a room is placed
 * once, on the least loaded of the instances the placing node can reach, and moved only when its instance is
 * unreachable. Two nodes placing the same room at once agree (the first placement wins).
 */
export class RoomPlacements {
  private constructor(private readonly sql: Sql) {}

  static async open(sql: Sql): Promise<RoomPlacements> {
    await migrate(sql, DDL);
    return new RoomPlacements(sql);
  }

  /**
   * The instance of `room`: where it is when that is one of `up`, else (never placed, or its instance is down) the
   * least loaded of `up` (rooms placed in the last day; ties go to the first listed), recorded for every node.
   */
  async place(room: string, up: readonly string[]): Promise<string> {
    if (!up.length) throw new Error('no media server to place a room on');
    for (let attempt = 0; attempt < 5; attempt++) {
      const [current] = await this.sql.query<{ instance: string }>(`SELECT instance FROM media_room_placements WHERE room = $1`, [room]);
      if (current && up.includes(current.instance)) return current.instance;
      const counts = await this.sql.query<{ instance: string; rooms: number }>(
        `SELECT instance, count(*)::int AS rooms FROM media_room_placements
          WHERE instance = ANY($1::text[]) AND placed_at > now() - ${COUNTED_FOR} GROUP BY instance`,
        [up],
      );
      const load = (instance: string) => counts.find((c) => c.instance === instance)?.rooms ?? 0;
      const target = up.reduce((best, instance) => (load(instance) < load(best) ? instance : best));
      const placed = current
        ? await this.sql.query(`UPDATE media_room_placements SET instance = $2, placed_at = now() WHERE room = $1 AND instance = $3 RETURNING room`, [room, target, current.instance])
        : await this.sql.query(`INSERT INTO media_room_placements (room, instance) VALUES ($1, $2) ON CONFLICT (room) DO NOTHING RETURNING room`, [room, target]);
      if (placed.length) return target;
      // Another node placed or moved it meanwhile: take what it decided (read again).
    }
    throw new Error(`could not place room ${room}: placements kept changing`);
  }

  /** Where `room` is now, if anywhere (for a watcher: it never places). */
  async of(room: string): Promise<string | null> {
    const [row] = await this.sql.query<{ instance: string }>(`SELECT instance FROM media_room_placements WHERE room = $1`, [room]);
    return row?.instance ?? null;
  }

  /** The room is closed for good (its session ended): it no longer counts. */
  async forget(room: string): Promise<void> {
    await this.sql.query(`DELETE FROM media_room_placements WHERE room = $1`, [room]);
  }

  /** Rooms per instance, of those placed in the last day (for logs, the benchmark and tests). */
  async load(): Promise<Record<string, number>> {
    const rows = await this.sql.query<{ instance: string; rooms: number }>(
      `SELECT instance, count(*)::int AS rooms FROM media_room_placements WHERE placed_at > now() - ${COUNTED_FOR} GROUP BY instance`,
    );
    return Object.fromEntries(rows.map((r) => [r.instance, r.rooms]));
  }
}
