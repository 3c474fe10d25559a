import type { Core } from '../core/core.js';
import type { Actor } from '../../domain/core/decider.js';
import { ForbiddenError, IllegalStateError, NotFoundError, ValidationError } from '../../domain/core/errors.js';
import { identifier } from '../../domain/core/fields.js';
import type { Nominee } from '../../domain/committee/commands.js';
import { committeeDecider, MAX_MEMBERS } from '../../domain/committee/decide.js';
import { committeeStreamId, type CommitteeEvent, type Vote } from '../../domain/committee/events.js';
import type { CommitteeReview } from '../../domain/committee/state.js';

/** The use cases of an examination committee: each runs one command on the review (and the session where it must know). */

/** Who sits on it and who chairs it, given by an administrator; accounts are looked up for their roles. */
export async function appointCommittee(core: Core, actor: Actor, sessionId: string, members: readonly string[], chair: string): Promise<CommitteeReview> {
  identifier(sessionId, 'session id');
  if (!Array.isArray(members) || members.length > MAX_MEMBERS) throw new ValidationError(`a committee has 1 to ${MAX_MEMBERS} members`, { field: 'members' });
  const { state: session } = await core.loadSession(sessionId);
  if (session.status === 'none') throw new NotFoundError(`no session ${sessionId}`);
  const nominees: Nominee[] = [];
  for (const username of members) {
    const account = await core.loadAccount(String(username));
    if (account.status !== 'active') throw new ValidationError(`no active account ${JSON.stringify(String(username).slice(0, 40))}`, { field: 'members' });
    nominees.push({ username: account.username, role: account.role });
  }
  const reviewed = {
    sessionId, status: session.status, student: session.student, proctor: session.proctor,
    conclusion: session.status === 'concluded' ? session.conclusion : null,
  };
  const { events, state } = await core.committee(sessionId, 'AppointCommittee', { session: reviewed, members: nominees, chair }, actor);
  if (events.length > 0 && state.status === 'open') {
    await core.session(sessionId, 'SendToCommittee', { members: [...state.members], chair: state.chair }, actor);
  }
  return state;
}

export async function inviteWitness(core: Core, actor: Actor, sessionId: string): Promise<CommitteeReview> {
  return (await core.committee(identifier(sessionId, 'session id'), 'InviteWitness', {}, actor)).state;
}

export async function inviteToHearing(core: Core, actor: Actor, sessionId: string): Promise<CommitteeReview> {
  return (await core.committee(identifier(sessionId, 'session id'), 'InviteToHearing', {}, actor)).state;
}

export async function joinRoom(core: Core, actor: Actor, sessionId: string): Promise<CommitteeReview> {
  return (await core.committee(identifier(sessionId, 'session id'), 'JoinCommitteeRoom', {}, actor)).state;
}

export async function leaveRoom(core: Core, actor: Actor, sessionId: string): Promise<CommitteeReview> {
  return (await core.committee(identifier(sessionId, 'session id'), 'LeaveCommitteeRoom', {}, actor)).state;
}

export async function takePresenting(core: Core, actor: Actor, sessionId: string): Promise<CommitteeReview> {
  return (await core.committee(identifier(sessionId, 'session id'), 'TakePresenting', {}, actor)).state;
}

export async function postMessage(core: Core, actor: Actor, sessionId: string, messageId: string, text: string): Promise<CommitteeReview> {
  return (await core.committee(identifier(sessionId, 'session id'), 'PostCommitteeMessage', { messageId, text }, actor)).state;
}

export async function castVote(core: Core, actor: Actor, sessionId: string, vote: Vote, comment: string): Promise<CommitteeReview> {
  return (await core.committee(identifier(sessionId, 'session id'), 'CastCommitteeVote', { vote, comment }, actor)).state;
}

/**
 * The chair closes the review; its decision then becomes the session's final conclusion. Two streams, one after the
 * other: should the second write fail, the review is closed and the chair closing again finishes the session's part.
 */
export async function closeReview(core: Core, actor: Actor, sessionId: string): Promise<CommitteeReview> {
  identifier(sessionId, 'session id');
  const review = await loadReview(core, sessionId);
  let closed = review;
  if (review.status === 'closed') {
    const { state: session } = await core.loadSession(sessionId);
    if (session.status !== 'none' && session.committee === 'decided') throw new IllegalStateError('the review is closed and its decision is final');
    if (actor.id.toLowerCase() !== review.chair.toLowerCase()) throw new ForbiddenError('only the chair closes the review');
  } else {
    closed = (await core.committee(sessionId, 'CloseCommitteeReview', {}, actor)).state;
  }
  if (closed.status !== 'closed') return closed;
  const votes = closed.members.filter((m) => closed.votes[m]).map((m) => ({ member: m, ...closed.votes[m] }));
  const tieBrokenByChair = votes.filter((v) => v.vote === 'uphold').length * 2 === votes.length;
  await core.session(sessionId, 'RecordCommitteeDecision', { decision: closed.decision, conclusion: closed.conclusion, votes, tieBrokenByChair }, actor);
  return closed;
}

/** The review as its stream says (the write model: for deciding who may act, never for answering lists). */
export async function loadReview(core: Core, sessionId: string): Promise<CommitteeReview> {
  const events = await core.store.readStream<CommitteeEvent>(committeeStreamId(sessionId));
  return events.reduce((s, e) => committeeDecider.evolve(s, e), committeeDecider.initialState());
}
