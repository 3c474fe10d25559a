import { sessionIdOf, type SessionEvent } from '../../domain/session/events.js';
import { assertNever } from '../../domain/core/errors.js';
import type { Sql } from '../../store/sql.js';
import type { Projection } from '../projection.js';

type Handled = Extract<SessionEvent, { type: 'SessionCreated' | 'RecordingSegmentStored' | 'FileStored' | 'SessionFinished' | 'SessionCancelled' | 'SessionMediaDeleted' }>;

/**
 * Per session: whether it holds media, when it ended, its template's retention (null: made without a template, the
 * default template's counts) and when its media was deleted. The retention sweep finds what has expired here.
 */
export const retentionProjection: Projection<Handled> = {
  name: 'media-retention',
  ddl: `
CREATE TABLE IF NOT EXISTS media_retention (
  session_id     text PRIMARY KEY,
  retention_days integer,
  has_media      boolean NOT NULL DEFAULT false,
  ended_at       timestamptz,
  deleted_at     timestamptz
);
CREATE INDEX IF NOT EXISTS media_retention_kept ON media_retention (ended_at) WHERE deleted_at IS NULL AND has_media;`,
  tables: ['media_retention'],
  handles: new Set(['SessionCreated', 'RecordingSegmentStored', 'FileStored', 'SessionFinished', 'SessionCancelled', 'SessionMediaDeleted']),
  async apply(tx, event) {
    const id = sessionIdOf(event);
    switch (event.type) {
      case 'SessionCreated':
        return void (await tx.query(
          'INSERT INTO media_retention (session_id, retention_days) VALUES ($1, $2) ON CONFLICT DO NOTHING',
          [id, event.data.fromTemplate?.retentionDays ?? null],
        ));
      case 'RecordingSegmentStored':
      case 'FileStored':
        return void (await tx.query('UPDATE media_retention SET has_media = true WHERE session_id = $1 AND NOT has_media', [id]));
      case 'SessionFinished':
      case 'SessionCancelled':
        return void (await tx.query('UPDATE media_retention SET ended_at = $2 WHERE session_id = $1', [id, event.data.at]));
      case 'SessionMediaDeleted':
        return void (await tx.query('UPDATE media_retention SET deleted_at = $2 WHERE session_id = $1', [id, event.data.at]));
      default:
        return assertNever(event, 'session event');
    }
  },
};

/**
 * Sessions whose media has outlived its retention at `now`, oldest end first: ended, holding media not yet deleted,
 * `retention_days` (or the default template's days, else `fallbackDays`) past their end.
 */
export async function expiredMedia(db: Sql, now: Date, fallbackDays: number, limit = 100): Promise<string[]> {
  const rows = await db.query<{ session_id: string }>(
    `SELECT r.session_id FROM media_retention r LEFT JOIN templates t ON t.template_id = 'default'
      WHERE r.deleted_at IS NULL AND r.has_media AND r.ended_at IS NOT NULL
        AND r.ended_at + make_interval(days => coalesce(r.retention_days, (t.settings->>'retentionDays')::int, $2::int)) <= $1::timestamptz
      ORDER BY r.ended_at, r.session_id LIMIT $3`,
    [now.toISOString(), fallbackDays, limit],
  );
  return rows.map((r) => r.session_id);
}
