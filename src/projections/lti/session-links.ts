import { isSessionStream, sessionIdOf, type LtiLink, type SessionEvent } from '../../domain/session/events.js';
import type { Sql } from '../../store/sql.js';
import type { Projection } from '../projection.js';

/** The events that tie a session to its LMS or may owe the LMS a service call (grades, assessment control). */
const HANDLED = [
  'LtiLaunched', 'LtiAssessmentEnded', 'LtiServiceCalled', 'SessionConcluded', 'SessionPaused', 'SessionResumed', 'SessionFinished',
  'ContentBlocked', 'ContentUnblocked', 'ViolationDetected',
] as const;
type Handled = Extract<SessionEvent, { type: (typeof HANDLED)[number] }>;

/**
 * Sessions launched from an LMS: the link each launch gave (what the course-members query calls), whether the
 * platform ended the attempt, and when the session last did something its LMS may hear about, so the service
 * worker finds recent work at start without reading every stream.
 */
export const ltiSessionLinksProjection: Projection<Handled> = {
  name: 'lti_session_links',
  ddl: `
CREATE TABLE IF NOT EXISTS lti_session_links (
  session_id       text PRIMARY KEY,
  platform_id      text NOT NULL,
  link             jsonb NOT NULL,
  ended            boolean NOT NULL DEFAULT false,
  last_activity_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS lti_session_links_activity ON lti_session_links (last_activity_at);`,
  tables: ['lti_session_links'],
  handles: new Set(HANDLED),
  async apply(tx, event) {
    if (!isSessionStream(event.streamId)) return;
    const id = sessionIdOf(event);
    if (event.type === 'LtiLaunched') {
      const link = event.data.link;
      await tx.query(
        `INSERT INTO lti_session_links (session_id, platform_id, link, last_activity_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (session_id) DO UPDATE SET platform_id = excluded.platform_id, link = excluded.link, last_activity_at = excluded.last_activity_at`,
        [id, link.platformId, JSON.stringify(link), event.data.at],
      );
      return;
    }
    const ended = event.type === 'LtiAssessmentEnded';
    await tx.query(
      `UPDATE lti_session_links SET last_activity_at = GREATEST(last_activity_at, $2::timestamptz), ended = ended OR $3 WHERE session_id = $1`,
      [id, event.data.at, ended],
    );
  },
};

/** A session's LMS link as the read model holds it. */
export interface LtiSessionLinkRow {
  readonly sessionId: string;
  readonly platformId: string;
  readonly link: LtiLink;
  readonly ended: boolean;
}

type Raw = { session_id: string; platform_id: string; link: LtiLink | string; ended: boolean };

/** The link of the session's latest launch, or null for a session that did not come from an LMS. */
export async function getLtiSessionLink(db: Sql, sessionId: string): Promise<LtiSessionLinkRow | null> {
  const [r] = await db.query<Raw>(`SELECT session_id, platform_id, link, ended FROM lti_session_links WHERE session_id = $1`, [sessionId]);
  if (!r) return null;
  return { sessionId: r.session_id, platformId: r.platform_id, link: typeof r.link === 'string' ? (JSON.parse(r.link) as LtiLink) : r.link, ended: r.ended };
}

/** Sessions with an LMS link that did something since `since`, the most recent first. */
export async function ltiSessionsActiveSince(db: Sql, since: Date, limit = 1000): Promise<string[]> {
  const rows = await db.query<{ session_id: string }>(
    `SELECT session_id FROM lti_session_links WHERE last_activity_at >= $1 ORDER BY last_activity_at DESC LIMIT $2`,
    [since, limit],
  );
  return rows.map((r) => r.session_id);
}
