import { describe, expect, it } from 'vitest';
import { specFor } from '../../../test/support/spec.js';
import type { Actor } from '../core/decider.js';
import { ForbiddenError, IllegalStateError, ValidationError } from '../core/errors.js';
import type { CommitteeCommand, Nominee, ReviewedSession } from './commands.js';
import { committeeDecider } from './decide.js';
import type { CommitteeEvent } from './events.js';

const now = new Date('2026-03-02T10:00:00.000Z');
const at = now.toISOString();
const admin: Actor = { id: 'admin', role: 'admin' };
const alice: Actor = { id: 'alice', role: 'committee' };
const bob: Actor = { id: 'bob', role: 'committee' };
const carol: Actor = { id: 'carol', role: 'proctor' };
const student: Actor = { id: 'student1', role: 'student' };
const proctor: Actor = { id: 'proctor1', role: 'proctor' };
const spec = specFor(committeeDecider);

const session: ReviewedSession = { sessionId: 's1', status: 'concluded', student: 'student1', proctor: 'proctor1', conclusion: 'negative' };
const nominees: Nominee[] = [{ username: 'alice', role: 'committee' }, { username: 'bob', role: 'committee' }, { username: 'carol', role: 'proctor' }];
const cmd = <T extends CommitteeCommand['type']>(type: T, data: Extract<CommitteeCommand, { type: T }>['data'], actor: Actor): CommitteeCommand =>
  ({ type, data, metadata: { now, actor, commandId: 'c' } }) as CommitteeCommand;
const appoint = (over: Partial<Extract<CommitteeCommand, { type: 'AppointCommittee' }>['data']> = {}) =>
  cmd('AppointCommittee', { session, members: nominees, chair: 'alice', ...over }, admin);
const vote = (actor: Actor, v: 'uphold' | 'overturn', comment = 'seen the recording') => cmd('CastCommitteeVote', { vote: v, comment }, actor);

const appointed: CommitteeEvent = {
  type: 'CommitteeAppointed',
  data: { sessionId: 's1', student: 'student1', proctor: 'proctor1', proctorConclusion: 'negative', members: ['alice', 'bob', 'carol'], chair: 'alice', by: 'admin', at },
};
const joined = (who: string, as: 'member' | 'witness' | 'test-taker' | 'admin' = 'member'): CommitteeEvent => ({ type: 'CommitteeRoomJoined', data: { participant: who, as, at } });
const voted = (member: string, v: 'uphold' | 'overturn', comment = 'seen the recording'): CommitteeEvent => ({ type: 'CommitteeVoteCast', data: { member, vote: v, comment, at } });
const hearing: CommitteeEvent = { type: 'HearingInvited', data: { student: 'student1', by: 'admin', at } };

