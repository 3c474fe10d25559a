import type { Account, AccountRole } from '../../domain/account/account.js';
import type { Actor } from '../../domain/core/decider.js';
import { ValidationError } from '../../domain/core/errors.js';
import type { Core } from '../core/core.js';
import { checkNewPassword } from './password-policy.js';
import { hashPassword, verifyPassword } from './passwords.js';

/** Creates an account signing in with a password that meets the policy (only its hash is recorded). */
export async function registerAccount(
  core: Core,
  actor: Actor,
  account: { readonly username: string; readonly role: AccountRole; readonly password: string; readonly displayName?: string },
): Promise<Account> {
  const { username, role, password, displayName } = account;
  checkNewPassword(password, username);
  return core.account(username, 'RegisterAccount', { username, role, displayName, passwordHash: await hashPassword(password) }, actor);
}

/** An administrator sets an account's password (it must meet the policy); its earlier sign-ins stop working. */
export async function resetPassword(core: Core, actor: Actor, username: string, password: string): Promise<Account> {
  checkNewPassword(password, username);
  return core.account(username, 'ChangePassword', { passwordHash: await hashPassword(password) }, actor);
}

/**
 * Someone changes their own password, proving the current one first (`ValidationError` when it is wrong); the new one
 * must meet the policy. Answers the account as changed.
 */
export async function changeOwnPassword(core: Core, actor: Actor, currentPassword: string, newPassword: string): Promise<Exclude<Account, { status: 'none' }>> {
  const account = await core.loadAccount(actor.id);
  if (account.status !== 'active' || !(await verifyPassword(currentPassword, account.passwordHash))) throw new ValidationError('the current password is wrong');
  checkNewPassword(newPassword, actor.id);
  const changed = await core.account(actor.id, 'ChangePassword', { passwordHash: await hashPassword(newPassword) }, actor);
  if (changed.status === 'none') throw new Error('the account does not exist after the command');
  return changed;
}
