import type { Role } from '../core/decider.js';

/** Roles a person or an LMS integration can hold ('system' is reserved for the server's own actions). */
export type AccountRole = Exclude<Role, 'system'>;
export const ACCOUNT_ROLES: readonly AccountRole[] = ['admin', 'proctor', 'student', 'auditor', 'integrator', 'committee'];

export type AccountEvent =
  | {
      readonly type: 'AccountRegistered';
      readonly data: { readonly username: string; readonly role: AccountRole; readonly displayName: string; readonly passwordHash: string; readonly by: string; readonly at: string };
    }
  | { readonly type: 'PasswordChanged'; readonly data: { readonly passwordHash: string; readonly by: string; readonly at: string } }
  | { readonly type: 'AccountDisabled'; readonly data: { readonly reason: string; readonly by: string; readonly at: string } }
  | { readonly type: 'AccountEnabled'; readonly data: { readonly by: string; readonly at: string } }
  /** The HS256 secret an LMS integration signs its session tokens with (kept in clear: verifying needs it). */
  | { readonly type: 'IntegrationSecretSet'; readonly data: { readonly secret: string; readonly by: string; readonly at: string } }
  /** The integration's secret is gone: its signed links are refused and its webhooks unsigned, so not sent. */
  | { readonly type: 'IntegrationSecretRevoked'; readonly data: { readonly by: string; readonly at: string } }
  /** A one-time set-password link; only the SHA-256 of its key is kept, and a newer link or any new password ends it. */
  | { readonly type: 'PasswordLinkIssued'; readonly data: { readonly keyHash: string; readonly expiresAt: string; readonly by: string; readonly at: string } }
  /**
   * The person was erased (GDPR Art. 17): their key is shredded, so every personal field sealed with it reads as
   * erased; the account stays, disabled for good, so its username is never given to someone else. No personal data.
   */
  | { readonly type: 'PersonErased'; readonly data: { readonly reason: string; readonly sessions: readonly string[]; readonly by: string; readonly at: string } }
  /** Everything held about the person left as a ZIP for them (GDPR Art. 15): who took it, and how many sessions it held. */
  | { readonly type: 'PersonDataExported'; readonly data: { readonly sessions: number; readonly by: string; readonly at: string } };

export const ACCOUNT_EVENT_TYPES: readonly AccountEvent['type'][] = [
  'AccountRegistered', 'PasswordChanged', 'AccountDisabled', 'AccountEnabled', 'IntegrationSecretSet', 'IntegrationSecretRevoked', 'PasswordLinkIssued', 'PersonErased', 'PersonDataExported',
];
