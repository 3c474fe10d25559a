import { IllegalStateError, ValidationError } from '../core/errors.js';
import { instant } from '../core/fields.js';
import type { AccountEvent } from './events.js';
import type { Account } from './state.js';

type Existing = Exclude<Account, { status: 'none' }>;

const KEY_HASH = /^[0-9a-f]{64}$/;
/** A set-password link longer than this is a link nobody will remember having been sent. */
const MAX_LINK_DAYS = 30;

/** An administrator (or an import) opens a set-password link; a newer one replaces it. */
export function issuePasswordLink(state: Existing, data: { keyHash: string; expiresAt: string }, by: string, now: Date): AccountEvent[] {
  if (state.status !== 'active') throw new IllegalStateError(`the account ${state.username} is disabled`);
  if (!KEY_HASH.test(data.keyHash)) throw new ValidationError('a set-password link key hash must be 64 hex digits');
  const expires = instant(new Date(data.expiresAt), 'link expiry');
  if (expires.getTime() <= now.getTime()) throw new ValidationError('a set-password link must expire in the future');
  if (expires.getTime() - now.getTime() > MAX_LINK_DAYS * 86_400_000) throw new ValidationError(`a set-password link expires within ${MAX_LINK_DAYS} days`);
  return [{ type: 'PasswordLinkIssued', data: { keyHash: data.keyHash, expiresAt: expires.toISOString(), by, at: now.toISOString() } }];
}

/** Someone holding the account's open link sets its password; the link is used up by the new password. */
export function setPasswordByLink(state: Existing, data: { keyHash: string; passwordHash: string }, by: string, now: Date): AccountEvent[] {
  const link = state.passwordLink;
  // One answer for every refusal: which of them it was would tell a guesser something.
  if (state.status !== 'active' || !link || link.keyHash !== data.keyHash || Date.parse(link.expiresAt) <= now.getTime()) {
    throw new ValidationError('this set-password link is not valid (used, replaced or expired); ask an administrator for a new one');
  }
  if (!data.passwordHash) throw new ValidationError('password hash is missing');
  return [{ type: 'PasswordChanged', data: { passwordHash: data.passwordHash, by, at: now.toISOString() } }];
}
