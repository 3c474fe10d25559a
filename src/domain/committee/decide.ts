import type { Actor, Decider } from '../core/decider.js';
import { assertNever, ForbiddenError, IllegalStateError, ValidationError } from '../core/errors.js';
import { identifier, text } from '../core/fields.js';
import type { CommitteeCommand, CommitteeCommandOf } from './commands.js';
import type { CastVote, CommitteeEvent, RoomRole } from './events.js';
import { evolveReview, initialReview, type CommitteeReview } from './state.js';

/** Longest comment or chat message; the most members a committee has (a conference, not an assembly). */
export const MAX_COMMITTEE_TEXT = 2000;
export const MAX_MEMBERS = 12;
const MEMBER_ROLES = new Set(['committee', 'proctor', 'admin']);

type Open = Extract<CommitteeReview, { status: 'open' }>;
type Existing = Exclude<CommitteeReview, { status: 'none' }>;

function existing(state: CommitteeReview, action: string): Existing {
  if (state.status === 'none') throw new IllegalStateError(`cannot ${action}: no committee is appointed for this session`);
  return state;
}

function open(state: CommitteeReview, action: string): Open {
  const s = existing(state, action);
  if (s.status === 'closed') throw new IllegalStateError(`cannot ${action}: the review is closed and its decision is final`);
  return s;
}

function adminOnly(actor: Actor, action: string): void {
  if (actor.role !== 'admin') throw new ForbiddenError(`only an administrator can ${action}`);
}

const same = (a: string, b: string | null) => b !== null && a.toLowerCase() === b.toLowerCase();
const isMember = (s: Existing, who: string) => s.members.some((m) => same(who, m));

function appoint(command: CommitteeCommandOf<'AppointCommittee'>, state: CommitteeReview): CommitteeEvent[] {
  const { actor, now } = command.metadata;
  adminOnly(actor, 'appoint a committee');
  if (state.status === 'closed') throw new IllegalStateError('the review is closed and its decision is final');
  if (state.status === 'open' && Object.keys(state.votes).length > 0) throw new IllegalStateError('members have voted: the committee can no longer change');
  const { session, members, chair } = command.data;
  if (session.status !== 'concluded' || !session.conclusion) {
    throw new IllegalStateError('only a finished session with the proctor\'s conclusion can go to committee');
  }
  if (!Array.isArray(members) || members.length === 0) throw new ValidationError('appoint at least one member', { field: 'members' });
  if (members.length > MAX_MEMBERS) throw new ValidationError(`a committee has at most ${MAX_MEMBERS} members, not ${members.length}`, { field: 'members' });
  const names: string[] = [];
  for (const m of members) {
    if (names.some((n) => same(n, m.username))) throw new ValidationError(`${m.username} is named twice`, { field: 'members' });
    if (same(m.username, session.student)) throw new ValidationError('the test-taker cannot sit on their own committee; invite them to a hearing', { field: 'members' });
    if (same(m.username, session.proctor)) throw new ValidationError('the session\'s proctor cannot judge their own conclusion; invite them as a witness', { field: 'members' });
    if (!MEMBER_ROLES.has(m.role)) throw new ValidationError(`${m.username} is a ${m.role}: members are committee members, proctors or administrators`, { field: 'members' });
    names.push(m.username);
  }
  const chairName = names.find((n) => same(n, chair));
  if (!chairName) throw new ValidationError(`the chair ${JSON.stringify(String(chair).slice(0, 40))} must be one of the members`, { field: 'chair' });
  if (state.status === 'open' && state.chair === chairName && state.members.join('\n') === names.join('\n')) return [];
  return [{
    type: 'CommitteeAppointed',
    data: {
      sessionId: session.sessionId, student: session.student, proctor: session.proctor, proctorConclusion: session.conclusion,
      members: names, chair: chairName, by: actor.id, at: now.toISOString(),
    },
  }];
}

function inviteWitness(command: CommitteeCommandOf<'InviteWitness'>, state: CommitteeReview): CommitteeEvent[] {
  const { actor, now } = command.metadata;
  adminOnly(actor, 'invite a witness');
  const s = open(state, 'invite the proctor');
  if (!s.proctor) throw new IllegalStateError('the session had no proctor to invite');
  if (s.witness) return [];
  return [{ type: 'WitnessInvited', data: { witness: s.proctor, by: actor.id, at: now.toISOString() } }];
}

function inviteToHearing(command: CommitteeCommandOf<'InviteToHearing'>, state: CommitteeReview): CommitteeEvent[] {
  const { actor, now } = command.metadata;
  adminOnly(actor, 'invite the test-taker to a hearing');
  const s = open(state, 'invite the test-taker');
  if (s.hearing) return [];
  return [{ type: 'HearingInvited', data: { student: s.student, by: actor.id, at: now.toISOString() } }];
}

/** Who `actor` is in this review's room, or null when they have no place in it. */
export function roomRoleOf(s: CommitteeReview, actor: Actor): RoomRole | null {
  if (s.status === 'none') return null;
  if (isMember(s, actor.id)) return 'member';
  if (same(actor.id, s.witness)) return 'witness';
  if (s.hearing && actor.role === 'student' && same(actor.id, s.student)) return 'test-taker';
  if (actor.role === 'admin') return 'admin';
  return null;
}

