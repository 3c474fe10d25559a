import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startTestApi, type TestApi } from '../support/api.js';

const LOGIN = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token user { username role disabled } } }`;

describe('managing accounts through the API', () => {
  let api: TestApi;
  const signIn = (u: string, p: string) => api.gql<{ login: { token: string; user: { username: string; role: string; disabled: boolean } } }>(LOGIN, { u, p });
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it('lets an administrator create an account that signs in, reset its password, disable it and enable it again', async () => {
    // Given a new proctor account
    const created = await api.as('admin', `mutation { registerAccount(username: "proctor9", role: "proctor", password: "first-pass", displayName: "Nine") { username role displayName disabled } }`);
    expect(created.registerAccount).toEqual({ username: 'proctor9', role: 'proctor', displayName: 'Nine', disabled: false });
    expect((await signIn('proctor9', 'first-pass')).data?.login.user).toEqual({ username: 'proctor9', role: 'proctor', disabled: false });

    const before = (await signIn('proctor9', 'first-pass')).data!.login.token;
    // When the administrator resets its password, only the new one signs in, and earlier sign-ins stop working
    await api.as('admin', `mutation { resetPassword(username: "proctor9", password: "second-pass") { username } }`);
    expect((await signIn('proctor9', 'first-pass')).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await api.gql(`{ me { username } }`, {}, before)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const token = (await signIn('proctor9', 'second-pass')).data!.login.token;
    expect((await api.gql(`{ me { username } }`, {}, token)).data?.me.username).toBe('proctor9');

    // When it is disabled: no sign-in, gone from the usual list, listed as disabled when asked
    const disabled = await api.as('admin', `mutation { disableAccount(username: "proctor9", reason: "left the school") { disabled } }`);
    expect(disabled.disableAccount.disabled).toBe(true);
    expect((await signIn('proctor9', 'second-pass')).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const usual = await api.as('admin', `{ accounts(role: "proctor") { username } }`);
    expect(usual.accounts.map((a: { username: string }) => a.username)).not.toContain('proctor9');
    const all = await api.as('admin', `{ accounts(role: "proctor", includeDisabled: true) { username disabled } }`);
    expect(all.accounts).toContainEqual({ username: 'proctor9', disabled: true });
    const self = await api.as('admin', `{ me { username } }`); // the administrator's own token is unaffected
    expect(self.me.username).toBe('admin');

    // When it is enabled again, it signs in anew; the token from before it was disabled stays dead
    await api.as('admin', `mutation { enableAccount(username: "proctor9") { username } }`);
    const again = (await signIn('proctor9', 'second-pass')).data!.login;
    expect(again.user.disabled).toBe(false);
    expect((await api.gql(`{ me { username } }`, {}, again.token)).data?.me.username).toBe('proctor9');
    expect((await api.gql(`{ me { username } }`, {}, token)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses passwords under 10 characters, common ones, ones holding the username, and one character repeated', async () => {
    for (const [password, why] of [['short-one', /10 to 200/], ['qwertyuiop123', /most common/], ['Password123', /most common/], ['x-proctor2-x', /username/], ['abababababab', /different characters/]] as const) {
      const r = await api.gql(`mutation($p: String!) { resetPassword(username: "proctor2", password: $p) { username } }`, { p: password }, await api.login('admin'));
      expect(r.errors?.[0].extensions?.code, password).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message, password).toMatch(why);
    }
  });

  it('refuses an administrator disabling their own account, a disabling without a reason, and a short password', async () => {
    expect(await api.errorCode('admin', `mutation { disableAccount(username: "admin", reason: "oops") { username } }`)).toBe('CONFLICT');
    expect(await api.errorCode('admin', `mutation { disableAccount(username: "proctor2", reason: " ") { username } }`)).toBe('BAD_USER_INPUT');
    expect(await api.errorCode('admin', `mutation { resetPassword(username: "proctor2", password: "abc") { username } }`)).toBe('BAD_USER_INPUT');
    expect(await api.errorCode('admin', `mutation { enableAccount(username: "nobody-at-all") { username } }`)).toBe('CONFLICT');
  });

  it('lets anyone change their own password, with the current one', async () => {
    await api.as('admin', `mutation { registerAccount(username: "student9", role: "student", password: "${PASSWORD}") { username } }`);
    const token = (await signIn('student9', PASSWORD)).data!.login.token;
    const change = (current: string, next: string) =>
      api.gql(`mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token user { username } } }`, { c: current, n: next }, token);
    // Given a wrong current password, nothing changes
    const wrong = await change('not-it', 'new-pass-1');
    expect(wrong.errors?.[0]).toMatchObject({ message: 'the current password is wrong', extensions: { code: 'BAD_USER_INPUT' } });
    expect((await signIn('student9', PASSWORD)).data?.login.user.username).toBe('student9');
    // Given the right one, the new password signs in and the old one does not
    const changed = (await change(PASSWORD, 'new-pass-1')).data?.changePassword;
    expect(changed.user.username).toBe('student9');
    expect((await signIn('student9', PASSWORD)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await signIn('student9', 'new-pass-1')).data?.login.user.username).toBe('student9');
    // The token it was changed with is dead; the one it answered with works
    expect((await api.gql(`{ me { username } }`, {}, token)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await api.gql(`{ me { username } }`, {}, changed.token)).data?.me.username).toBe('student9');
  });
});
