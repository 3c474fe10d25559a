import { migrate } from './migrate.js';
import type { Sql } from './sql.js';

const DDL = `
CREATE TABLE IF NOT EXISTS person_keys (
  key_id       text PRIMARY KEY,
  username     text NOT NULL UNIQUE,
  wrapped_key  text,
  created_at   timestamptz NOT NULL,
  erased_at    timestamptz,
  erase_reason text
);
`;

/** A person's key as stored: wrapped under the master key, or shredded (the person was erased). */
export type StoredPersonKey =
  | { readonly state: 'live'; readonly keyId: string; readonly username: string; readonly wrapped: string }
  | { readonly state: 'erased'; readonly keyId: string; readonly username: string };

interface Row {
  key_id: string;
  username: string;
  wrapped_key: string | null;
}

const toKey = (r: Row): StoredPersonKey =>
  r.wrapped_key !== null
    ? { state: 'live', keyId: r.key_id, username: r.username, wrapped: r.wrapped_key }
    : { state: 'erased', keyId: r.key_id, username: r.username };

/**
 * One data key per person (by lower-cased username), wrapped by the master key: the personal fields of their events
 * are sealed with it. Shredding clears the wrapped key for good and keeps the row, so an erased person's sealed fields
 * read as erased, never as "no key yet", and the person never gets a fresh key that would seal new data readable.
 */
export class PersonKeyTable {
  private constructor(private readonly sql: Sql) {}

  static async open(sql: Sql): Promise<PersonKeyTable> {
    await migrate(sql, DDL);
    return new PersonKeyTable(sql);
  }

  async byUsername(username: string): Promise<StoredPersonKey | null> {
    const rows = await this.sql.query<Row>('SELECT key_id, username, wrapped_key FROM person_keys WHERE username = $1', [username.toLowerCase()]);
    return rows[0] ? toKey(rows[0]) : null;
  }

  async byIds(keyIds: readonly string[]): Promise<StoredPersonKey[]> {
    if (keyIds.length === 0) return [];
    const rows = await this.sql.query<Row>('SELECT key_id, username, wrapped_key FROM person_keys WHERE key_id = ANY($1::text[])', [[...keyIds]]);
    return rows.map(toKey);
  }

  /** Stores a key for the person unless they have one (or had one); answers what is stored now. */
  async create(username: string, keyId: string, wrapped: string, at: Date): Promise<StoredPersonKey> {
    await this.sql.query(
      'INSERT INTO person_keys (key_id, username, wrapped_key, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO NOTHING',
      [keyId, username.toLowerCase(), wrapped, at.toISOString()],
    );
    const stored = await this.byUsername(username);
    if (!stored) throw new Error(`the key of ${username} vanished as it was made`);
    return stored;
  }

  /**
   * Destroys the person's key for good (a row with no key is made when they had none, so nothing of theirs is sealed
   * readable afterwards). The reason is the erasure request's, which names no one.
   */
  async shred(username: string, keyId: string, at: Date, reason: string): Promise<void> {
    await this.sql.query(
      `INSERT INTO person_keys (key_id, username, wrapped_key, created_at, erased_at, erase_reason) VALUES ($1, $2, NULL, $3, $3, $4)
       ON CONFLICT (username) DO UPDATE SET wrapped_key = NULL, erased_at = coalesce(person_keys.erased_at, $3), erase_reason = coalesce(person_keys.erase_reason, $4)`,
      [keyId, username.toLowerCase(), at.toISOString(), reason],
    );
  }
}