function join(command: CommitteeCommandOf<'JoinCommitteeRoom'>, state: CommitteeReview): CommitteeEvent[] {
  const { actor, now } = command.metadata;
  const s = open(state, 'join the room');
  const as = roomRoleOf(s, actor);
  if (!as) throw new ForbiddenError('only the committee and the people it invited may join this room');
  if (s.inRoom[actor.id] === as) return [];
  return [{ type: 'CommitteeRoomJoined', data: { participant: actor.id, as, at: now.toISOString() } }];
}

function leave(command: CommitteeCommandOf<'LeaveCommitteeRoom'>, state: CommitteeReview): CommitteeEvent[] {
  const { actor, now } = command.metadata;
  const s = existing(state, 'leave the room');
  if (!(actor.id in s.inRoom)) return [];
  return [{ type: 'CommitteeRoomLeft', data: { participant: actor.id, at: now.toISOString() } }];
}

function takePresenting(command: CommitteeCommandOf<'TakePresenting'>, state: CommitteeReview): CommitteeEvent[] {
  const { actor, now } = command.metadata;
  const s = open(state, 'present');
  if (!isMember(s, actor.id)) throw new ForbiddenError('only a member of the committee presents');
  if (!(actor.id in s.inRoom)) throw new IllegalStateError('join the room before presenting');
  if (s.presenter === actor.id) return [];
  return [{ type: 'PresenterChanged', data: { presenter: actor.id, previous: s.presenter, at: now.toISOString() } }];
}

function post(command: CommitteeCommandOf<'PostCommitteeMessage'>, state: CommitteeReview): CommitteeEvent[] {
  const { actor, now } = command.metadata;
  const s = open(state, 'write in the room');
  const role = roomRoleOf(s, actor);
  // The hearing is spoken: the test-taker neither reads nor writes the committee's chat.
  if (!role || role === 'test-taker') throw new ForbiddenError('only the committee, its witness and administrators write in the room\'s chat');
  identifier(command.data.messageId, 'message id');
  if (s.messageIds.includes(command.data.messageId)) return [];
  const body = text(command.data.text, 'message', MAX_COMMITTEE_TEXT, { multiline: true });
  return [{ type: 'CommitteeMessagePosted', data: { messageId: command.data.messageId, from: actor.id, text: body, at: now.toISOString() } }];
}

function vote(command: CommitteeCommandOf<'CastCommitteeVote'>, state: CommitteeReview): CommitteeEvent[] {
  const { actor, now } = command.metadata;
  const s = open(state, 'vote');
  if (actor.role === 'student') throw new ForbiddenError('the test-taker does not vote');
  if (!isMember(s, actor.id)) throw new ForbiddenError('only members of the committee vote');
  const { vote: v } = command.data;
  if (v !== 'uphold' && v !== 'overturn') throw new ValidationError(`vote ${JSON.stringify(String(v).slice(0, 20))} is neither uphold nor overturn`, { field: 'vote' });
  const comment = text(command.data.comment, 'comment', MAX_COMMITTEE_TEXT, { multiline: true });
  const member = s.members.find((m) => same(actor.id, m)) ?? actor.id;
  const before = s.votes[member];
  if (before && before.vote === v && before.comment === comment) return [];
  return [{ type: 'CommitteeVoteCast', data: { member, vote: v, comment, at: now.toISOString() } }];
}

function close(command: CommitteeCommandOf<'CloseCommitteeReview'>, state: CommitteeReview): CommitteeEvent[] {
  const { actor, now } = command.metadata;
  const s = open(state, 'close the review');
  if (!same(actor.id, s.chair)) throw new ForbiddenError('only the chair closes the review');
  const votes: CastVote[] = s.members.filter((m) => s.votes[m]).map((m) => ({ member: m, ...s.votes[m] }));
  if (votes.length === 0) throw new IllegalStateError('nobody has voted yet');
  const uphold = votes.filter((v) => v.vote === 'uphold').length;
  const overturn = votes.length - uphold;
  const tie = uphold === overturn;
  const chairVote = s.votes[s.chair]?.vote;
  if (tie && !chairVote) throw new IllegalStateError('the votes are even: the chair votes to break the tie');
  const upheld = tie ? chairVote === 'uphold' : uphold > overturn;
  const flip = s.proctorConclusion === 'positive' ? 'negative' : 'positive';
  return [{
    type: 'CommitteeReviewClosed',
    data: { decision: upheld ? 'upheld' : 'overturned', conclusion: upheld ? s.proctorConclusion : flip, votes, tieBrokenByChair: tie, by: actor.id, at: now.toISOString() },
  }];
}

export function decideReview(command: CommitteeCommand, state: CommitteeReview): CommitteeEvent[] {
  switch (command.type) {
    case 'AppointCommittee': return appoint(command, state);
    case 'InviteWitness': return inviteWitness(command, state);
    case 'InviteToHearing': return inviteToHearing(command, state);
    case 'JoinCommitteeRoom': return join(command, state);
    case 'LeaveCommitteeRoom': return leave(command, state);
    case 'TakePresenting': return takePresenting(command, state);
    case 'PostCommitteeMessage': return post(command, state);
    case 'CastCommitteeVote': return vote(command, state);
    case 'CloseCommitteeReview': return close(command, state);
    default:
      return assertNever(command, 'committee command');
  }
}

export const committeeDecider: Decider<CommitteeCommand, CommitteeEvent, CommitteeReview> = {
  initialState: initialReview,
  decide: decideReview,
  evolve: evolveReview,
};
