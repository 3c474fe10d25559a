import type { CommandMetadata, Decider, Role } from '../core/decider.js';
import { assertNever, IllegalStateError, ValidationError } from '../core/errors.js';
import { optionalText, text } from '../core/fields.js';

/** Roles a person or an LMS integration can hold ('system' is reserved for the server's own actions). */
export type AccountRole = Exclude<Role, 'system'>;
export const ACCOUNT_ROLES: readonly AccountRole[] = ['admin', 'proctor', 'student', 'auditor', 'integrator'];

export type AccountEvent =
  | {
      readonly type: 'AccountRegistered';
      readonly data: { readonly username: string; readonly role: AccountRole; readonly displayName: string; readonly passwordHash: string; readonly by: string; readonly at: string };
    }
  | { readonly type: 'PasswordChanged'; readonly data: { readonly passwordHash: string; readonly by: string; readonly at: string } }
  | { readonly type: 'AccountDisabled'; readonly data: { readonly reason: string; readonly by: string; readonly at: string } }
  | { readonly type: 'AccountEnabled'; readonly data: { readonly by: string; readonly at: string } }
  /** The HS256 secret an LMS integration signs its session tokens with (kept in clear: verifying needs it). */
  | { readonly type: 'IntegrationSecretSet'; readonly data: { readonly secret: string; readonly by: string; readonly at: string } };

export const ACCOUNT_EVENT_TYPES: readonly AccountEvent['type'][] = ['AccountRegistered', 'PasswordChanged', 'AccountDisabled', 'AccountEnabled', 'IntegrationSecretSet'];

export type AccountCommand =
  | {
      readonly type: 'RegisterAccount';
      readonly data: { readonly username: string; readonly role: AccountRole; readonly displayName?: string; readonly passwordHash: string };
      readonly metadata: CommandMetadata;
    }
  | { readonly type: 'ChangePassword'; readonly data: { readonly passwordHash: string }; readonly metadata: CommandMetadata }
  | { readonly type: 'DisableAccount'; readonly data: { readonly reason: string }; readonly metadata: CommandMetadata }
  | { readonly type: 'EnableAccount'; readonly data: Record<string, never>; readonly metadata: CommandMetadata }
  | { readonly type: 'SetIntegrationSecret'; readonly data: { readonly secret: string }; readonly metadata: CommandMetadata };

export type Account =
  | { readonly status: 'none' }
  | {
      readonly status: 'active' | 'disabled';
      readonly username: string;
      readonly role: AccountRole;
      readonly displayName: string;
      readonly passwordHash: string;
      readonly integrationSecret: string | null;
      /** Who created the account (an integration creates its test-takers' accounts). */
      readonly registeredBy: string;
      /**
       * Tokens carry the version they were issued at; a new password or disabling the account moves it on, so every
       * token issued before stops working.
       */
      readonly tokenVersion: number;
    };

export const accountStreamId = (username: string) => `account-${username.toLowerCase()}`;

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$/;

export function decideAccount(command: AccountCommand, state: Account): AccountEvent[] {
  const { now, actor } = command.metadata;
  const at = now.toISOString();
  if (command.type === 'RegisterAccount') {
    const d = command.data;
    if (state.status !== 'none') throw new IllegalStateError(`the username ${d.username} is taken`);
    if (typeof d.username !== 'string' || !USERNAME.test(d.username)) throw new ValidationError(`username ${JSON.stringify(d.username)} must be 1–100 letters, digits or _ . @ -`);
    if (!ACCOUNT_ROLES.includes(d.role)) throw new ValidationError(`role ${JSON.stringify(d.role)} is not one of ${ACCOUNT_ROLES.join(', ')}`);
    if (!d.passwordHash) throw new ValidationError('password hash is missing');
    const displayName = optionalText(d.displayName, 'display name', 200) ?? d.username;
    return [{ type: 'AccountRegistered', data: { username: d.username, role: d.role, displayName, passwordHash: d.passwordHash, by: actor.id, at } }];
  }
  if (state.status === 'none') throw new IllegalStateError('the account does not exist');
  switch (command.type) {
    case 'ChangePassword':
      if (!command.data.passwordHash) throw new ValidationError('password hash is missing');
      return [{ type: 'PasswordChanged', data: { passwordHash: command.data.passwordHash, by: actor.id, at } }];
    case 'DisableAccount':
      // An administrator who disables their own account may leave nobody able to enable it.
      if (actor.id.toLowerCase() === state.username.toLowerCase()) throw new IllegalStateError('you cannot disable your own account');
      if (!command.data.reason.trim()) throw new ValidationError('say why the account is disabled');
      if (state.status === 'disabled') return [];
      return [{ type: 'AccountDisabled', data: { reason: text(command.data.reason, 'reason', 1000, { multiline: true }), by: actor.id, at } }];
    case 'EnableAccount':
      if (state.status === 'active') return [];
      return [{ type: 'AccountEnabled', data: { by: actor.id, at } }];
    case 'SetIntegrationSecret':
      if (state.role !== 'integrator') throw new IllegalStateError(`only an integrator account has an integration secret, not a ${state.role}`);
      if (command.data.secret.length < 32) throw new ValidationError('an integration secret must be at least 32 characters long');
      text(command.data.secret, 'integration secret', 500);
      return [{ type: 'IntegrationSecretSet', data: { secret: command.data.secret, by: actor.id, at } }];
    default:
      return assertNever(command, 'account command');
  }
}

export function evolveAccount(state: Account, event: AccountEvent): Account {
  if (event.type === 'AccountRegistered') {
    const d = event.data;
    return { status: 'active', username: d.username, role: d.role, displayName: d.displayName, passwordHash: d.passwordHash, integrationSecret: null, registeredBy: d.by, tokenVersion: 0 };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'PasswordChanged':
      return { ...state, passwordHash: event.data.passwordHash, tokenVersion: state.tokenVersion + 1 };
    case 'AccountDisabled':
      return { ...state, status: 'disabled', tokenVersion: state.tokenVersion + 1 };
    case 'AccountEnabled':
      return { ...state, status: 'active' };
    case 'IntegrationSecretSet':
      return { ...state, integrationSecret: event.data.secret };
    default:
      return assertNever(event, 'account event');
  }
}

export const accountDecider: Decider<AccountCommand, AccountEvent, Account> = {
  initialState: () => ({ status: 'none' }),
  decide: decideAccount,
  evolve: evolveAccount,
};
