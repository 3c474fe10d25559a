import type { Sql } from './sql.js';
import { migrate } from './migrate.js';

const DDL = `
CREATE TABLE IF NOT EXISTS used_claims (
  key        text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS used_claims_expiry ON used_claims (expires_at);
`;

/**
 * Things that may be used once, across every node on the database: an LMS token's `jti`, the phone link behind a QR
 * code, and later LTI nonces. Each is remembered until it expires (after that the thing it names is refused anyway).
 */
export class OnceClaims {
  private ready: Promise<void> | null = null;
  private sinceSweep = 0;

  constructor(private readonly db: Sql) {}

  /** True the first time `key` is claimed before `until`; false when it was claimed already and has not expired. */
  async claim(key: string, until: Date): Promise<boolean> {
    this.ready ??= migrate(this.db, DDL);
    await this.ready;
    if (++this.sinceSweep >= 1000) {
      this.sinceSweep = 0;
      await this.db.query(`DELETE FROM used_claims WHERE expires_at < now()`);
    }
    const rows = await this.db.query(
      `INSERT INTO used_claims (key, expires_at) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE used_claims.expires_at < now()
       RETURNING key`,
      [key, until],
    );
    return rows.length > 0;
  }
}
