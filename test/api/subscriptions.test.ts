import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/api/auth/tokens.js';
import { eventually, startTestApi, type TestApi } from '../support/api.js';

const CHANGED = `subscription($q: String) { sessionsChanged(query: $q) { event matches session { id status blocked } } }`;
/** The changes of every sessionsChanged message, in order (each message carries one committed batch). */
const flat = (results: Array<{ data?: Record<string, any> | null }>) => results.flatMap((r) => (r.data?.sessionsChanged ?? []) as Array<Record<string, any>>);
const ACTIVITY = `subscription($id: ID!) { sessionActivity(id: $id) { sessionId seq type data } }`;

describe('live subscriptions over graphql-ws', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it('tells the proctor about changes to their sessions, after they are committed', async () => {
    const client = api.wsClient(await api.login('proctor1'));
    const sub = api.subscribe(client, CHANGED);
    await sub.ready;
    await api.createSession('live-1');
    await api.as('student1', `mutation { checkIn(id: "live-1", userAgent: "ua") { id } }`);
    const changes = await eventually(() => (flat(sub.results).length >= 2 ? flat(sub.results) : null));
    expect(changes.map((c) => [c.event, c.session.status])).toEqual([
      ['SessionCreated', 'scheduled'],
      ['ParticipantCheckedIn', 'waiting'],
    ]);
    sub.dispose();
  });

  it('filters with the search language and says when a session stops matching', async () => {
    const client = api.wsClient(await api.login('admin'));
    const sub = api.subscribe(client, CHANGED, { q: 'status=waiting' });
    await sub.ready;
    await api.createSession('live-2');
    await api.as('student1', `mutation { checkIn(id: "live-2", userAgent: "ua") { id } }`);
    await api.as('student1', `mutation { startSession(id: "live-2") { id } }`);
    const mine = await eventually(() => {
      const list = flat(sub.results).filter((c) => c.session.id === 'live-2');
      return list.length >= 3 ? list : null;
    });
    expect(mine.map((c) => c.matches)).toEqual([false, true, false]);
    sub.dispose();
  });

  it('does not show a proctor the sessions of others', async () => {
    const client = api.wsClient(await api.login('proctor2'));
    const sub = api.subscribe(client, CHANGED);
    await sub.ready;
    await api.createSession('live-3', { proctor: 'proctor1' });
    await api.createSession('live-4', { proctor: 'proctor2' });
    await eventually(() => flat(sub.results).some((c) => c.session.id === 'live-4'));
    expect(flat(sub.results).some((c) => c.session.id === 'live-3')).toBe(false);
    sub.dispose();
  });

  it('streams one session\'s chat and incidents to its test-taker, and hides proctor notes', async () => {
    await api.createSession('live-5');
    await api.as('student1', `mutation { checkIn(id: "live-5", userAgent: "ua") { id } }`);
    await api.as('student1', `mutation { startSession(id: "live-5") { id } }`);
    const client = api.wsClient(await api.login('student1'));
    const sub = api.subscribe(client, ACTIVITY, { id: 'live-5' });
    await sub.ready;
    await api.as('proctor1', `mutation { addNote(sessionId: "live-5", text: "secret") { id } }`);
    await api.as('proctor1', `mutation { sendMessage(sessionId: "live-5", text: "Eyes up", incident: true) { id } }`);
    const seen = await eventually(() => (sub.results.length >= 2 ? sub.results.map((r) => r.data?.sessionActivity) : null));
    expect(seen.map((a) => a.type)).toEqual(['MessageSent', 'ContentBlocked']);
    expect(seen[0].data).toMatchObject({ text: 'Eyes up', incident: true });
    sub.dispose();
  });

  it('refuses a subscription to someone else\'s session', async () => {
    await api.createSession('live-6', { student: 'student1' });
    const client = api.wsClient(await api.login('student2'));
    const sub = api.subscribe(client, ACTIVITY, { id: 'live-6' });
    await eventually(() => sub.results.length > 0);
    expect(sub.results[0].errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(sub.results[0].data ?? null).toBeNull();
  });

  it('refuses a search with a syntax error, with its position', async () => {
    const client = api.wsClient(await api.login('admin'));
    const sub = api.subscribe(client, CHANGED, { q: 'name="unclosed' });
    await eventually(() => sub.results.length > 0);
    const [error] = sub.results[0].errors!;
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', line: 1 });
    expect(typeof error.extensions?.column).toBe('number');
  });

  it('closes a connection whose token is not valid', async () => {
    const client = api.wsClient('forged.token.value', { lazy: false });
    const closed = await new Promise<number>((resolve) => client.on('closed', (event) => resolve((event as { code: number }).code)));
    expect(closed).toBe(4403);
  });

  it('stops telling a proctor about a session once it is given to another proctor', async () => {
    await api.createSession('live-7', { proctor: 'proctor1' });
    const client = api.wsClient(await api.login('proctor1'));
    const sub = api.subscribe(client, CHANGED);
    await sub.ready;
    await api.as('admin', `mutation { assignProctor(id: "live-7", proctor: "proctor2") { id } }`);
    await api.as('admin', `mutation { cancelSession(id: "live-7", reason: "moved") { id } }`);
    await api.createSession('live-8', { proctor: 'proctor1' }); // a marker: once it arrives, earlier events were handled
    await eventually(() => flat(sub.results).some((c) => c.session.id === 'live-8'));
    expect(flat(sub.results).filter((c) => c.session.id === 'live-7')).toEqual([]);
    sub.dispose();
  });

  it('executes a subscription shared by many sockets once per event', async () => {
    const token = await api.login('auditor1');
    const groupsBefore = api.server.subscriptions.stats().groups;
    const subs = Array.from({ length: 20 }, () => api.subscribe(api.wsClient(token), CHANGED, { q: 'name~shared' }));
    await Promise.all(subs.map((s) => s.ready));
    await eventually(() => api.server.subscriptions.stats().members >= 20);
    const during = api.server.subscriptions.stats();
    await api.createSession('shared-1', { name: 'shared exam' });
    await eventually(() => subs.every((s) => s.results.length >= 1));
    expect(subs.map((s) => flat(s.results)[0].session.id)).toEqual(subs.map(() => 'shared-1'));
    // 20 sockets, one execution group for the identical document, variables and visibility scope.
    expect(during.groups - groupsBefore).toBe(1);
    for (const s of subs) s.dispose();
  });

  it('relays WebRTC signals between the people of a session, and only them', async () => {
    await api.createSession('sig-1', { student: 'student1', proctor: 'proctor1' });
    const sub = api.subscribe(api.wsClient(await api.login('proctor1')), `subscription { signals(sessionId: "sig-1") { from to kind payload } }`);
    await sub.ready;
    const send = async (who: string, kind: string, payload: unknown, to = 'proctor1') =>
      api.gql(`mutation($p: JSON, $k: String!, $to: String!) { signal(sessionId: "sig-1", to: $to, kind: $k, payload: $p) }`, { p: payload, k: kind, to }, await api.login(who));
    expect((await send('student1', 'offer', { sdp: 'v=0' })).data).toEqual({ signal: 1 });
    expect((await send('student1', 'call-bye', null)).data).toEqual({ signal: 1 });
    expect((await send('student1', 'ready', null, '*')).data).toEqual({ signal: 1 });
    expect((await send('proctor2', 'offer', {})).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await send('student1', 'exploit', {})).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const got = await eventually(() => (sub.results.length >= 3 ? sub.results.map((r) => r.data?.signals) : null));
    expect(got).toEqual([
      { from: 'student1', to: 'proctor1', kind: 'offer', payload: { sdp: 'v=0' } },
      { from: 'student1', to: 'proctor1', kind: 'call-bye', payload: null },
      { from: 'student1', to: '*', kind: 'ready', payload: null },
    ]);
    sub.dispose();
  });

  it('ends a subscription whose sign-in expired, at its next event', async () => {
    const { token } = await new TokenService(api.config.jwtSecret).issue({ id: 'admin', role: 'admin' }, { ttlSeconds: 2 });
    const sub = api.subscribe(api.wsClient(token), CHANGED);
    await sub.ready;
    await new Promise((r) => setTimeout(r, 2100));
    await api.createSession('expired-1');
    const [result] = await eventually(() => (sub.results.length ? sub.results : null));
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    await eventually(() => sub.completed);
  });
});
