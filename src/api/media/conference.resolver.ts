import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { IllegalStateError, NotFoundError, UnauthenticatedError } from '../../domain/core/errors.js';
import { canJoinConference } from '../../app/committee/access.js';
import { conferenceAccess, type ConferenceAccess } from '../../media/conference/access.js';
import { conferenceRoomsOf } from '../../media/conference/janus-rooms.js';
import { checkRecipient, checkSignal, conferenceRoom, memberAddress, usernameOfAddress } from '../../media/conference/room.js';
import type { Signal as HubSignal } from '../../media/signalling.js';
import type { ApiContext } from '../context.js';
import { PushQueue } from '../push-queue.js';
import { sdpOf } from './janus.resolver.js';
import { JSON as JSONScalar } from '../scalars.js';

@ObjectType({ description: 'A message in a session\'s conference room: WebRTC negotiation, who came and went, microphone and camera state.' })
export class ConferenceSignal {
  @Field(() => String, { description: 'The sender\'s address in the room (username/tag), or yours for `welcome`.' }) from!: string;
  @Field(() => String) username!: string;
  @Field(() => String, { description: 'welcome, hello, here, description, candidate, state, published or bye' }) kind!: string;
  @Field(() => JSONScalar, { nullable: true }) payload!: unknown;
}

@ObjectType({ description: 'Janus offers a member another member\'s camera and microphone; answer it with startConferenceWatch.' })
export class ConferenceWatchOffer {
  @Field(() => ID) watchId!: string;
  @Field(() => String) sdp!: string;
}

/** Who may join: while the review is open, the committee's members and chair, its invited witness and test-taker, and administrators. */
const accessFor = (ctx: ApiContext): ConferenceAccess => conferenceAccess((actor, sessionId) => canJoinConference(ctx.core, actor, sessionId));

/** The caller's address in the session's room, once the access rule admits them (NOT_FOUND otherwise, as for a session one may not see). */
async function admitted(ctx: ApiContext, sessionId: string, memberId: string): Promise<{ room: string; address: string }> {
  const actor = ctx.actor;
  if (!actor) throw new UnauthenticatedError('sign in first');
  if (!(await accessFor(ctx)(actor, sessionId))) throw new NotFoundError(`no conference for session ${sessionId}`);
  return { room: conferenceRoom(sessionId), address: memberAddress(actor.id, memberId) };
}

function janusOf(ctx: ApiContext) {
  if (!ctx.media.janus) throw new IllegalStateError(`the media engine is ${ctx.config.media}: the conference is browser to browser`);
  return conferenceRoomsOf(ctx.media.janus);
}

const toGraphql = (s: HubSignal): ConferenceSignal => ({ from: s.from, username: usernameOfAddress(s.from), kind: s.kind, payload: s.payload });

/**
 * A member's signals for as long as its subscription lasts: being in the room is being subscribed. The member hears
 * `welcome` first, the others `hello`; when the subscription ends (Leave, a closed tab, a dead browser's socket) the
 * others hear `bye` and, in janus mode, the member's publisher and watches go.
 */
async function memberStream(ctx: ApiContext, room: string, address: string): Promise<AsyncIterableIterator<ConferenceSignal>> {
  const signals = ctx.media.signals;
  let stop = () => {};
  const queue = new PushQueue<ConferenceSignal>(() => stop());
  const unlisten = await signals.listen(room, address, (s) => queue.push(toGraphql(s)));
  stop = () => {
    unlisten();
    void signals.send({ sessionId: room, from: address, to: '*', kind: 'bye', payload: null }).catch(() => {});
    if (ctx.media.janus) void conferenceRoomsOf(ctx.media.janus).leave(room, address).catch(() => {});
  };
  queue.push(toGraphql({ sessionId: room, from: address, to: address, kind: 'welcome', payload: null }));
  await signals.send({ sessionId: room, from: address, to: '*', kind: 'hello', payload: null });
  return queue;
}

/**
 * The conference room of a session (the examination committee's): a mesh of browsers in p2p mode, a Janus VideoRoom
 * in janus mode, with its own signalling apart from the exam's. `memberId` is a secret the browser picks per join.
 */
@Resolver()
export class ConferenceResolver {
  @Subscription(() => ConferenceSignal, {
    description: 'Joins a session\'s conference room for as long as it lasts: the messages addressed to you there.',
    subscribe: async ({ args, context }) => {
      const ctx = context as ApiContext;
      const { sessionId, memberId } = args as { sessionId: string; memberId: string };
      const { room, address } = await admitted(ctx, sessionId, memberId);
      return memberStream(ctx, room, address);
    },
  })
  conferenceSignals(@Root() signal: ConferenceSignal, @Arg('sessionId', () => ID) _s: string, @Arg('memberId', () => String) _m: string): ConferenceSignal {
    return signal;
  }

  @Mutation(() => Int, { description: 'Sends a message to one member of the conference room (their address) or to everyone else (*). Answers how many got it.' })
  async conferenceSignal(
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('memberId', () => String) memberId: string,
    @Arg('to', () => String) to: string,
    @Arg('kind', () => String) kind: string,
    @Arg('payload', () => JSONScalar, { nullable: true }) payload: unknown,
    @Ctx() ctx: ApiContext,
  ): Promise<number> {
    const { room, address } = await admitted(ctx, sessionId, memberId);
    return ctx.media.signals.send({ sessionId: room, from: address, to: checkRecipient(to), kind, payload: checkSignal(kind, payload) });
  }

  @Mutation(() => String, { description: 'Publishes your camera and microphone to the conference\'s Janus room (janus engine): your SDP offer in, Janus\'s answer out.' })
  async publishConference(@Arg('sessionId', () => ID) sessionId: string, @Arg('memberId', () => String) memberId: string, @Arg('sdp', () => String) sdp: string, @Ctx() ctx: ApiContext): Promise<string> {
    const { room, address } = await admitted(ctx, sessionId, memberId);
    return janusOf(ctx).publish(room, address, sdpOf(sdp));
  }

  @Mutation(() => ConferenceWatchOffer, { description: 'Subscribes to another member\'s camera and microphone (janus engine); NOT_FOUND until they publish.' })
  async watchConference(@Arg('sessionId', () => ID) sessionId: string, @Arg('memberId', () => String) memberId: string, @Arg('member', () => String) member: string, @Ctx() ctx: ApiContext): Promise<ConferenceWatchOffer> {
    const { room, address } = await admitted(ctx, sessionId, memberId);
    return janusOf(ctx).watch(room, address, checkRecipient(member));
  }

  @Mutation(() => Boolean, { description: 'Your SDP answer to watchConference\'s offer.' })
  async startConferenceWatch(
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('memberId', () => String) memberId: string,
    @Arg('watchId', () => ID) watchId: string,
    @Arg('sdp', () => String) sdp: string,
    @Ctx() ctx: ApiContext,
  ): Promise<boolean> {
    const { room, address } = await admitted(ctx, sessionId, memberId);
    await janusOf(ctx).startWatching(room, address, watchId, sdpOf(sdp));
    return true;
  }

  @Mutation(() => Boolean, { description: 'Ends a watch of another member.' })
  async stopConferenceWatch(@Arg('sessionId', () => ID) sessionId: string, @Arg('memberId', () => String) memberId: string, @Arg('watchId', () => ID) watchId: string, @Ctx() ctx: ApiContext): Promise<boolean> {
    const { room, address } = await admitted(ctx, sessionId, memberId);
    await janusOf(ctx).stopWatching(room, address, watchId);
    return true;
  }
}
