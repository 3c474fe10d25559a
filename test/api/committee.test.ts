import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/app/accounts/passwords.js';
import { canJoinConference } from '../../src/app/committee/access.js';
import { SYSTEM_ACTOR } from '../../src/domain/core/decider.js';
import { eventually, PASSWORD, startTestApi, type TestApi } from '../support/api.js';
import { ENGINES } from '../support/engines.js';
import { describeWithServer, NO_POSTGRES_REASON } from '../support/servers.js';

const REVIEW = `query($s: ID!) { committeeReview(sessionId: $s) { status members chair witness hearing presenter proctorConclusion
  inRoom { username as } votes { member vote comment } messages { from text } decision conclusion tieBrokenByChair } }`;
const VOTE = `mutation($s: ID!, $v: CommitteeVoteChoice!, $c: String!) { castCommitteeVote(sessionId: $s, vote: $v, comment: $c) { status } }`;

/** A session taken by student1, proctored by proctor1, finished with a negative conclusion. */
async function concludedSession(api: TestApi, id: string): Promise<void> {
  await api.createSession(id);
  await api.as('student1', `mutation { checkIn(id: "${id}", userAgent: "ua") { id } }`);
  await api.as('student1', `mutation { startSession(id: "${id}") { id } }`);
  await api.as('proctor1', `mutation { finishSession(id: "${id}", conclusion: negative, comment: "phone on the desk") { id } }`);
}

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`the examination committee through the GraphQL API ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  const appoint = (s: string, members = ['alice', 'bob', 'carol'], chair = 'alice') =>
    api.as('admin', `mutation($s: ID!, $m: [String!]!, $c: String!) { appointCommittee(sessionId: $s, members: $m, chair: $c) { status members chair } }`, { s, m: members, c: chair });

  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
    const passwordHash = await hashPassword(PASSWORD);
    for (const username of ['alice', 'bob', 'carol']) await api.core.account(username, 'RegisterAccount', { username, role: 'committee', passwordHash }, SYSTEM_ACTOR);
    await concludedSession(api, 'cmt-1');
  });
  afterAll(async () => {
    await api?.close();
  });

  it('refuses to send a session to committee before the proctor\'s conclusion, and a test-taker as a member', async () => {
    await api.createSession('cmt-early');
    expect(await api.errorCode('admin', `mutation { appointCommittee(sessionId: "cmt-early", members: ["alice"], chair: "alice") { status } }`)).toBe('CONFLICT');
    expect(await api.errorCode('admin', `mutation { appointCommittee(sessionId: "cmt-1", members: ["alice", "student2"], chair: "alice") { status } }`)).toBe('BAD_USER_INPUT');
    expect(await api.errorCode('admin', `mutation { appointCommittee(sessionId: "cmt-1", members: ["nobody"], chair: "nobody") { status } }`)).toBe('BAD_USER_INPUT');
    expect(await api.errorCode('proctor1', `mutation { appointCommittee(sessionId: "cmt-1", members: ["alice"], chair: "alice") { status } }`)).toBe('FORBIDDEN');
  });

  it('appoints members and a chair; the session shows it is under review and members may read its protocol', async () => {
    expect(await api.errorCode('alice', `{ session(id: "cmt-1") { id } }`)).toBe('NOT_FOUND');
    expect((await appoint('cmt-1')).appointCommittee).toEqual({ status: 'open', members: ['alice', 'bob', 'carol'], chair: 'alice' });
    const { session } = await api.as('alice', `{ session(id: "cmt-1") { id conclusion comment timeline { type } } }`);
    expect(session).toMatchObject({ id: 'cmt-1', conclusion: 'negative', comment: 'phone on the desk' });
    const { sessions } = await api.as('admin', `{ sessions(query: "committee.status=open") { edges { node { id } } } }`);
    expect(sessions.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(['cmt-1']);
    const mine = await api.as('bob', `{ myCommitteeReviews { sessionId name status chair } sessions { edges { node { id } } } }`);
    expect(mine.myCommitteeReviews).toEqual([{ sessionId: 'cmt-1', name: 'Exam cmt-1', status: 'open', chair: 'alice' }]);
    expect(mine.sessions.edges).toEqual([{ node: { id: 'cmt-1' } }]);
    expect(await api.errorCode('bob', `{ session(id: "cmt-early") { id } }`)).toBe('NOT_FOUND');
    expect(await api.errorCode('proctor1', `mutation { concludeSession(id: "cmt-1", conclusion: positive) { id } }`)).toBe('CONFLICT');
  });

  it('lets the witness and the test-taker into the room once invited; the test-taker sees no conclusion, votes or chat', async () => {
    expect(await canJoinConference(api.core, { id: 'student1', role: 'student' }, 'cmt-1')).toBe(false);
    expect(await api.errorCode('student1', `mutation { joinCommitteeRoom(sessionId: "cmt-1") { status } }`)).toBe('FORBIDDEN');
    await api.as('admin', `mutation { inviteCommitteeWitness(sessionId: "cmt-1") { witness } inviteToHearing(sessionId: "cmt-1") { hearing } }`);
    for (const who of ['alice', 'bob', 'proctor1', 'student1']) await api.as(who, `mutation { joinCommitteeRoom(sessionId: "cmt-1") { status } }`);
    expect(await canJoinConference(api.core, { id: 'student1', role: 'student' }, 'cmt-1')).toBe(true);
    expect(await canJoinConference(api.core, { id: 'student2', role: 'student' }, 'cmt-1')).toBe(false);
    expect(await canJoinConference(api.core, { id: 'carol', role: 'committee' }, 'cmt-1')).toBe(true);
    await api.as('bob', `mutation { postCommitteeMessage(sessionId: "cmt-1", text: "Look at minute 3") { status } }`);
    expect(await api.errorCode('student1', `mutation { postCommitteeMessage(sessionId: "cmt-1", text: "hi") { status } }`)).toBe('FORBIDDEN');
    const { committeeReview: asStudent } = await api.as('student1', REVIEW, { s: 'cmt-1' });
    expect(asStudent).toMatchObject({ proctorConclusion: null, votes: [], messages: [], decision: null, hearing: true, witness: 'proctor1' });
    expect(asStudent.inRoom).toEqual([{ username: 'alice', as: 'member' }, { username: 'bob', as: 'member' }, { username: 'proctor1', as: 'witness' }, { username: 'student1', as: 'test-taker' }]);
    const { committeeReview: asMember } = await api.as('carol', REVIEW, { s: 'cmt-1' });
    expect(asMember).toMatchObject({ proctorConclusion: 'negative', messages: [{ from: 'bob', text: 'Look at minute 3' }] });
    expect(await api.errorCode('student2', REVIEW, { s: 'cmt-1' })).toBe('NOT_FOUND');
    expect(await api.errorCode('student1', `{ session(id: "cmt-1") { timeline { type } } }`)).toBeUndefined(); // their own session, as ever
  });

  it('relays the presenter\'s position to the others over the subscription, and refuses it from anyone else', async () => {
    const bobSees = api.subscribe(api.wsClient(await api.login('bob')), `subscription { committeeChanged(sessionId: "cmt-1") { review { presenter } position { presenter time minute playing } } }`);
    const studentSees = api.subscribe(api.wsClient(await api.login('student1')), `subscription { committeeChanged(sessionId: "cmt-1") { review { presenter } position { time } } }`);
    await Promise.all([bobSees.ready, studentSees.ready]);
    expect(await api.errorCode('alice', `mutation { moveCommitteePosition(sessionId: "cmt-1", time: 12.5) { time } }`)).toBe('FORBIDDEN');
    await api.as('alice', `mutation { takePresenting(sessionId: "cmt-1") { presenter } }`);
    await eventually(() => bobSees.results.some((r) => r.data?.committeeChanged.review?.presenter === 'alice'));
    for (const time of [10, 11, 42.25]) await api.as('alice', `mutation { moveCommitteePosition(sessionId: "cmt-1", time: ${time}, minute: 0, playing: true) { time } }`);
    const last = await eventually(() => bobSees.results.map((r) => r.data?.committeeChanged.position).filter(Boolean).find((p) => p.time === 42.25));
    expect(last).toEqual({ presenter: 'alice', time: 42.25, minute: 0, playing: true });
    expect(await api.errorCode('bob', `mutation { moveCommitteePosition(sessionId: "cmt-1", time: 1) { time } }`)).toBe('FORBIDDEN');
    expect(await api.errorCode('alice', `mutation { moveCommitteePosition(sessionId: "cmt-1", time: -1) { time } }`)).toBe('BAD_USER_INPUT');
    await eventually(() => studentSees.results.some((r) => r.data?.committeeChanged.review?.presenter === 'alice'));
    expect(studentSees.results.every((r) => r.data?.committeeChanged.position === null)).toBe(true);
    bobSees.dispose();
    studentSees.dispose();
  });

  it('hides the others\' votes until the chair closes; a tie goes the chair\'s way; the decision becomes the session\'s conclusion', async () => {
    expect(await api.errorCode('alice', `mutation { closeCommitteeReview(sessionId: "cmt-1") { status } }`)).toBe('CONFLICT');
    expect(await api.errorCode('student1', VOTE, { s: 'cmt-1', v: 'overturn', c: 'me' })).toBe('FORBIDDEN');
    expect(await api.errorCode('proctor1', VOTE, { s: 'cmt-1', v: 'uphold', c: 'mine' })).toBe('FORBIDDEN');
    expect(await api.errorCode('bob', VOTE, { s: 'cmt-1', v: 'overturn', c: 'x'.repeat(2001) })).toBe('BAD_USER_INPUT');
    await api.as('bob', VOTE, { s: 'cmt-1', v: 'uphold', c: 'hmm' });
    await api.as('bob', VOTE, { s: 'cmt-1', v: 'overturn', c: 'The object is a calculator.' });
    await api.as('alice', VOTE, { s: 'cmt-1', v: 'overturn', c: 'Agreed with Bob.' });
    await api.as('carol', VOTE, { s: 'cmt-1', v: 'uphold', c: 'It is a phone.' });
    await api.as('carol', VOTE, { s: 'cmt-1', v: 'uphold', c: 'It is a phone.' });
    const before = (await api.as('carol', REVIEW, { s: 'cmt-1' })).committeeReview;
    expect(before.votes).toEqual([{ member: 'alice', vote: null, comment: null }, { member: 'bob', vote: null, comment: null }, { member: 'carol', vote: null, comment: null }]);
    expect((await api.as('bob', `{ myCommitteeVote(sessionId: "cmt-1") { vote comment } }`)).myCommitteeVote).toEqual({ vote: 'overturn', comment: 'The object is a calculator.' });
    expect(await api.errorCode('bob', `mutation { closeCommitteeReview(sessionId: "cmt-1") { status } }`)).toBe('FORBIDDEN');
    const closed = (await api.as('alice', `mutation { closeCommitteeReview(sessionId: "cmt-1") { status decision conclusion tieBrokenByChair votes { member vote comment } } }`)).closeCommitteeReview;
    expect(closed).toEqual({
      status: 'closed', decision: 'overturned', conclusion: 'positive', tieBrokenByChair: false,
      votes: [{ member: 'alice', vote: 'overturn', comment: 'Agreed with Bob.' }, { member: 'bob', vote: 'overturn', comment: 'The object is a calculator.' }, { member: 'carol', vote: 'uphold', comment: 'It is a phone.' }],
    });
    const { session } = await api.as('auditor1', `{ session(id: "cmt-1") { conclusion timeline { type data } } }`);
    expect(session.conclusion).toBe('positive');
    const decided = session.timeline.find((e: { type: string }) => e.type === 'CommitteeDecided');
    expect(decided.data).toMatchObject({ decision: 'overturned', conclusion: 'positive', votes: closed.votes });
    const own = (await api.as('student1', `{ session(id: "cmt-1") { conclusion timeline { type } } }`)).session;
    expect(own.conclusion).toBe('positive');
    expect(own.timeline.map((e: { type: string }) => e.type)).not.toContain('CommitteeDecided');
    const { sessions } = await api.as('admin', `{ sessions(query: "committee.decision=overturned & committee.status=closed") { edges { node { id conclusion } } } }`);
    expect(sessions.edges).toEqual([{ node: { id: 'cmt-1', conclusion: 'positive' } }]);
    expect(await api.errorCode('bob', VOTE, { s: 'cmt-1', v: 'uphold', c: 'again' })).toBe('CONFLICT');
    expect(await api.errorCode('alice', `mutation { closeCommitteeReview(sessionId: "cmt-1") { status } }`)).toBe('CONFLICT');
    expect(await api.errorCode('admin', `mutation { concludeSession(id: "cmt-1", conclusion: negative) { id } }`)).toBe('CONFLICT');
    expect(await canJoinConference(api.core, { id: 'alice', role: 'committee' }, 'cmt-1')).toBe(false);
  });

  it('breaks a tie with the chair\'s vote and says so', async () => {
    await concludedSession(api, 'cmt-2');
    await appoint('cmt-2', ['alice', 'bob'], 'bob');
    await api.as('alice', VOTE, { s: 'cmt-2', v: 'overturn', c: 'calculator' });
    await api.as('bob', VOTE, { s: 'cmt-2', v: 'uphold', c: 'phone' });
    const closed = (await api.as('bob', `mutation { closeCommitteeReview(sessionId: "cmt-2") { decision conclusion tieBrokenByChair } }`)).closeCommitteeReview;
    expect(closed).toEqual({ decision: 'upheld', conclusion: 'negative', tieBrokenByChair: true });
    expect((await api.as('admin', `{ session(id: "cmt-2") { conclusion } }`)).session.conclusion).toBe('negative');
  });
});
