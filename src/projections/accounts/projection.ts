import { ACCOUNT_EVENT_TYPES, usernameOf, type AccountEvent } from '../../domain/account/account.js';
import { assertNever } from '../../domain/core/errors.js';
import { ERASED_NAME } from '../../domain/person/personal-fields.js';
import type { Sql } from '../../store/sql.js';
import type { Projection } from '../projection.js';

/** Accounts by username, for listing people and picking proctors (login reads the account stream itself). */
export const accountsProjection: Projection<AccountEvent> = {
  name: 'accounts',
  ddl: `
CREATE TABLE IF NOT EXISTS accounts (
  username      text PRIMARY KEY,
  role          text NOT NULL,
  display_name  text NOT NULL,
  disabled      boolean NOT NULL DEFAULT false,
  registered_at timestamptz NOT NULL
);`,
  tables: ['accounts'],
  handles: new Set(ACCOUNT_EVENT_TYPES),
  async apply(tx, event) {
    const username = usernameOf(event);
    switch (event.type) {
      case 'AccountRegistered':
        await tx.query(
          `INSERT INTO accounts (username, role, display_name, registered_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
          [event.data.username.toLowerCase(), event.data.role, event.data.displayName, event.data.at],
        );
        return;
      case 'AccountDisabled':
      case 'AccountEnabled':
        await tx.query(`UPDATE accounts SET disabled = $2 WHERE username = $1`, [username, event.type === 'AccountDisabled']);
        return;
      case 'PersonErased':
        await tx.query(`UPDATE accounts SET display_name = $2, disabled = true WHERE username = $1`, [username, ERASED_NAME]);
        return;
      case 'PersonDataExported':
      case 'PasswordChanged':
      case 'IntegrationSecretSet':
      case 'IntegrationSecretRevoked':
      case 'PasswordLinkIssued':
        return;
      default:
        return assertNever(event, 'account event');
    }
  },
};

export interface AccountRow {
  readonly username: string;
  readonly role: string;
  readonly displayName: string;
  readonly disabled: boolean;
}

export async function listAccounts(db: Sql, role?: string): Promise<AccountRow[]> {
  const rows = await db.query<{ username: string; role: string; display_name: string; disabled: boolean }>(
    `SELECT username, role, display_name, disabled FROM accounts WHERE ($1::text IS NULL OR role = $1) ORDER BY username`,
    [role ?? null],
  );
  return rows.map((r) => ({ username: r.username, role: r.role, displayName: r.display_name, disabled: r.disabled }));
}
