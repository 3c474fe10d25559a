import { randomBytes, randomUUID } from 'node:crypto';
import type { Actor } from '../../domain/core/decider.js';
import { listAccounts } from '../../projections/accounts/projection.js';
import type { Core } from '../core/core.js';

/** An integrator account as the administrator's console shows it: whether it has a secret, never the secret. */
export interface IntegrationSummary {
  readonly username: string;
  readonly displayName: string;
  readonly disabled: boolean;
  readonly secretSetAt: Date | null;
}

/** Every integrator account; the secrets' state is read from the account streams (there are few integrations). */
export async function listIntegrations(core: Core): Promise<IntegrationSummary[]> {
  const rows = await listAccounts(core.db, 'integrator');
  return Promise.all(rows.map(async (row) => {
    const account = await core.loadAccount(row.username);
    const setAt = account.status === 'none' ? null : account.integrationSecretSetAt;
    return { username: account.status === 'none' ? row.username : account.username, displayName: row.displayName, disabled: row.disabled, secretSetAt: setAt ? new Date(setAt) : null };
  }));
}

/**
 * Gives an integration a new secret made here (256 random bits) and answers it: the only time it is shown. Links
 * signed with the one before are refused from now on.
 */
export async function generateIntegrationSecret(core: Core, actor: Actor, username: string): Promise<string> {
  const secret = randomBytes(32).toString('base64url');
  // Never a client's retried command id: a replay would keep the earlier secret while answering this one.
  await core.account(username, 'SetIntegrationSecret', { secret }, actor, { commandId: randomUUID() });
  return secret;
}

/** Takes an integration's secret away: its signed links are refused and its webhooks are not sent until a new one. */
export async function revokeIntegrationSecret(core: Core, actor: Actor, username: string): Promise<void> {
  await core.account(username, 'RevokeIntegrationSecret', {}, actor);
}