describe('when an administrator appoints a committee', () => {
  it('records the members, the chair and the conclusion under review', () => spec([]).when(appoint()).then([appointed]));
  it('changes nothing when the same committee is appointed again', () => spec([appointed]).when(appoint()).then([]));
  it('may replace the members while nobody has voted', () =>
    spec([appointed]).when(appoint({ members: nominees.slice(0, 2), chair: 'bob' })).thenMatch([{ type: 'CommitteeAppointed', data: { members: ['alice', 'bob'], chair: 'bob' } }]));
  it('refuses to change the members once someone has voted', () =>
    spec([appointed, voted('bob', 'uphold')]).when(appoint({ members: nominees.slice(0, 2) })).thenThrows(IllegalStateError, /voted/));
  it('refuses a session that has no proctor\'s conclusion yet', () =>
    spec([]).when(appoint({ session: { ...session, status: 'finished', conclusion: null } })).thenThrows(IllegalStateError, /finished session with the proctor's conclusion/));
  it('refuses a test-taker or an auditor as a member', () => {
    spec([]).when(appoint({ members: [...nominees, { username: 'student2', role: 'student' }] })).thenThrows(ValidationError, /student2 is a student/);
    spec([]).when(appoint({ members: [...nominees, { username: 'aud', role: 'auditor' }] })).thenThrows(ValidationError, /aud is a auditor/);
  });
  it('refuses the session\'s own proctor and test-taker as members', () => {
    spec([]).when(appoint({ members: [{ username: 'proctor1', role: 'proctor' }], chair: 'proctor1' })).thenThrows(ValidationError, /witness/);
    spec([]).when(appoint({ members: [{ username: 'student1', role: 'committee' }], chair: 'student1' })).thenThrows(ValidationError, /hearing/);
  });
  it('refuses a chair who is not a member, a member named twice, and an empty committee', () => {
    spec([]).when(appoint({ chair: 'dave' })).thenThrows(ValidationError, /chair/);
    spec([]).when(appoint({ members: [...nominees, { username: 'Alice', role: 'committee' }] })).thenThrows(ValidationError, /twice/);
    spec([]).when(appoint({ members: [] })).thenThrows(ValidationError, /at least one/);
  });
  it('is for administrators only', () => spec([]).when({ ...appoint(), metadata: { now, actor: alice, commandId: 'c' } }).thenThrows(ForbiddenError));
});

describe('when people come into the conference room', () => {
  it('lets members in as members and the invited witness as a witness', () => {
    spec([appointed]).when(cmd('JoinCommitteeRoom', {}, bob)).then([joined('bob')]);
    spec([appointed, { type: 'WitnessInvited', data: { witness: 'proctor1', by: 'admin', at } }]).when(cmd('JoinCommitteeRoom', {}, proctor)).then([joined('proctor1', 'witness')]);
  });
  it('lets the test-taker in only when invited to a hearing', () => {
    spec([appointed]).when(cmd('JoinCommitteeRoom', {}, student)).thenThrows(ForbiddenError);
    spec([appointed, hearing]).when(cmd('JoinCommitteeRoom', {}, student)).then([joined('student1', 'test-taker')]);
  });
  it('records a leave, and a leave of someone not there is nothing', () => {
    spec([appointed, joined('bob')]).when(cmd('LeaveCommitteeRoom', {}, bob)).then([{ type: 'CommitteeRoomLeft', data: { participant: 'bob', at } }]);
    spec([appointed]).when(cmd('LeaveCommitteeRoom', {}, bob)).then([]);
  });
  it('lets any member in the room take over presenting', () => {
    spec([appointed, joined('alice')]).when(cmd('TakePresenting', {}, alice)).then([{ type: 'PresenterChanged', data: { presenter: 'alice', previous: null, at } }]);
    spec([appointed, joined('alice'), joined('bob'), { type: 'PresenterChanged', data: { presenter: 'alice', previous: null, at } }])
      .when(cmd('TakePresenting', {}, bob)).then([{ type: 'PresenterChanged', data: { presenter: 'bob', previous: 'alice', at } }]);
  });
  it('refuses presenting from outside the room or by the test-taker', () => {
    spec([appointed]).when(cmd('TakePresenting', {}, alice)).thenThrows(IllegalStateError, /join the room/);
    spec([appointed, hearing, joined('student1', 'test-taker')]).when(cmd('TakePresenting', {}, student)).thenThrows(ForbiddenError);
  });
  it('keeps the chat, within limits, and not from the test-taker', () => {
    spec([appointed]).when(cmd('PostCommitteeMessage', { messageId: 'm1', text: ' Look at 12:04 ' }, bob))
      .then([{ type: 'CommitteeMessagePosted', data: { messageId: 'm1', from: 'bob', text: 'Look at 12:04', at } }]);
    spec([appointed]).when(cmd('PostCommitteeMessage', { messageId: 'm1', text: 'x'.repeat(2001) }, bob)).thenThrows(ValidationError, /limit is 2000/);
    spec([appointed]).when(cmd('PostCommitteeMessage', { messageId: 'm1', text: 'a\u0007b' }, bob)).thenThrows(ValidationError, /control/);
    spec([appointed, hearing]).when(cmd('PostCommitteeMessage', { messageId: 'm1', text: 'hello' }, student)).thenThrows(ForbiddenError);
  });
});

describe('when members vote', () => {
  it('records a vote with its comment, and a changed vote', () => {
    spec([appointed]).when(vote(bob, 'overturn', 'the phone was a calculator')).then([voted('bob', 'overturn', 'the phone was a calculator')]);
    spec([appointed, voted('bob', 'overturn')]).when(vote(bob, 'uphold')).then([voted('bob', 'uphold')]);
    spec([appointed, voted('bob', 'uphold')]).when(vote(bob, 'uphold')).then([]);
  });
  it('refuses a vote before any appointment', () => spec([]).when(vote(bob, 'uphold')).thenThrows(IllegalStateError, /no committee is appointed/));
  it('refuses a non-member, the test-taker and an empty or overlong comment', () => {
    spec([appointed]).when(vote({ id: 'eve', role: 'committee' }, 'uphold')).thenThrows(ForbiddenError, /only members/);
    spec([appointed, hearing]).when(vote(student, 'overturn')).thenThrows(ForbiddenError, /test-taker does not vote/);
    spec([appointed]).when(vote(bob, 'uphold', '  ')).thenThrows(ValidationError, /comment is empty/);
    spec([appointed]).when(vote(bob, 'uphold', 'x'.repeat(2001))).thenThrows(ValidationError, /limit/);
    spec([appointed]).when(cmd('CastCommitteeVote', { vote: 'abstain' as 'uphold', comment: 'no' }, bob)).thenThrows(ValidationError, /neither/);
  });
});

describe('when the chair closes the review', () => {
  const close = (actor: Actor = alice) => cmd('CloseCommitteeReview', {}, actor);
  it('decides by the majority and gives the session its final conclusion', () =>
    spec([appointed, voted('alice', 'uphold'), voted('bob', 'overturn'), voted('carol', 'overturn')]).when(close()).then([{
      type: 'CommitteeReviewClosed',
      data: {
        decision: 'overturned', conclusion: 'positive', tieBrokenByChair: false, by: 'alice', at,
        votes: [{ member: 'alice', vote: 'uphold', comment: 'seen the recording' }, { member: 'bob', vote: 'overturn', comment: 'seen the recording' }, { member: 'carol', vote: 'overturn', comment: 'seen the recording' }],
      },
    }]));
  it('breaks a tie with the chair\'s vote, and says so', () =>
    spec([appointed, voted('alice', 'uphold'), voted('bob', 'overturn')]).when(close()).thenMatch([
      { type: 'CommitteeReviewClosed', data: { decision: 'upheld', conclusion: 'negative', tieBrokenByChair: true } },
    ]));
  it('refuses a tie the chair has not voted in', () =>
    spec([appointed, voted('bob', 'overturn'), voted('carol', 'uphold')]).when(close()).thenThrows(IllegalStateError, /chair votes to break the tie/));
  it('refuses closing without a vote, or by anyone but the chair', () => {
    spec([appointed]).when(close()).thenThrows(IllegalStateError, /nobody has voted/);
    spec([appointed, voted('bob', 'uphold')]).when(close(bob)).thenThrows(ForbiddenError, /chair/);
  });
  it('refuses everything that would reopen it once closed', () => {
    const closed = committeeDecider.decide(close(), [appointed, voted('alice', 'uphold')].reduce(committeeDecider.evolve, committeeDecider.initialState()));
    const given = [appointed, voted('alice', 'uphold'), ...closed];
    spec(given).when(vote(bob, 'overturn')).thenThrows(IllegalStateError, /closed/);
    spec(given).when(close()).thenThrows(IllegalStateError, /closed/);
    spec(given).when(appoint()).thenThrows(IllegalStateError, /closed/);
    spec(given).when(cmd('JoinCommitteeRoom', {}, bob)).thenThrows(IllegalStateError, /closed/);
    expect(closed).toHaveLength(1);
  });
});
