import { describe, expect, it } from 'vitest';
import { specFor } from '../../../test/support/spec.js';
import { IllegalStateError, ValidationError } from '../core/errors.js';
import { accountDecider, type AccountCommand, type AccountEvent } from './account.js';

const now = new Date('2026-01-01T00:00:00.000Z');
const metadata = { now, actor: { id: 'admin', role: 'admin' as const }, commandId: 'c1' };
const spec = specFor(accountDecider);
const register = (over: Partial<Extract<AccountCommand, { type: 'RegisterAccount' }>['data']> = {}): AccountCommand => ({
  type: 'RegisterAccount', data: { username: 'proctor1', role: 'proctor', displayName: 'Pat Proctor', passwordHash: 'scrypt$x', ...over }, metadata,
});
const registered: AccountEvent = {
  type: 'AccountRegistered', data: { username: 'proctor1', role: 'proctor', displayName: 'Pat Proctor', passwordHash: 'scrypt$x', by: 'admin', at: now.toISOString() },
};
const integrator: AccountEvent = { type: 'AccountRegistered', data: { ...registered.data, username: 'moodle', role: 'integrator' } } as AccountEvent;

describe('registering an account', () => {
  it('registers a proctor', () => spec([]).when(register()).then([registered]));
  it('refuses a taken username', () => spec([registered]).when(register()).thenThrows(IllegalStateError, /taken/));
  it('refuses an unknown role', () => spec([]).when(register({ role: 'king' as never })).thenThrows(ValidationError, /role/));
  it('refuses a username with spaces', () => spec([]).when(register({ username: 'a b' })).thenThrows(ValidationError, /username/));
});

describe('changing an account', () => {
  it('changes the password', () =>
    spec([registered]).when({ type: 'ChangePassword', data: { passwordHash: 'scrypt$y' }, metadata }).then([
      { type: 'PasswordChanged', data: { passwordHash: 'scrypt$y', by: 'admin', at: now.toISOString() } },
    ]));
  it('disables once and enables again', () => {
    const disabled: AccountEvent = { type: 'AccountDisabled', data: { reason: 'left', by: 'admin', at: now.toISOString() } };
    spec([registered]).when({ type: 'DisableAccount', data: { reason: 'left' }, metadata }).then([disabled]);
    spec([registered, disabled]).when({ type: 'DisableAccount', data: { reason: 'left' }, metadata }).then([]);
    spec([registered, disabled]).when({ type: 'EnableAccount', data: {}, metadata }).then([{ type: 'AccountEnabled', data: { by: 'admin', at: now.toISOString() } }]);
  });
  it('refuses to let someone disable their own account, or without a reason', () => {
    const self = { ...metadata, actor: { id: 'Proctor1', role: 'admin' as const } };
    spec([registered]).when({ type: 'DisableAccount', data: { reason: 'oops' }, metadata: self }).thenThrows(IllegalStateError, /your own/);
    spec([registered]).when({ type: 'DisableAccount', data: { reason: '  ' }, metadata }).thenThrows(ValidationError, /why/);
  });
  it('refuses changes to an account that does not exist', () =>
    spec([]).when({ type: 'ChangePassword', data: { passwordHash: 'x' }, metadata }).thenThrows(IllegalStateError, /does not exist/));
  it('sets an integration secret only for an integrator, and only a long one', () => {
    const secret = 's'.repeat(32);
    spec([integrator]).when({ type: 'SetIntegrationSecret', data: { secret }, metadata }).then([{ type: 'IntegrationSecretSet', data: { secret, by: 'admin', at: now.toISOString() } }]);
    spec([integrator]).when({ type: 'SetIntegrationSecret', data: { secret: 'short' }, metadata }).thenThrows(ValidationError, /32/);
    spec([registered]).when({ type: 'SetIntegrationSecret', data: { secret }, metadata }).thenThrows(IllegalStateError, /integrator/);
  });
});

