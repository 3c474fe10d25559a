import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApi, type TestApi } from '../support/api.js';

const COMMENT = 'Phone visible on the desk at 10:42; answers match a leaked key.';
const MESSAGE = 'Your result needs a review. The exam office will write to you this week.';

describe('the conclusion\'s two texts: the comment for the record, the message to the test-taker', () => {
  let api: TestApi;
  let activity: ReturnType<TestApi['subscribe']>;

  beforeAll(async () => {
    api = await startTestApi();
    await api.createSession('concl-1');
    await api.as('student1', `mutation { checkIn(id: "concl-1", userAgent: "ua") { id } }`);
    await api.as('student1', `mutation { startSession(id: "concl-1") { id } }`);
    activity = api.subscribe(api.wsClient(await api.login('student1')), `subscription { sessionActivity(id: "concl-1") { type data } }`);
    await activity.ready;
    await api.as('proctor1', `mutation($c: String, $m: String) { finishSession(id: "concl-1", conclusion: negative, comment: $c, messageToStudent: $m) { id } }`, { c: COMMENT, m: MESSAGE });
  });
  afterAll(async () => {
    activity.dispose();
    await api.close();
  });

  it('shows staff both', async () => {
    for (const who of ['proctor1', 'admin', 'auditor1']) {
      const { session } = await api.as(who, `{ session(id: "concl-1") { conclusion comment messageToStudent } }`);
      expect(session, who).toEqual({ conclusion: 'negative', comment: COMMENT, messageToStudent: MESSAGE });
    }
  });

  it('shows the test-taker the message and never the comment: not in the session, its list, its timeline or its live activity', async () => {
    const { session } = await api.as('student1', `{ session(id: "concl-1") { conclusion comment messageToStudent timeline { type data } } }`);
    expect(session).toMatchObject({ conclusion: 'negative', comment: null, messageToStudent: MESSAGE });
    expect(JSON.stringify(session.timeline)).not.toContain(COMMENT);
    expect(session.timeline.find((e: { type: string }) => e.type === 'SessionConcluded').data).toMatchObject({ conclusion: 'negative', messageToStudent: MESSAGE });
    const list = await api.as('student1', `{ sessions { edges { node { id comment messageToStudent } } } }`);
    expect(list.sessions.edges).toEqual([{ node: { id: 'concl-1', comment: null, messageToStudent: MESSAGE } }]);
    const concluded = await eventually(() => activity.results.map((r) => r.data?.sessionActivity).find((a) => a?.type === 'SessionConcluded'));
    expect(concluded.data).toMatchObject({ conclusion: 'negative', messageToStudent: MESSAGE });
    expect(JSON.stringify(activity.results)).not.toContain(COMMENT);
  });

  it('does not let the test-taker search the comment letter by letter', async () => {
    expect(await api.errorCode('student1', `{ sessions(query: "comment~^Phone") { totalCount } }`)).toBe('FORBIDDEN');
    expect(await api.errorCode('proctor1', `{ sessions(query: "comment~^Phone") { totalCount } }`)).toBeUndefined();
  });

  it('keeps the comment alone when the proctor sends no message, and replaces both when an administrator changes the conclusion', async () => {
    await api.as('admin', `mutation { concludeSession(id: "concl-1", conclusion: positive, comment: "Reviewed: the phone was switched off.") { id } }`);
    const { session } = await api.as('student1', `{ session(id: "concl-1") { conclusion comment messageToStudent } }`);
    expect(session).toEqual({ conclusion: 'positive', comment: null, messageToStudent: null });
  });

  it('refuses a message to the test-taker without a conclusion', async () => {
    await api.createSession('concl-2');
    await api.as('student1', `mutation { checkIn(id: "concl-2", userAgent: "ua") { id } }`);
    await api.as('student1', `mutation { startSession(id: "concl-2") { id } }`);
    expect(await api.errorCode('proctor1', `mutation { finishSession(id: "concl-2", messageToStudent: "bye") { id } }`)).toBe('BAD_USER_INPUT');
  });
});

describe('the score, seen by the test-taker', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
    for (const [id, extra] of [['score-hidden', {}], ['score-shown', { scoreVisibleToStudent: true }]] as const) {
      await api.createSession(id, extra);
      await api.as('student1', `mutation { checkIn(id: "${id}", userAgent: "Chromium 156") { id } }`);
      await api.as('student1', `mutation { startSession(id: "${id}") { id } }`);
      await api.as('student1', `mutation { recordMetrics(sessionId: "${id}", minute: 0, values: [{ code: "c2", value: 40 }]) { id } }`);
      await api.as('proctor1', `mutation { finishSession(id: "${id}", conclusion: positive) { id } }`);
    }
  });
  afterAll(async () => {
    await api.close();
  });

  const SCORE = `query($id: ID!) { session(id: $id) { conclusion score averages { code } scoreBreakdown { score } } }`;

  it('is the conclusion only, unless the session shows the score', async () => {
    const hidden = await api.as('student1', SCORE, { id: 'score-hidden' });
    expect(hidden.session).toEqual({ conclusion: 'positive', score: null, averages: [], scoreBreakdown: null });
    const shown = await api.as('student1', SCORE, { id: 'score-shown' });
    expect(shown.session.score).toEqual(expect.any(Number));
    expect(shown.session.scoreBreakdown.score).toBe(shown.session.score);
    // Staff see it either way.
    expect((await api.as('proctor1', SCORE, { id: 'score-hidden' })).session.score).toEqual(expect.any(Number));
  });

  it('cannot be read through the search either', async () => {
    expect(await api.errorCode('student1', `{ sessions(query: "score<50") { totalCount } }`)).toBe('FORBIDDEN');
    expect(await api.errorCode('student1', `{ sessions(query: "averages.c2>10") { totalCount } }`)).toBe('FORBIDDEN');
    const listed = await api.as('student1', `{ sessions { edges { node { id score } } } }`);
    expect(listed.sessions.edges.find((e: { node: { id: string } }) => e.node.id === 'score-hidden').node.score).toBeNull();
  });
});
