import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/core/decider.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];
const ADMIN: Actor = { id: 'admin', role: 'admin' };
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

const RESULT = 'id ok code message';
type Result = { id: string; ok: boolean; code: string | null; message: string | null };

/** Creates sessions straight through the core, a batch at a time (the API's createSession is not what is tested here). */
async function createMany(api: TestApi, ids: readonly string[], extra: { name?: (i: number) => string; scheduledAt?: Date } = {}) {
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(ids.slice(i, i + 50).map((id, j) => api.core.session(id, 'CreateSession', {
      sessionId: id, name: extra.name?.(i + j) ?? `Exam ${id}`, student: 'student1', proctor: 'proctor1', durationMinutes: 60, scheduledAt: extra.scheduledAt ?? null,
    }, ADMIN)));
  }
}

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`the administrator's console ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
  });
  afterAll(async () => {
    await api?.close();
  });

  async function startAndFinish(id: string) {
    await api.as('student1', `mutation { checkIn(id: "${id}", userAgent: "Chromium") { status } }`);
    await api.as('student1', `mutation { startSession(id: "${id}") { status } }`);
    await api.as('proctor1', `mutation { finishSession(id: "${id}") { status } }`);
  }

  describe('when an administrator acts on several sessions at once', () => {
    const ids = ['bulk-a', 'bulk-b', 'bulk-c'];
    beforeAll(async () => {
      await createMany(api, ids);
      await startAndFinish('bulk-c');
    });

    it('cancels those that have not started and says why the finished one refused', async () => {
      const r = await api.as<{ cancelSessions: Result[] }>('admin', `mutation($ids: [ID!]!) { cancelSessions(ids: $ids, reason: "Room unavailable") { ${RESULT} } }`, { ids: [...ids, 'no-such'] });
      expect(r.cancelSessions.map((x) => [x.id, x.ok, x.code])).toEqual([
        ['bulk-a', true, null], ['bulk-b', true, null], ['bulk-c', false, 'CONFLICT'], ['no-such', false, 'NOT_FOUND'],
      ]);
      expect(r.cancelSessions[2].message).toMatch(/finished/);
      const events = await api.as('auditor1', `{ sessionEvents(id: "bulk-a") { type data metadata } }`);
      expect(events.sessionEvents.at(-1)).toMatchObject({ type: 'SessionCancelled', data: { reason: 'Room unavailable', by: 'admin' }, metadata: { actor: 'admin' } });
      expect((await api.as('admin', `{ session(id: "bulk-b") { status } }`)).session.status).toBe('cancelled');
    });
  });

  it('assigns a proctor, reschedules, pauses and resumes, each session answering for itself', async () => {
    const ids = ['act-1', 'act-2'];
    await createMany(api, ids, { scheduledAt: new Date(inHours(1)) });
    const assigned = await api.as('admin', `mutation($ids: [ID!]!) { assignProctorToSessions(ids: $ids, proctor: "proctor2") { ${RESULT} } }`, { ids });
    expect(assigned.assignProctorToSessions.every((x: Result) => x.ok)).toBe(true);
    const at = inHours(48);
    const moved = await api.as('admin', `mutation($ids: [ID!]!, $at: DateTimeISO!) { rescheduleSessions(ids: $ids, scheduledAt: $at) { ${RESULT} } }`, { ids, at });
    expect(moved.rescheduleSessions.every((x: Result) => x.ok)).toBe(true);
    const row = await api.as('admin', `{ session(id: "act-1") { proctor scheduledAt date } }`);
    expect(row.session).toEqual({ proctor: 'proctor2', scheduledAt: at, date: at });

    // act-1 runs, act-2 has not started: pause and resume touch only the running one.
    const paused = await api.as('admin', `mutation($ids: [ID!]!) { pauseSessions(ids: $ids) { ${RESULT} } }`, { ids });
    expect(paused.pauseSessions.map((x: Result) => x.ok)).toEqual([false, false]);
    await api.as('admin', `mutation($ids: [ID!]!, $at: DateTimeISO!) { rescheduleSessions(ids: $ids, scheduledAt: $at) { ${RESULT} } }`, { ids: ['act-1'], at: inHours(0) });
    await api.as('student1', `mutation { checkIn(id: "act-1", userAgent: "Chromium") { status } }`);
    await api.as('student1', `mutation { startSession(id: "act-1") { status } }`);
    const paused2 = await api.as('admin', `mutation($ids: [ID!]!) { pauseSessions(ids: $ids) { ${RESULT} } }`, { ids });
    expect(paused2.pauseSessions.map((x: Result) => [x.id, x.ok])).toEqual([['act-1', true], ['act-2', false]]);
    expect((await api.as('admin', `{ session(id: "act-1") { status } }`)).session.status).toBe('paused');
    const resumed = await api.as('admin', `mutation { resumeSessions(ids: ["act-1"]) { ${RESULT} } }`);
    expect(resumed.resumeSessions).toEqual([{ id: 'act-1', ok: true, code: null, message: null }]);
  });

  it('lets only administrators act in bulk; proctors pause their own sessions one at a time', async () => {
    await createMany(api, ['auth-1']);
    for (const who of ['proctor1', 'student1', 'auditor1', 'lms']) {
      expect(await api.errorCode(who, `mutation { cancelSessions(ids: ["auth-1"], reason: "x") { id } }`), who).toBe('FORBIDDEN');
      expect(await api.errorCode(who, `mutation { pauseSessions(ids: ["auth-1"]) { id } }`), who).toBe('FORBIDDEN');
    }
    expect(await api.errorCode(null, `mutation { pauseSessions(ids: ["auth-1"]) { id } }`)).toBe('UNAUTHENTICATED');
    expect(await api.errorCode('proctor1', `mutation { rescheduleSession(id: "auth-1", scheduledAt: "${inHours(5)}") { id } }`)).toBe('FORBIDDEN');
    expect((await api.as('admin', `{ session(id: "auth-1") { status } }`)).session.status).toBe('scheduled');
  });

  it('refuses more than 1,000 sessions in one request', async () => {
    const ids = Array.from({ length: 1001 }, (_, i) => `over-${i}`);
    const r = await api.gql(`mutation($ids: [ID!]!) { pauseSessions(ids: $ids) { id } }`, { ids }, await api.login('admin'));
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(r.errors?.[0].message).toMatch(/at most 1000/);
  });

  it('reassigns 1,000 sessions in one request', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `many-${String(i).padStart(4, '0')}`);
    await createMany(api, ids);
    const r = await api.as<{ assignProctorToSessions: Result[] }>('admin', `mutation($ids: [ID!]!) { assignProctorToSessions(ids: $ids, proctor: "proctor2") { ${RESULT} } }`, { ids });
    expect(r.assignProctorToSessions.map((x) => x.id)).toEqual(ids);
    expect(r.assignProctorToSessions.filter((x) => !x.ok)).toEqual([]);
    const count = await api.as('admin', `{ sessions(query: "proctor = proctor2 & session ~ \\"^many-\\"", first: 1) { totalCount } }`);
    expect(count.sessions.totalCount).toBe(1000);
  }, 300_000);

  describe('when the list is sorted and paged', () => {
    const names = ['delta', 'Alpha', 'charlie', 'bravo', 'echo'];
    beforeAll(async () => createMany(api, names.map((n) => `sort-${n}`), { name: (i) => `Sorted ${names[i]}` }));

    async function pages(orderBy: string, descending: boolean) {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const r: any = await api.as('admin', `query($after: String) { sessions(query: "name ~ \\"^Sorted\\"", first: 2, after: $after, orderBy: ${orderBy}, descending: ${descending}) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }`, { after });
        expect(r.sessions.totalCount).toBe(5);
        seen.push(...r.sessions.edges.map((e: { node: { name: string } }) => e.node.name.replace('Sorted ', '')));
        if (!r.sessions.pageInfo.hasNextPage) return seen;
        after = r.sessions.pageInfo.endCursor;
      }
    }

    it('pages through every row once in the order asked, ignoring case', async () => {
      expect(await pages('name', false)).toEqual(['Alpha', 'bravo', 'charlie', 'delta', 'echo']);
      expect(await pages('name', true)).toEqual(['echo', 'delta', 'charlie', 'bravo', 'Alpha']);
    });

    it('refuses a cursor from a list in another order', async () => {
      const r = await api.as('admin', `{ sessions(first: 1, orderBy: name) { pageInfo { endCursor } } }`);
      const code = await api.errorCode('admin', `query($after: String) { sessions(first: 1, after: $after, orderBy: score) { totalCount } }`, { after: r.sessions.pageInfo.endCursor });
      expect(code).toBe('BAD_USER_INPUT');
    });

    it('sorts by score and by proctor with the empty ones first', async () => {
      const byScore = await api.as('admin', `{ sessions(first: 3, orderBy: score) { edges { node { score } } } }`);
      expect(byScore.sessions.edges.map((e: { node: { score: number | null } }) => e.node.score)).toEqual([null, null, null]);
      const byProctor = await api.as('admin', `{ sessions(first: 500, orderBy: proctor, descending: true) { edges { node { proctor } } } }`);
      const proctors = byProctor.sessions.edges.map((e: { node: { proctor: string | null } }) => e.node.proctor);
      expect(proctors).toEqual([...proctors].sort((a, b) => (b ?? '').localeCompare(a ?? '')));
    });
  });
});
