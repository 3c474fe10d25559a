import { randomUUID } from 'node:crypto';
import { Arg, Ctx, Float, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import {
  appointCommittee, castVote, closeReview, inviteToHearing, inviteWitness, joinRoom, leaveRoom, postMessage, takePresenting,
} from '../../app/committee/review.js';
import { movePosition } from '../../app/committee/position.js';
import type { Actor } from '../../domain/core/decider.js';
import { UnauthenticatedError } from '../../domain/core/errors.js';
import { assignmentsOf, getReview, voteOf } from '../../projections/committee/queries.js';
import type { ApiContext } from '../context.js';
import { committeeChangedSource } from './live.js';
import {
  CommitteeAssignment, CommitteeChange, CommitteeReview, CommitteeVote, CommitteeVoteChoice, PresenterPosition,
} from './committee.type.js';
import { reviewFor } from './view.js';

function signedIn(ctx: ApiContext): Actor {
  if (!ctx.actor) throw new UnauthenticatedError('sign in first');
  return ctx.actor;
}

/** Run the use case, answer with the review as the read model now has it, as the caller may see it. */
async function act(ctx: ApiContext, sessionId: string, run: (actor: Actor) => Promise<unknown>): Promise<CommitteeReview> {
  await run(signedIn(ctx));
  return reviewFor(ctx.actor, await getReview(ctx.core.db, sessionId), sessionId);
}

@Resolver()
export class CommitteeResolver {
  @Query(() => CommitteeReview, { nullable: true, description: 'The examination committee\'s review of a session (null: none appointed, for administrators and auditors).' })
  async committeeReview(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: ApiContext): Promise<CommitteeReview | null> {
    const actor = signedIn(ctx);
    const row = await getReview(ctx.core.db, sessionId);
    if (!row && (actor.role === 'admin' || actor.role === 'auditor')) return null;
    return reviewFor(actor, row, sessionId);
  }

  @Query(() => [CommitteeAssignment], { description: 'The reviews you sit on, witness or are heard in, newest first.' })
  async myCommitteeReviews(@Ctx() ctx: ApiContext): Promise<CommitteeAssignment[]> {
    return assignmentsOf(ctx.core.db, signedIn(ctx).id);
  }

  @Query(() => CommitteeVote, { nullable: true, description: 'Your own vote in a review (the others\' show once it is closed).' })
  async myCommitteeVote(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: ApiContext): Promise<CommitteeVote | null> {
    const actor = signedIn(ctx);
    const v = await voteOf(ctx.core.db, sessionId, actor.id);
    return v ? { member: actor.id, vote: CommitteeVoteChoice[v.vote], comment: v.comment, at: v.at } : null;
  }

  @Mutation(() => CommitteeReview, { description: 'Sends a concluded session to an examination committee: its members and chair (administrators; again to change them until someone votes).' })
  appointCommittee(
    @Arg('sessionId', () => ID) sessionId: string, @Arg('members', () => [String]) members: string[], @Arg('chair', () => String) chair: string, @Ctx() ctx: ApiContext,
  ) {
    return act(ctx, sessionId, (actor) => appointCommittee(ctx.core, actor, sessionId, members, chair));
  }

  @Mutation(() => CommitteeReview, { description: 'Invites the session\'s proctor to the room as a witness (administrators).' })
  inviteCommitteeWitness(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: ApiContext) {
    return act(ctx, sessionId, (actor) => inviteWitness(ctx.core, actor, sessionId));
  }

  @Mutation(() => CommitteeReview, { description: 'Invites the test-taker to a hearing in the room (administrators).' })
  inviteToHearing(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: ApiContext) {
    return act(ctx, sessionId, (actor) => inviteToHearing(ctx.core, actor, sessionId));
  }

  @Mutation(() => CommitteeReview, { description: 'Comes into the committee\'s room (members, the invited witness and test-taker, administrators).' })
  joinCommitteeRoom(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: ApiContext) {
    return act(ctx, sessionId, (actor) => joinRoom(ctx.core, actor, sessionId));
  }

  @Mutation(() => CommitteeReview, { description: 'Leaves the committee\'s room.' })
  leaveCommitteeRoom(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: ApiContext) {
    return act(ctx, sessionId, (actor) => leaveRoom(ctx.core, actor, sessionId));
  }

  @Mutation(() => CommitteeReview, { description: 'Takes over presenting: the others follow your position in the protocol (members in the room).' })
  takePresenting(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: ApiContext) {
    return act(ctx, sessionId, (actor) => takePresenting(ctx.core, actor, sessionId));
  }

  @Mutation(() => PresenterPosition, {
    description: 'The presenter\'s playhead and selected minute, relayed to the room over `committeeChanged` (at most ten a second; the last always goes). Not stored.',
  })
  async moveCommitteePosition(
    @Arg('sessionId', () => ID) sessionId: string, @Arg('time', () => Float) time: number, @Ctx() ctx: ApiContext,
    @Arg('minute', () => Int, { nullable: true }) minute?: number | null, @Arg('playing', () => Boolean, { defaultValue: false }) playing?: boolean,
  ): Promise<PresenterPosition> {
    const p = await movePosition(ctx.core, ctx.media.signals, signedIn(ctx), sessionId, { time, minute: minute ?? null, playing: playing ?? false });
    return { ...p, at: new Date(p.at) };
  }

  @Mutation(() => CommitteeReview, { description: 'Writes in the room\'s chat (the committee, its witness and administrators); kept with the review.' })
  postCommitteeMessage(
    @Arg('sessionId', () => ID) sessionId: string, @Arg('text', () => String) text: string, @Ctx() ctx: ApiContext,
    @Arg('messageId', () => ID, { nullable: true }) messageId?: string | null,
  ) {
    return act(ctx, sessionId, (actor) => postMessage(ctx.core, actor, sessionId, messageId ?? randomUUID(), text));
  }

  @Mutation(() => CommitteeReview, { description: 'Votes to uphold or overturn the proctor\'s conclusion, with a comment; may be changed until the review is closed (members).' })
  castCommitteeVote(
    @Arg('sessionId', () => ID) sessionId: string, @Arg('vote', () => CommitteeVoteChoice) vote: CommitteeVoteChoice, @Arg('comment', () => String) comment: string,
    @Ctx() ctx: ApiContext,
  ) {
    return act(ctx, sessionId, (actor) => castVote(ctx.core, actor, sessionId, vote, comment));
  }

  @Mutation(() => CommitteeReview, {
    description: 'Closes the review (the chair): the majority decides, the chair\'s vote breaks a tie, and the decision becomes the session\'s final conclusion.',
  })
  closeCommitteeReview(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: ApiContext) {
    return act(ctx, sessionId, (actor) => closeReview(ctx.core, actor, sessionId));
  }

  @Subscription(() => CommitteeChange, {
    description: 'Every change in a committee\'s room (joins, leaves, presenter, chat, votes, decision) and the presenter\'s position as it moves.',
    subscribe: ({ args, context }) => committeeChangedSource(context as ApiContext, (args as { sessionId: string }).sessionId),
  })
  committeeChanged(@Root() change: CommitteeChange, @Arg('sessionId', () => ID) _sessionId: string): CommitteeChange {
    return change;
  }
}
