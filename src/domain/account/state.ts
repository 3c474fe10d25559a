import type { AccountRole } from './events.js';

/** An account as its events leave it: none yet, or a person's or integration's account, active or disabled. */
export type Account =
  | { readonly status: 'none' }
  | {
      readonly status: 'active' | 'disabled';
      readonly username: string;
      readonly role: AccountRole;
      readonly displayName: string;
      readonly passwordHash: string;
      readonly integrationSecret: string | null;
      /** When the current integration secret was set (null: none). */
      readonly integrationSecretSetAt: string | null;
      /** The open set-password link, if any. */
      readonly passwordLink: PasswordLink | null;
      /** Who created the account (an integration creates its test-takers' accounts). */
      readonly registeredBy: string;
      /**
       * Tokens carry the version they were issued at; a new password or disabling the account moves it on, so every
       * token issued before stops working.
       */
      readonly tokenVersion: number;
      /** Erased: disabled for good, nothing of the person left (absent in states built before erasure existed). */
      readonly erased?: boolean;
    };

/** A set-password link as the account keeps it: the hash of its key and when it stops working. */
export interface PasswordLink {
  readonly keyHash: string;
  readonly expiresAt: string;
}
