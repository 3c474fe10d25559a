import type { Actor } from '../../domain/core/decider.js';
import { NotFoundError } from '../../domain/core/errors.js';
import type { ReviewRow } from '../../projections/committee/queries.js';
import { CommitteeVoteChoice, type CommitteeReview } from './committee.type.js';

/** How someone sees a review: as the committee does, as the test-taker at a hearing does, or not at all. */
export type Viewpoint = 'committee' | 'hearing' | null;

export function viewpointOf(actor: Actor | null, row: ReviewRow): Viewpoint {
  if (!actor) return null;
  const id = actor.id.toLowerCase();
  if (row.members.some((m) => m.toLowerCase() === id) || row.witness?.toLowerCase() === id) return 'committee';
  if (actor.role === 'admin' || actor.role === 'auditor') return 'committee';
  if (actor.role === 'student' && row.hearing && row.student.toLowerCase() === id) return 'hearing';
  return null;
}

/** The review as `actor` may see it; a review they have no place in is "not found", so ids cannot be probed. */
export function reviewFor(actor: Actor | null, row: ReviewRow | null, sessionId: string): CommitteeReview {
  const viewpoint = row ? viewpointOf(actor, row) : null;
  if (!row || !viewpoint) throw new NotFoundError(`no committee review of session ${sessionId.slice(0, 60)}`);
  const closed = row.status === 'closed';
  const committee = viewpoint === 'committee';
  return {
    sessionId: row.sessionId, status: row.status, members: [...row.members], chair: row.chair, witness: row.witness, hearing: row.hearing,
    inRoom: row.inRoom.map((p) => ({ ...p })), presenter: row.presenter,
    proctorConclusion: committee ? row.proctorConclusion : null,
    votes: committee
      ? row.votes.map((v) => ({ member: v.member, vote: closed ? CommitteeVoteChoice[v.vote] : null, comment: closed ? v.comment : null, at: v.at }))
      : [],
    messages: committee ? row.messages.map((m) => ({ id: m.messageId, from: m.from, text: m.text, at: m.at })) : [],
    decision: committee ? row.decision : null,
    conclusion: committee ? row.conclusion : null,
    tieBrokenByChair: committee && row.tieBrokenByChair,
    closedAt: row.closedAt,
  };
}
