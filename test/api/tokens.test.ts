import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/config.js';
import { eventually, startTestApi, type TestApi } from '../support/api.js';

const ACCOUNTS = `{ accounts { username } }`;
const CHANGED = `subscription { sessionsChanged { event session { id } } }`;

/** A token signed with the server's own secret (as anyone could with a placeholder secret), with any claims. */
function forge(api: TestApi, claims: Record<string, unknown>, subject: string) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuer('proctor')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(api.config.jwtSecret));
}

function closeCode(client: ReturnType<TestApi['wsClient']>): Promise<number> {
  return new Promise((resolve) => client.on('closed', (event) => resolve((event as { code: number }).code)));
}

describe('what a token may speak for', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ limits: { ...DEFAULT_LIMITS, loginFailuresPerIp: 5 } });
  });
  afterAll(async () => {
    await api.close();
  });

  it('refuses a token for an account that does not exist, whatever role it claims', async () => {
    const token = await forge(api, { role: 'admin' }, 'mallory');
    const read = await api.gql(ACCOUNTS, {}, token);
    expect(read.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const created = await api.gql(`mutation { registerAccount(username: "mallory2", role: "admin", password: "a-long-password-1") { username } }`, {}, token);
    expect(created.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await api.as('admin', ACCOUNTS)).accounts.map((a: { username: string }) => a.username)).not.toContain('mallory2');
  });

  it('takes the role from the account, not from the token', async () => {
    const token = await forge(api, { role: 'admin', ver: 0 }, 'student1');
    expect((await api.gql(`{ me { username role } }`, {}, token)).data?.me).toEqual({ username: 'student1', role: 'student' });
    expect((await api.gql(ACCOUNTS, {}, token)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('closes an anonymous socket: nothing there works without a sign-in', async () => {
    const client = api.wsClient(null, { lazy: false });
    expect(await closeCode(client)).toBe(4403);
  });

  describe('when an account is disabled or its password reset', () => {
    it('closes the account\'s open sockets at once and sends them nothing more', async () => {
      await api.as('admin', `mutation { registerAccount(username: "proctor7", role: "proctor", password: "a-long-password-7") { username } }`);
      const token = (await api.gql(`mutation { login(username: "proctor7", password: "a-long-password-7") { token } }`)).data!.login.token as string;
      const client = api.wsClient(token, { lazy: false });
      const closed = closeCode(client);
      const sub = api.subscribe(client, CHANGED);
      await sub.ready;
      await api.createSession('tok-1', { proctor: 'proctor7' });
      await eventually(() => sub.results.length > 0);
      const started = Date.now();
      await api.as('admin', `mutation { disableAccount(username: "proctor7", reason: "left") { disabled } }`);
      expect(await closed).toBe(4403);
      expect(Date.now() - started).toBeLessThan(10_000);
      const before = sub.results.length;
      await api.createSession('tok-2', { proctor: 'proctor7' });
      await api.createSession('tok-marker', { proctor: 'proctor1' });
      expect(sub.results.length).toBe(before);
      expect((await api.gql(`{ me { username } }`, {}, token)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('ends every earlier sign-in of the account when its password is reset', async () => {
      await api.as('admin', `mutation { registerAccount(username: "proctor8", role: "proctor", password: "a-long-password-8") { username } }`);
      const token = (await api.gql(`mutation { login(username: "proctor8", password: "a-long-password-8") { token } }`)).data!.login.token as string;
      const client = api.wsClient(token, { lazy: false });
      const closed = closeCode(client);
      const sub = api.subscribe(client, CHANGED);
      await sub.ready;
      await api.as('admin', `mutation { resetPassword(username: "proctor8", password: "another-password-8") { username } }`);
      expect(await closed).toBe(4403);
      expect((await api.gql(`{ me { username } }`, {}, token)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      const fresh = (await api.gql(`mutation { login(username: "proctor8", password: "another-password-8") { token } }`)).data!.login.token;
      expect((await api.gql(`{ me { username } }`, {}, fresh)).data?.me.username).toBe('proctor8');
    });
  });

  it('slows password spraying: failed sign-ins are counted per address across usernames', async () => {
    const login = (u: string) => api.gql(`mutation($u: String!) { login(username: $u, password: "not-the-password") { token } }`, { u });
    for (let i = 0; i < 5; i++) expect((await login(`sprayed-${i}`)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const next = await login('sprayed-new');
    expect(next.errors?.[0].extensions?.code).toBe('TOO_MANY_REQUESTS');
    // Even the right password for a real account waits: the address is throttled, not the username.
    const real = await api.gql(`mutation { login(username: "proctor2", password: "secret-pass") { token } }`);
    expect(real.errors?.[0].extensions?.code).toBe('TOO_MANY_REQUESTS');
  });
});