describe('integration secrets and set-password links', () => {
  const secretSet: AccountEvent = { type: 'IntegrationSecretSet', data: { secret: 's'.repeat(43), by: 'admin', at: now.toISOString() } };
  const revoked: AccountEvent = { type: 'IntegrationSecretRevoked', data: { by: 'admin', at: now.toISOString() } };
  const keyHash = 'a'.repeat(64);
  const expiresAt = '2026-01-08T00:00:00.000Z';
  const issued: AccountEvent = { type: 'PasswordLinkIssued', data: { keyHash, expiresAt, by: 'admin', at: now.toISOString() } };
  const useLink = (over: Partial<{ keyHash: string; passwordHash: string }> = {}, at = now): AccountCommand => ({
    type: 'SetPasswordByLink', data: { keyHash, passwordHash: 'scrypt$z', ...over }, metadata: { ...metadata, now: at, actor: { id: 'proctor1', role: 'proctor' } },
  });

  it('revokes a secret once, and only an integrator has one', () => {
    spec([integrator, secretSet]).when({ type: 'RevokeIntegrationSecret', data: {}, metadata }).then([revoked]);
    spec([integrator, secretSet, revoked]).when({ type: 'RevokeIntegrationSecret', data: {}, metadata }).then([]);
    spec([registered]).when({ type: 'RevokeIntegrationSecret', data: {}, metadata }).thenThrows(IllegalStateError, /integrator/);
  });
  it('issues a link that expires within 30 days', () => {
    spec([registered]).when({ type: 'IssuePasswordLink', data: { keyHash, expiresAt }, metadata }).then([issued]);
    spec([registered]).when({ type: 'IssuePasswordLink', data: { keyHash, expiresAt: '2026-03-01T00:00:00.000Z' }, metadata }).thenThrows(ValidationError, /30 days/);
    spec([registered]).when({ type: 'IssuePasswordLink', data: { keyHash: 'nothex', expiresAt }, metadata }).thenThrows(ValidationError, /hex/);
  });
  it('sets the password with the open link, once', () => {
    const changed: AccountEvent = { type: 'PasswordChanged', data: { passwordHash: 'scrypt$z', by: 'proctor1', at: now.toISOString() } };
    spec([registered, issued]).when(useLink()).then([changed]);
    spec([registered, issued, changed]).when(useLink()).thenThrows(ValidationError, /not valid/);
  });
  it('refuses a wrong key, an expired link, or no link', () => {
    spec([registered, issued]).when(useLink({ keyHash: 'b'.repeat(64) })).thenThrows(ValidationError, /not valid/);
    spec([registered, issued]).when(useLink({}, new Date(expiresAt))).thenThrows(ValidationError, /not valid/);
    spec([registered]).when(useLink()).thenThrows(ValidationError, /not valid/);
  });
});

describe('when an administrator erases a person', () => {
  const erased: AccountEvent = { type: 'PersonErased', data: { reason: 'request 17', sessions: ['s-1', 's-2'], by: 'admin', at: now.toISOString() } };
  const erase = (reason = 'request 17', sessions = ['s-1', 's-2']): AccountCommand => ({ type: 'ErasePerson', data: { reason, sessions }, metadata });

  it('records the erasure with the reason and their sessions, and nothing personal', () => spec([registered]).when(erase()).then([erased]));
  it('does nothing the second time', () => spec([registered, erased]).when(erase()).then([]));
  it('refuses without a reason, with a bad session id, or for your own account', () => {
    spec([registered]).when(erase('  ')).thenThrows(ValidationError, /why/);
    spec([registered]).when(erase('ok', ['a b'])).thenThrows(ValidationError, /session id/);
    spec([registered]).when({ ...erase(), metadata: { ...metadata, actor: { id: 'proctor1', role: 'admin' as const } } }).thenThrows(IllegalStateError, /your own/);
  });
  it('refuses every later change to the account, but lets the person\'s data be exported', () => {
    spec([registered, erased]).when({ type: 'EnableAccount', data: {}, metadata }).thenThrows(IllegalStateError, /erased/);
    spec([registered, erased]).when({ type: 'ChangePassword', data: { passwordHash: 'scrypt$z' }, metadata }).thenThrows(IllegalStateError, /erased/);
    spec([registered, erased]).when({ type: 'RecordPersonDataExport', data: { sessions: 2 }, metadata }).then([
      { type: 'PersonDataExported', data: { sessions: 2, by: 'admin', at: now.toISOString() } },
    ]);
  });
  it('leaves the account disabled, nameless and without a password', () => {
    const state = [registered, erased].reduce(accountDecider.evolve, accountDecider.initialState());
    expect(state).toMatchObject({ status: 'disabled', erased: true, displayName: 'erased person', passwordHash: '', tokenVersion: 1 });
  });
});
