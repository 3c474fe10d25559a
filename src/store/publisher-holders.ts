import { migrate } from './migrate.js';
import { nodeAlive, type Sql } from './sql.js';

const DDL = `
CREATE TABLE IF NOT EXISTS media_publisher_holders (
  room     text NOT NULL,
  track    text NOT NULL,
  node     text NOT NULL,
  lost_at  timestamptz,
  reason   text,
  told_at  timestamptz,
  PRIMARY KEY (room, track)
);
`;

/** A page is told again this often while it has not published anew (it may have been reconnecting its socket). */
const TELL_AGAIN = `interval '5 seconds'`;
/** And for this long after its node was found gone; then its own connection's failure is left to it. */
const TELL_FOR = `interval '30 seconds'`;
/** A cut is remembered this long for whichever node holds the publisher next (to mark the gap). */
const FORGOTTEN_AFTER = `interval '10 minutes'`;

/** A publisher whose node is gone: its page is to publish that track again. */
export interface OrphanedPublisher {
  readonly room: string;
  readonly track: string;
}

/** A publisher that was cut: since when, and why (the recording has a gap from then until it is published anew). */
export interface PublisherLoss {
  readonly since: Date;
  readonly reason: string;
}

/** Why, when a node is found gone. */
const NODE_GONE = 'the app node holding the publisher stopped; nothing was recorded until the page published again';

/**
 * Which app node holds each test-taker's publisher (a session's room and a track), shared by every node, and when
 * and why one was cut. A node that dies is seen by the others at once (its database connections are gone): one of
 * them tells the pages it held to publish again, instead of each page waiting for its browser to give the dead
 * connection up (about 20 s). Whichever node holds the publisher next learns of the cut, to mark the recording's gap.
 * Looking for dead nodes needs a PostgreSQL server; with embedded PGlite there is one node, and nobody to tell.
 */
export class PublisherHolders {
  private constructor(private readonly sql: Sql, private readonly node: string) {}

  /** `node`: this node's name among the others (`nodeInstanceName`). */
  static async open(sql: Sql, node: string): Promise<PublisherHolders> {
    await migrate(sql, DDL);
    return new PublisherHolders(sql, node);
  }

  /**
   * This node holds the publisher of `track` in `room` now (taking it over from whichever held it). Answers the cut
   * of the one before, if it was cut (not closed by the page): the recording has a gap from then to now.
   */
  async hold(room: string, track: string): Promise<PublisherLoss | null> {
    return this.sql.transaction(async (tx) => {
      const [before] = await tx.query<{ lost_at: Date | string | null; reason: string | null }>(
        `SELECT lost_at, reason FROM media_publisher_holders WHERE room = $1 AND track = $2 FOR UPDATE`, [room, track],
      );
      await tx.query(
        `INSERT INTO media_publisher_holders (room, track, node) VALUES ($1, $2, $3)
         ON CONFLICT (room, track) DO UPDATE SET node = EXCLUDED.node, lost_at = NULL, reason = NULL, told_at = NULL`,
        [room, track, this.node],
      );
      return before?.lost_at ? { since: new Date(before.lost_at), reason: before.reason ?? NODE_GONE } : null;
    });
  }

  /** This node's publisher was cut (its Janus went away): kept, with why, for whichever node holds it next. */
  async lose(room: string, track: string, reason: string): Promise<void> {
    await this.sql.query(
      `UPDATE media_publisher_holders SET lost_at = now(), reason = $4 WHERE room = $1 AND track = $2 AND node = $3`,
      [room, track, this.node, reason],
    );
  }

  /** This node no longer holds it (if another took it over meanwhile, that one's record stays). */
  async release(room: string, track: string): Promise<void> {
    await this.sql.query(`DELETE FROM media_publisher_holders WHERE room = $1 AND track = $2 AND node = $3`, [room, track, this.node]);
  }

  /** The room is closed for good: nobody is to publish there again. */
  async forget(room: string): Promise<void> {
    await this.sql.query(`DELETE FROM media_publisher_holders WHERE room = $1`, [room]);
  }

  /**
   * Publishers held by nodes that are gone, to tell their pages now: each is answered to one node only (the first to
   * ask), again every few seconds until its page publishes anew (`hold` by a live node), for half a minute. Each is
   * kept as cut, with why, for ten minutes (the page may still come back), then dropped.
   */
  async orphans(): Promise<OrphanedPublisher[]> {
    if (this.sql.engine !== 'postgres') return [];
    // A cut remembered this long without a new publisher is let go (the page gave up, or never came back).
    await this.sql.query(`DELETE FROM media_publisher_holders WHERE lost_at < now() - ${FORGOTTEN_AFTER}`);
    return this.sql.query<OrphanedPublisher>(
      `UPDATE media_publisher_holders p SET lost_at = coalesce(p.lost_at, now()), reason = coalesce(p.reason, $1), told_at = now()
        WHERE NOT ${nodeAlive('p.node')}
          AND (p.told_at IS NULL OR (p.told_at < now() - ${TELL_AGAIN} AND p.lost_at > now() - ${TELL_FOR}))
        RETURNING p.room, p.track`,
      [NODE_GONE],
    );
  }
}
