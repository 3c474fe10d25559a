import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually, startTestApi, type TestApi } from '../support/api.js';

describe('the API\'s security limits', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it('lets the deepest query the schema allows through (the depth rule itself is tested on a recursive schema)', async () => {
    const deepest = `{ sessions { edges { node { minutes { values { code } } } } } }`;
    expect(await api.errorCode('admin', deepest)).toBeUndefined();
  });

  it('refuses a query that would cost too much', async () => {
    const r = await api.gql(`{ sessions(first: 500) { edges { node { messages { text } notes { text } faces { photoId } minutes { values { code value } } timeline { seq } } } } }`, {}, await api.login('admin'));
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'QUERY_TOO_COSTLY', limit: 50_000 } });
  });

  it('counts what a query returns: 300 aliases of one field, and a raw stream without a page, are refused', async () => {
    await api.createSession('lim-1');
    const admin = await api.login('admin');
    const aliased = `{ ${Array.from({ length: 300 }, (_, i) => `e${i}: sessionEvents(id: "lim-1") { type }`).join(' ')} }`;
    expect((await api.gql(aliased, {}, admin)).errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_WIDE', limit: 20 });
    const aliasedDeep = `{ session(id: "lim-1") { ${Array.from({ length: 40 }, (_, i) => `n${i}: name`).join(' ')} } }`;
    expect((await api.gql(aliasedDeep, {}, admin)).errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_WIDE', limit: 30 });
    const all = `id streamId streamVersion type data metadata recordedAt position checkpoint prevHash hash`;
    expect((await api.gql(`{ sessionEvents(id: "lim-1", first: 5000) { ${all} } }`, {}, admin)).errors?.[0].extensions?.code).toBe('QUERY_TOO_COSTLY');
    // A page at a time goes through, and pages.
    const page = await api.as('admin', `{ sessionEvents(id: "lim-1", first: 1) { streamVersion } }`);
    expect(page.sessionEvents).toEqual([{ streamVersion: 0 }]);
    expect(await api.errorCode('admin', `{ sessionEvents(id: "lim-1", first: 6000) { type } }`)).toBe('BAD_USER_INPUT');
  });

  it('refuses more than 50 subscriptions on one connection', async () => {
    const client = api.wsClient(await api.login('admin'));
    const subs = Array.from({ length: 50 }, (_, i) => api.subscribe(client, `subscription($q: String) { sessionsChanged(query: $q) { event } }`, { q: `name~x${i}` }));
    await eventually(() => api.server.subscriptions.stats().members >= 50);
    const extra = api.subscribe(client, `subscription { sessionsChanged { event } }`);
    await eventually(() => extra.errors.length > 0);
    expect((extra.errors[0] as Array<{ extensions?: { code?: string } }>)[0].extensions?.code).toBe('TOO_MANY_REQUESTS');
    expect(api.server.subscriptions.stats().members).toBe(50);
    for (const s of subs) s.dispose();
  });

  it('refuses a request body over 1 MB with 413', async () => {
    const res = await fetch(`${api.server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ me { username } }`, variables: { pad: 'x'.repeat(1_100_000) } }),
    });
    expect(res.status).toBe(413);
    expect((await res.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('answers a body that is not JSON with 400', async () => {
    const res = await fetch(`${api.server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(res.status).toBe(400);
  });

  it('slows down password guessing', async () => {
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < 12; i++) {
      const r = await api.gql(`mutation { login(username: "proctor2", password: "wrong${i}") { token } }`);
      codes.push(r.errors?.[0].extensions?.code);
    }
    expect(codes.slice(0, 10)).toEqual(Array(10).fill('UNAUTHENTICATED'));
    expect(codes.slice(10)).toEqual(['TOO_MANY_REQUESTS', 'TOO_MANY_REQUESTS']);
  });

  it('refuses an expired token and a token signed with another key', async () => {
    const key = new TextEncoder().encode(api.config.jwtSecret);
    const expired = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('admin').setIssuer('proctor')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10).sign(key);
    const r1 = await api.gql(`{ me { username } }`, {}, expired);
    expect(r1.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(r1.errors?.[0].message).toMatch(/expired/);
    const forged = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('admin').setIssuer('proctor')
      .setExpirationTime('1h').sign(new TextEncoder().encode('another-secret-another-secret-another'));
    expect((await api.gql(`{ me { username } }`, {}, forged)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('closes a graphql-ws socket that never says connection_init', async () => {
    const socket = new WebSocket(`${api.server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const code = await new Promise<number>((resolve) => socket.on('close', (c) => resolve(c)));
    expect(code).toBe(4408);
  }, 20_000);

  it('offers introspection and suggestions outside production', async () => {
    const r = await api.gql(`{ __schema { queryType { name } } }`);
    expect(r.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const typo = await api.gql(`{ sesions { totalCount } }`, {}, await api.login('admin'));
    expect(typo.errors?.[0].message).toMatch(/Did you mean "session/);
  });
});

describe('the API in production', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ production: true });
  });
  afterAll(async () => {
    await api.close();
  });

  it('hides the schema: no introspection, no field suggestions', async () => {
    const r = await api.gql(`{ __schema { queryType { name } } }`);
    expect(r.errors?.[0].message).toMatch(/introspection/i);
    const typo = await api.gql(`{ sesions { totalCount } }`, {}, await api.login('admin'));
    expect(typo.errors?.[0].message).not.toMatch(/Did you mean/);
  });

  it('never sends a stack trace', async () => {
    const r = await api.gql(`{ session(id: "nope") { id } }`, {}, await api.login('admin'));
    expect(r.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(JSON.stringify(r)).not.toMatch(/stacktrace|at .*\.ts:/);
  });
});

describe('the network test', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it('serves signed-in users only, a few times a minute', async () => {
    expect((await fetch(`${api.server.url}/speedtest?bytes=1000`)).status).toBe(401);
    const headers = { authorization: `Bearer ${await api.login('student1')}` };
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await fetch(`${api.server.url}/speedtest?bytes=1000`, { headers })).status);
    expect(statuses.slice(0, 12)).toEqual(Array(12).fill(200));
    expect(statuses.slice(12)).toEqual([429, 429]);
    // Another user has a budget of their own.
    expect((await fetch(`${api.server.url}/speedtest?bytes=1000`, { headers: { authorization: `Bearer ${await api.login('student2')}` } })).status).toBe(200);
  });
});
