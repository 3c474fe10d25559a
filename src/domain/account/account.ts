import type { CommandMetadata, Decider } from '../core/decider.js';
import { assertNever, IllegalStateError, ValidationError } from '../core/errors.js';
import { identifier, MAX_INT4, optionalText, text, wholeNumber } from '../core/fields.js';
import { ACCOUNT_ROLES, type AccountEvent, type AccountRole } from './events.js';
import { issuePasswordLink, setPasswordByLink } from './password-link.js';
import type { Account } from './state.js';
import { ERASED_NAME } from '../person/personal-fields.js';

// The events and the state have files of their own, so the password-link rules read them without importing the decider.
export { ACCOUNT_EVENT_TYPES, ACCOUNT_ROLES, type AccountEvent, type AccountRole } from './events.js';
export type { Account, PasswordLink } from './state.js';

export type AccountCommand =
  | {
      readonly type: 'RegisterAccount';
      readonly data: { readonly username: string; readonly role: AccountRole; readonly displayName?: string; readonly passwordHash: string };
      readonly metadata: CommandMetadata;
    }
  | { readonly type: 'ChangePassword'; readonly data: { readonly passwordHash: string }; readonly metadata: CommandMetadata }
  | { readonly type: 'DisableAccount'; readonly data: { readonly reason: string }; readonly metadata: CommandMetadata }
  | { readonly type: 'EnableAccount'; readonly data: Record<string, never>; readonly metadata: CommandMetadata }
  | { readonly type: 'SetIntegrationSecret'; readonly data: { readonly secret: string }; readonly metadata: CommandMetadata }
  | { readonly type: 'RevokeIntegrationSecret'; readonly data: Record<string, never>; readonly metadata: CommandMetadata }
  | { readonly type: 'IssuePasswordLink'; readonly data: { readonly keyHash: string; readonly expiresAt: string }; readonly metadata: CommandMetadata }
  | { readonly type: 'SetPasswordByLink'; readonly data: { readonly keyHash: string; readonly passwordHash: string }; readonly metadata: CommandMetadata }
  /** `sessions`: the person's sessions as a test-taker, whose read-model rows lose their personal fields. */
  | { readonly type: 'ErasePerson'; readonly data: { readonly reason: string; readonly sessions: readonly string[] }; readonly metadata: CommandMetadata }
  | { readonly type: 'RecordPersonDataExport'; readonly data: { readonly sessions: number }; readonly metadata: CommandMetadata };

const ACCOUNT_STREAM = 'account-';
export const accountStreamId = (username: string) => `${ACCOUNT_STREAM}${username.toLowerCase()}`;
/** The (lower-cased) username whose account stream an event was read from: the inverse of `accountStreamId`. */
export const usernameOf = (event: { readonly streamId: string }) => event.streamId.slice(ACCOUNT_STREAM.length);

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
  if (state.erased) {
    if (command.type === 'ErasePerson') return [];
    if (command.type !== 'RecordPersonDataExport') throw new IllegalStateError('this person was erased: the account cannot be used again');
  }
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
    case 'RevokeIntegrationSecret':
      if (state.role !== 'integrator') throw new IllegalStateError(`only an integrator account has an integration secret, not a ${state.role}`);
      return state.integrationSecret === null ? [] : [{ type: 'IntegrationSecretRevoked', data: { by: actor.id, at } }];
    case 'IssuePasswordLink':
      return issuePasswordLink(state, command.data, actor.id, now);
    case 'SetPasswordByLink':
      return setPasswordByLink(state, command.data, actor.id, now);
    case 'ErasePerson':
      if (actor.id.toLowerCase() === state.username.toLowerCase()) throw new IllegalStateError('you cannot erase your own account');
      if (typeof command.data.reason !== 'string' || !command.data.reason.trim()) throw new ValidationError('say why the person is erased');
      return [{ type: 'PersonErased', data: { reason: text(command.data.reason, 'reason', 1000, { multiline: true }), sessions: command.data.sessions.map((id) => identifier(id, 'session id')), by: actor.id, at } }];
    case 'RecordPersonDataExport':
      return [{ type: 'PersonDataExported', data: { sessions: wholeNumber(command.data.sessions, 'sessions', 0, MAX_INT4), by: actor.id, at } }];
    default:
      return assertNever(command, 'account command');
  }
}

export function evolveAccount(state: Account, event: AccountEvent): Account {
  if (event.type === 'AccountRegistered') {
    const d = event.data;
    return {
      status: 'active', username: d.username, role: d.role, displayName: d.displayName, passwordHash: d.passwordHash, integrationSecret: null,
      integrationSecretSetAt: null, passwordLink: null, registeredBy: d.by, tokenVersion: 0,
    };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'PasswordChanged':
      return { ...state, passwordHash: event.data.passwordHash, passwordLink: null, tokenVersion: state.tokenVersion + 1 };
    case 'AccountDisabled':
      return { ...state, status: 'disabled', tokenVersion: state.tokenVersion + 1 };
    case 'AccountEnabled':
      return { ...state, status: 'active' };
    case 'IntegrationSecretSet':
      return { ...state, integrationSecret: event.data.secret, integrationSecretSetAt: event.data.at };
    case 'IntegrationSecretRevoked':
      return { ...state, integrationSecret: null, integrationSecretSetAt: null };
    case 'PasswordLinkIssued':
      return { ...state, passwordLink: { keyHash: event.data.keyHash, expiresAt: event.data.expiresAt } };
    case 'PersonErased':
      return {
        ...state, status: 'disabled', erased: true, displayName: ERASED_NAME, passwordHash: '', passwordLink: null, integrationSecret: null,
        integrationSecretSetAt: null, tokenVersion: state.tokenVersion + 1,
      };
    case 'PersonDataExported':
      return state;
    default:
      return assertNever(event, 'account event');
  }
}

export const accountDecider: Decider<AccountCommand, AccountEvent, Account> = {
  initialState: () => ({ status: 'none' }),
  decide: decideAccount,
  evolve: evolveAccount,
};
