import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Actor } from '../../domain/core/decider.js';
import { ValidationError } from '../../domain/core/errors.js';
import type { Core } from '../core/core.js';
import { checkNewPassword } from './password-policy.js';
import { hashPassword } from './passwords.js';

/** How long a set-password link works: long enough for a term's first week, short enough to be forgotten safely. */
export const PASSWORD_LINK_DAYS = 7;

/** A set-password link's parts: shown once to the administrator who made it, never stored (only the key's hash is). */
export interface IssuedPasswordLink {
  readonly username: string;
  readonly key: string;
  readonly expiresAt: Date;
  /** The page's address under the server's public URL. */
  readonly url: string;
}

const hashOf = (key: string) => createHash('sha256').update(key).digest('hex');

/** The page a set-password link opens (a hash route of the web client). */
export const passwordLinkUrl = (publicUrl: string, username: string, key: string) =>
  `${publicUrl}/#/set-password?user=${encodeURIComponent(username)}&key=${encodeURIComponent(key)}`;

/** Opens a one-time set-password link for an account (replacing any earlier one); answers it, key included. */
export async function issuePasswordLink(core: Core, actor: Actor, username: string, publicUrl: string): Promise<IssuedPasswordLink> {
  const key = randomBytes(32).toString('base64url');
  const now = core.now();
  const expiresAt = new Date(now.getTime() + PASSWORD_LINK_DAYS * 86_400_000);
  const account = await core.account(username, 'IssuePasswordLink', { keyHash: hashOf(key), expiresAt: expiresAt.toISOString() }, actor, { now, commandId: randomUUID() }); // never a client's retried id: a replay would keep the old key's hash
  const name = account.status === 'none' ? username : account.username;
  return { username: name, key, expiresAt, url: passwordLinkUrl(publicUrl, name, key) };
}

/**
 * Whoever holds an account's open link sets its password (it must meet the policy); the link is used up and the
 * account's earlier sign-ins stop working. Every refusal of the link reads the same.
 */
export async function setPasswordWithLink(core: Core, username: string, key: string, password: string): Promise<void> {
  const account = await core.loadAccount(username);
  if (account.status !== 'active' || typeof key !== 'string' || key.length > 200) {
    throw new ValidationError('this set-password link is not valid (used, replaced or expired); ask an administrator for a new one');
  }
  checkNewPassword(password, account.username);
  const actor: Actor = { id: account.username, role: account.role };
  await core.account(username, 'SetPasswordByLink', { keyHash: hashOf(key), passwordHash: await hashPassword(password) }, actor);
}
