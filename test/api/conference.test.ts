import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { sessionUnderReview } from '../support/committee.js';
import { ENGINES } from '../support/engines.js';
import { describeWithServer, NO_POSTGRES_REASON } from '../support/servers.js';

const SIGNALS = `subscription($s: ID!, $m: String!) { conferenceSignals(sessionId: $s, memberId: $m) { from username kind payload } }`;
const SEND = `mutation($s: ID!, $m: String!, $to: String!, $k: String!, $p: JSON) { conferenceSignal(sessionId: $s, memberId: $m, to: $to, kind: $k, payload: $p) }`;
const MEMBER_A = 'aaaaaaaa-0000-4000-8000-000000000001';
const MEMBER_B = 'bbbbbbbb-0000-4000-8000-000000000002';

/** The conference room's signalling: who may join, what members hear of each other, what is refused. */
for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`a session's conference room ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  const send = async (who: string | null, variables: Record<string, unknown>) =>
    api.gql<{ conferenceSignal: number }>(SEND, { s: 'conf-1', m: MEMBER_A, to: '*', k: 'state', p: { mic: true, camera: true }, ...variables }, who ? await api.login(who) : null);
  const join = async (who: string, memberId: string) => {
    const sub = api.subscribe(api.wsClient(await api.login(who)), SIGNALS, { s: 'conf-1', m: memberId });
    await sub.ready;
    return sub;
  };
  const kinds = (sub: { results: Array<{ data?: Record<string, any> | null }> }) => sub.results.map((r) => `${r.data?.conferenceSignals.kind} ${r.data?.conferenceSignals.username}`);

  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
    // proctor2 sits on the committee; proctor1 (the session's proctor) is its witness and student1 is heard.
    await sessionUnderReview(api, 'conf-1', { members: ['proctor2'], chair: 'proctor2' });
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  });

  it('admits the committee, its witness, the test-taker it hears and administrators, and nobody else learns the room exists', async () => {
    for (const who of ['admin', 'proctor2', 'proctor1', 'student1']) expect((await send(who, {})).errors, who).toBeUndefined();
    for (const who of ['student2', 'auditor1']) expect((await send(who, {})).errors?.[0].extensions?.code, who).toBe('NOT_FOUND');
    expect((await send('admin', { s: 'no-such-session' })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await send(null, {})).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const outsider = api.subscribe(api.wsClient(await api.login('student2')), SIGNALS, { s: 'conf-1', m: MEMBER_B });
    await eventually(() => outsider.results.length > 0 || outsider.errors.length > 0);
    expect(JSON.stringify([outsider.results, outsider.errors])).toContain('NOT_FOUND');
  });

  it('tells a member it is in, then who comes, what they say to it, and who goes', async () => {
    const a = await join('proctor1', MEMBER_A);
    const welcome = await eventually(() => a.results[0]?.data?.conferenceSignals);
    expect(welcome).toMatchObject({ kind: 'welcome', username: 'proctor1' });
    expect(welcome.from).toMatch(/^proctor1\/[A-Za-z0-9_-]{16}$/);
    expect(welcome.from).not.toContain(MEMBER_A); // the member id stays the browser's secret
    const b = await join('student1', MEMBER_B);
    await eventually(() => kinds(a).includes('hello student1'));
    expect((await send('student1', { m: MEMBER_B, to: welcome.from, k: 'here', p: { mic: false } })).data?.conferenceSignal).toBe(1);
    await eventually(() => kinds(a).includes('here student1'));
    expect(a.results.at(-1)?.data?.conferenceSignals.payload).toEqual({ mic: false });
    b.dispose();
    await eventually(() => kinds(a).includes('bye student1'));
    expect(kinds(b)).toEqual(['welcome student1']); // nothing of its own comings and goings comes back to it
    a.dispose();
  });

  it('keeps the conference apart from the session\'s exam signalling', async () => {
    const exam = api.subscribe(api.wsClient(await api.login('proctor1')), `subscription { signals(sessionId: "conf-1") { from kind } }`);
    await exam.ready;
    const room = await join('proctor1', MEMBER_A);
    await send('student1', { m: MEMBER_B, k: 'state' });
    await api.as('student1', `mutation { signal(sessionId: "conf-1", to: "proctor1", kind: "ready") }`);
    await eventually(() => exam.results.length >= 1 && kinds(room).includes('state student1'));
    expect(exam.results.map((r) => r.data?.signals.kind)).toEqual(['ready']);
    exam.dispose();
    room.dispose();
  });

  it('refuses a malformed member id, an unknown kind, a stranger as recipient, an oversized payload and Janus calls in p2p mode', async () => {
    const code = async (variables: Record<string, unknown>) => (await send('admin', variables)).errors?.[0].extensions?.code;
    expect(await code({ m: 'short' })).toBe('BAD_USER_INPUT');
    expect(await code({ k: 'offer' })).toBe('BAD_USER_INPUT');
    expect(await code({ k: 'welcome' })).toBe('BAD_USER_INPUT');
    expect(await code({ to: 'proctor1' })).toBe('BAD_USER_INPUT');
    expect(await code({ p: { sdp: 'x'.repeat(40_000) } })).toBe('BAD_USER_INPUT');
    expect(await api.errorCode('admin', `mutation { publishConference(sessionId: "conf-1", memberId: "${MEMBER_A}", sdp: "v=0") }`)).toBe('CONFLICT');
  });
});
