import { hashPassword } from '../../api/auth/passwords.js';
import { checkNewPassword } from '../../api/auth/password-policy.js';
import type { Core } from '../../core.js';
import { SYSTEM_ACTOR } from '../../domain/core/decider.js';

/**
 * ADMIN_USERNAME and ADMIN_PASSWORD make the first administrator of a new installation, so production never needs the
 * demo seed: only on an empty store; on any later start they are ignored (and said to be).
 */
export async function createFirstAdmin(
  core: Core,
  admin: { readonly username: string; readonly password: string },
  storeWasEmpty: boolean,
): Promise<'created' | 'ignored'> {
  if (!storeWasEmpty) return 'ignored';
  checkNewPassword(admin.password, admin.username);
  await core.account(admin.username, 'RegisterAccount', { username: admin.username, role: 'admin', displayName: admin.username, passwordHash: await hashPassword(admin.password) }, SYSTEM_ACTOR);
  return 'created';
}
