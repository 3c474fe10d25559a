import { readFileSync } from 'node:fs';
import { ValidationError } from '../../domain/core/errors.js';

export const MIN_PASSWORD_LENGTH = 10;
const MAX_PASSWORD_LENGTH = 200;

const COMMON = new Set(
  readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
    .split('\n')
    .map((line) => line.trim().toLowerCase())
    .filter((line) => line && !line.startsWith('#')),
);

/**
 * The rule every new password meets: 10 to 200 characters, not one of the passwords guessers try first, not the
 * username, and not one character over and over. Length is what makes a password hard to guess; the hash is
 * memory-hard, so there is no rule about digits and symbols.
 */
export function checkNewPassword(password: string, username?: string): void {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new ValidationError(`a password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters long`, { field: 'password' });
  }
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) throw new ValidationError('this password is one of the most common ones: choose another', { field: 'password' });
  if (username && lower.includes(username.toLowerCase())) throw new ValidationError('a password may not contain the username', { field: 'password' });
  if (new Set(password).size < 4) throw new ValidationError('a password needs more than three different characters', { field: 'password' });
}
