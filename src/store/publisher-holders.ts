import { migrate } from './migrate.js';
import { nodeAlive, type Sql } from './sql.js';

const DDL = `
CREATE TABLE IF NOT EXISTS media_publisher_holders (
  room     text NOT NULL,
  track    text NOT NULL,
  node     text NOT NULL,
  lost_at  timestamptz,
  told_at  timestamptz,
  PRIMARY KEY (room, track)
);
`;

/** A page is told again this often while it has not published anew (it may have been reconnecting its socket). */
const TELL_AGAIN = `interval '5 seconds'`;
/** And for this long after its node was found gone; then its own connection's failure is left to it. */
const TELL_FOR = `interval '30 seconds'`;

/** A publisher whose node is gone: its page is to publish that track again. */
export interface OrphanedPublisher {
  readonly room: string;
  readonly track: string;
}

/**
 * Which app node holds each test-taker's publisher (a session's room and a track), shared by every node. A node that
 * dies is seen by the others at once (its database connections are gone): one of them tells the pages it held to
 * publish again, instead of each page waiting for its browser to give the dead connection up (about 20 s). Only on a
 * PostgreSQL server: with embedded PGlite there is one node, and nothing to tell.
 */
export class PublisherHolders {
  private constructor(private readonly sql: Sql, private readonly node: string) {}

  /** `node`: this node's name among the others (`nodeInstanceName`). */
  static async open(sql: Sql, node: string): Promise<PublisherHolders> {
    if (sql.engine === 'postgres') await migrate(sql, DDL);
    return new PublisherHolders(sql, node);
  }

  private get shared(): boolean {
    return this.sql.engine === 'postgres';
  }

  /** This node holds the publisher of `track` in `room` now (taking it over from whichever held it). */
  async hold(room: string, track: string): Promise<void> {
    if (!this.shared) return;
    await this.sql.query(
      `INSERT INTO media_publisher_holders (room, track, node) VALUES ($1, $2, $3)
       ON CONFLICT (room, track) DO UPDATE SET node = EXCLUDED.node, lost_at = NULL, told_at = NULL`,
      [room, track, this.node],
    );
  }

  /** This node no longer holds it (if another took it over meanwhile, that one's record stays). */
  async release(room: string, track: string): Promise<void> {
    if (!this.shared) return;
    await this.sql.query(`DELETE FROM media_publisher_holders WHERE room = $1 AND track = $2 AND node = $3`, [room, track, this.node]);
  }

  /** The room is closed for good: nobody is to publish there again. */
  async forget(room: string): Promise<void> {
    if (!this.shared) return;
    await this.sql.query(`DELETE FROM media_publisher_holders WHERE room = $1`, [room]);
  }

  /**
   * Publishers held by nodes that are gone, to tell their pages now: each is answered to one node only (the first to
   * ask), again every few seconds until its page publishes anew (`hold` by a live node), for half a minute. Records
   * older than that are dropped.
   */
  async orphans(): Promise<OrphanedPublisher[]> {
    if (!this.shared) return [];
    await this.sql.query(`DELETE FROM media_publisher_holders WHERE lost_at < now() - ${TELL_FOR} * 2`);
    return this.sql.query<OrphanedPublisher>(
      `UPDATE media_publisher_holders p SET lost_at = coalesce(p.lost_at, now()), told_at = now()
        WHERE NOT ${nodeAlive('p.node')}
          AND (p.told_at IS NULL OR (p.told_at < now() - ${TELL_AGAIN} AND p.lost_at > now() - ${TELL_FOR}))
        RETURNING p.room, p.track`,
    );
  }
}
