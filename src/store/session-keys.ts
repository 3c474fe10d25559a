import { migrate } from './migrate.js';
import type { Sql } from './sql.js';

const DDL = `
CREATE TABLE IF NOT EXISTS session_keys (
  session_id   text PRIMARY KEY,
  wrapped_key  text,
  created_at   timestamptz NOT NULL,
  shredded_at  timestamptz,
  shred_reason text
);
CREATE TABLE IF NOT EXISTS session_blobs (
  session_id text NOT NULL,
  sha256     text NOT NULL,
  object_key text NOT NULL,
  PRIMARY KEY (session_id, sha256)
);
`;

/** A session's data key as stored: wrapped under the master key, or gone (shredded) with when and why. */
export type StoredSessionKey =
  | { readonly state: 'live'; readonly wrapped: string }
  | { readonly state: 'shredded'; readonly at: Date; readonly reason: string };

/**
 * The wrapped per-session data keys and which stored object holds each session's blob (the objects are sealed per
 * session, so one content in two sessions is two objects). Shredding clears the wrapped key for good: the row stays,
 * saying when and why, so later reads answer "deleted" rather than "never stored".
 */
export class SessionKeyTable {
  private constructor(private readonly sql: Sql) {}

  static async open(sql: Sql): Promise<SessionKeyTable> {
    await migrate(sql, DDL); // nodes starting together on a new database take turns
    return new SessionKeyTable(sql);
  }

  async get(sessionId: string): Promise<StoredSessionKey | null> {
    const rows = await this.sql.query<{ wrapped_key: string | null; shredded_at: Date | string | null; shred_reason: string | null }>(
      'SELECT wrapped_key, shredded_at, shred_reason FROM session_keys WHERE session_id = $1', [sessionId],
    );
    const row = rows[0];
    if (!row) return null;
    if (row.wrapped_key !== null) return { state: 'live', wrapped: row.wrapped_key };
    return { state: 'shredded', at: new Date(row.shredded_at ?? 0), reason: row.shred_reason ?? '' };
  }

  /** Stores `wrapped` unless the session has a key (or had one) already; answers what is stored now. */
  async create(sessionId: string, wrapped: string, at: Date): Promise<StoredSessionKey> {
    await this.sql.query(
      'INSERT INTO session_keys (session_id, wrapped_key, created_at) VALUES ($1, $2, $3) ON CONFLICT (session_id) DO NOTHING',
      [sessionId, wrapped, at.toISOString()],
    );
    const stored = await this.get(sessionId);
    if (!stored) throw new Error(`the key of session ${sessionId} vanished as it was made`);
    return stored;
  }

  /** Destroys the session's key (for good); answers false when it had none live. */
  async shred(sessionId: string, at: Date, reason: string): Promise<boolean> {
    const rows = await this.sql.query(
      `INSERT INTO session_keys (session_id, wrapped_key, created_at, shredded_at, shred_reason) VALUES ($1, NULL, $2, $2, $3)
       ON CONFLICT (session_id) DO UPDATE SET wrapped_key = NULL, shredded_at = $2, shred_reason = $3
       WHERE session_keys.wrapped_key IS NOT NULL RETURNING session_id`,
      [sessionId, at.toISOString(), reason],
    );
    return rows.length > 0;
  }

  async objectKey(sessionId: string, sha256: string): Promise<string | null> {
    const rows = await this.sql.query<{ object_key: string }>('SELECT object_key FROM session_blobs WHERE session_id = $1 AND sha256 = $2', [sessionId, sha256]);
    return rows[0]?.object_key ?? null;
  }

  /** Records which object holds the session's blob; false when one was recorded already (a concurrent commit won). */
  async addObject(sessionId: string, sha256: string, objectKey: string): Promise<boolean> {
    const rows = await this.sql.query(
      'INSERT INTO session_blobs (session_id, sha256, object_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING sha256',
      [sessionId, sha256, objectKey],
    );
    return rows.length > 0;
  }

  async removeObject(sessionId: string, sha256: string): Promise<void> {
    await this.sql.query('DELETE FROM session_blobs WHERE session_id = $1 AND sha256 = $2', [sessionId, sha256]);
  }

  /** Forgets every object of the session (once they are removed). */
  async forgetObjects(sessionId: string): Promise<void> {
    await this.sql.query('DELETE FROM session_blobs WHERE session_id = $1', [sessionId]);
  }

  /** The objects that hold the session's blobs. */
  async objects(sessionId: string): Promise<string[]> {
    const rows = await this.sql.query<{ object_key: string }>('SELECT object_key FROM session_blobs WHERE session_id = $1', [sessionId]);
    return rows.map((r) => r.object_key);
  }
}
