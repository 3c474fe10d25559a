import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`a session run through the GraphQL API ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
  });
  afterAll(async () => {
    await api.close();
  });

  it('goes from creation to conclusion, with metrics, chat, an incident and a note', async () => {
    await api.createSession('life-1', { tags: ['math'], weights: [{ code: 'c2', value: 2 }] });
    await api.as('student1', `mutation { checkIn(id: "life-1", userAgent: "Chromium 156") { status } }`);
    const started = await api.as('student1', `mutation { startSession(id: "life-1") { status startedAt } }`);
    expect(started.startSession.status).toBe('in_progress');
    await api.as('student1', `mutation { recordMetrics(sessionId: "life-1", minute: 0, values: [{ code: "c2", value: 40 }, { code: "b2", value: 0 }]) { recentCodes } }`);
    await api.as('student1', `mutation { recordViolation(sessionId: "life-1", code: "b2", detail: "tab hidden") { recentCodes } }`);

    const incident = await api.as('proctor1', `mutation { sendMessage(sessionId: "life-1", text: "Phone away", incident: true) { id incident from } }`);
    expect(incident.sendMessage).toMatchObject({ incident: true, from: 'proctor1' });
    expect((await api.as('student1', `{ session(id: "life-1") { blocked } }`)).session.blocked).toBe(true);
    await api.as('student1', `mutation { sendMessage(sessionId: "life-1", text: "Sorry") { id } }`);
    expect((await api.as('student1', `{ session(id: "life-1") { blocked } }`)).session.blocked).toBe(true);
    await api.as('proctor1', `mutation { sendMessage(sessionId: "life-1", text: "Thank you") { id } }`);
    expect((await api.as('student1', `{ session(id: "life-1") { blocked } }`)).session.blocked).toBe(false);

    await api.as('proctor1', `mutation { addNote(sessionId: "life-1", text: "Phone on the desk at minute 1") { id } }`);
    const finished = await api.as('proctor1', `mutation { finishSession(id: "life-1", conclusion: negative, comment: "phone") { status conclusion comment finishedBy score } }`);
    expect(finished.finishSession).toMatchObject({ status: 'concluded', conclusion: 'negative', comment: 'phone', finishedBy: 'proctor' });
    expect(finished.finishSession.score).toBeLessThan(100);

    const protocol = await api.as('proctor1', `{ session(id: "life-1") { messages { text incident } notes { text } minutes { minute total } timeline { kind type } } }`);
    expect(protocol.session.messages.map((m: { text: string }) => m.text)).toEqual(['Phone away', 'Sorry', 'Thank you']);
    expect(protocol.session.notes).toEqual([{ text: 'Phone on the desk at minute 1' }]);
    expect(protocol.session.minutes).toEqual([{ minute: 0, total: 40 }]);
    expect(protocol.session.timeline.map((e: { type: string }) => e.type)).toContain('ContentUnblocked');

    const student = await api.as('student1', `{ session(id: "life-1") { notes { text } timeline { kind } } }`);
    expect(student.session.notes).toEqual([]);
    expect(student.session.timeline.some((e: { kind: string }) => e.kind === 'note')).toBe(false);
  });

  it('gives the auditor the raw stream and a verified hash chain', async () => {
    await api.createSession('audit-1');
    const events = await api.as('auditor1', `{ sessionEvents(id: "audit-1") { type streamVersion hash prevHash metadata } }`);
    expect(events.sessionEvents).toHaveLength(1);
    expect(events.sessionEvents[0]).toMatchObject({ type: 'SessionCreated', streamVersion: 0, prevHash: null, metadata: { actor: 'admin', role: 'admin' } });
    const verdict = await api.as('auditor1', `{ verifyStream(id: "audit-1") { ok events brokenAt } }`);
    expect(verdict.verifyStream).toEqual({ ok: true, events: 1, brokenAt: null });
  });

  it('finds sessions with the search language and pages them', async () => {
    await api.createSession('find-entrance', { name: 'Entrance exam' });
    await api.createSession('find-final', { name: 'Final exam', student: 'student2' });
    const byName = await api.as('admin', `{ sessions(query: "^entrance") { totalCount edges { node { id } } } }`);
    expect(byName.sessions.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(['find-entrance']);
    const byStudent = await api.as('admin', `{ sessions(query: "student=student2") { edges { node { id } } } }`);
    expect(byStudent.sessions.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(['find-final']);
    const page = await api.as('admin', `{ sessions(first: 1) { pageInfo { hasNextPage endCursor } } }`);
    expect(page.sessions.pageInfo.hasNextPage).toBe(true);
    const next = await api.as('admin', `query($after: String) { sessions(first: 1, after: $after) { edges { node { id } } } }`, { after: page.sessions.pageInfo.endCursor });
    expect(next.sessions.edges).toHaveLength(1);
  });

  describe('when the input is bad', () => {
    it('says which value is wrong, with BAD_USER_INPUT', async () => {
      const r = await api.gql(`mutation { createSession(input: { id: "bad id", name: "x", student: "student1", duration: 10 }) { id } }`, {}, await api.login('admin'));
      expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
      expect(r.errors?.[0].message).toMatch(/session id/);
      expect(await api.errorCode('admin', `mutation { createSession(input: { id: "ok-1", name: "x", student: "student1", duration: 0 }) { id } }`)).toBe('BAD_USER_INPUT');
      expect(await api.errorCode('admin', `mutation { createSession(input: { id: "ok-2", name: "x", student: "student1", duration: 10, metrics: ["zz"] }) { id } }`)).toBe('BAD_USER_INPUT');
      expect(await api.errorCode('admin', `{ sessions(query: "score>abc") { totalCount } }`)).toBe('BAD_USER_INPUT');
      expect(await api.errorCode('admin', `{ sessions(first: 501) { totalCount } }`)).toBe('BAD_USER_INPUT');
      expect(await api.errorCode('admin', `{ sessions(after: "garbage") { totalCount } }`)).toBe('BAD_USER_INPUT');
      expect(await api.errorCode('admin', `{ session(id: 1 }`)).toBe('GRAPHQL_PARSE_FAILED');
    });

    it('refuses an illegal transition with CONFLICT and a readable message', async () => {
      await api.createSession('conflict-1');
      const r = await api.gql(`mutation { startSession(id: "conflict-1") { id } }`, {}, await api.login('student1'));
      expect(r.errors?.[0]).toMatchObject({ message: 'cannot start: the test-taker has not checked in', extensions: { code: 'CONFLICT' } });
      expect(await api.errorCode('admin', `mutation { createSession(input: { id: "conflict-1", name: "x", student: "student1", duration: 10 }) { id } }`)).toBe('CONFLICT');
    });

    it('answers NOT_FOUND for a session that does not exist', async () => {
      expect(await api.errorCode('admin', `{ session(id: "nope") { id } }`)).toBe('NOT_FOUND');
      expect(await api.errorCode('auditor1', `{ verifyStream(id: "nope") { ok } }`)).toBe('NOT_FOUND');
    });

    it('refuses a request without a valid token', async () => {
      expect(await api.errorCode(null, `{ sessions { totalCount } }`)).toBe('UNAUTHENTICATED');
      const r = await api.gql(`{ me { username } }`, {}, 'not.a.token');
      expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('keeps nothing of a refused command', async () => {
      await api.createSession('intact-1');
      const before = await api.as('auditor1', `{ sessionEvents(id: "intact-1") { type } }`);
      await api.gql(`mutation { recordMetrics(sessionId: "intact-1", minute: 0, values: [{ code: "c2", value: 10 }]) { id } }`, {}, await api.login('student1'));
      expect(await api.as('auditor1', `{ sessionEvents(id: "intact-1") { type } }`)).toEqual(before);
    });
  });
});
