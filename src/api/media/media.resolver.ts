import { randomUUID } from 'node:crypto';
import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver, Subscription, Root } from 'type-graphql';
import { ValidationError } from '../../domain/core/errors.js';
import type { Signal as HubSignal } from '../../media/signalling.js';
import { authorize, type Caller, type Operation } from '../authorization.js';
import { readable } from '../session/readable.js';
import type { ApiContext } from '../context.js';
import { JSON as JSONScalar } from '../scalars.js';
import { PushQueue } from '../push-queue.js';

@ObjectType({ description: 'A WebRTC signalling message between the people of one session (offer, answer, ICE candidate, …).' })
export class Signal {
  @Field(() => ID) sessionId!: string;
  @Field(() => String) from!: string;
  @Field(() => String) to!: string;
  @Field(() => String) kind!: string;
  @Field(() => JSONScalar, { nullable: true }) payload!: unknown;
}

@ObjectType({ description: 'A STUN or TURN server for WebRTC (RTCIceServer).' })
export class IceServer {
  @Field(() => [String]) urls!: string[];
  @Field(() => String, { nullable: true }) username?: string | null;
  @Field(() => String, { nullable: true }) credential?: string | null;
}

@ObjectType()
export class Call {
  @Field(() => ID) callId!: string;
  @Field(() => Boolean) video!: boolean;
}

// mobile-alive: the phone's heartbeat to the test-taker's computer, whose library turns its absence into n2.
const KINDS = new Set(['ready', 'request', 'offer', 'answer', 'candidate', 'quality', 'bye', 'call-offer', 'call-answer', 'call-candidate', 'call-bye', 'mobile-alive']);

async function partiesOf(ctx: ApiContext, sessionId: string, operation: Operation) {
  return { row: await readable(ctx, sessionId, operation), actor: ctx.actor! };
}

@Resolver()
export class MediaResolver {
  @Query(() => [IceServer], { description: 'The ICE servers browsers use for live video (empty: direct connections only).' })
  iceServers(@Ctx() ctx: ApiContext): IceServer[] {
    authorize(ctx.actor, 'session.read');
    return ctx.config.iceServers.map((s) => ({ urls: Array.isArray(s.urls) ? [...s.urls] : [s.urls], username: s.username ?? null, credential: s.credential ?? null }));
  }

  @Mutation(() => Int, { description: 'Relays a signalling message to `to` (a username, or * for everyone else in the session). Answers how many received it.' })
  async signal(
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('to', () => String) to: string,
    @Arg('kind', () => String) kind: string,
    @Arg('payload', () => JSONScalar, { nullable: true }) payload: unknown,
    @Ctx() ctx: ApiContext,
  ): Promise<number> {
    const { actor } = await partiesOf(ctx, sessionId, 'session.media');
    if (!KINDS.has(kind)) throw new ValidationError(`unknown signal kind ${JSON.stringify(kind)}`);
    if (JSON.stringify(payload ?? null).length > 64 * 1024) throw new ValidationError('a signal is limited to 64 KB');
    return ctx.media.signals.send({ sessionId, from: signalAddress(actor), to, kind, payload: payload ?? null });
  }

  @Subscription(() => Signal, {
    description: 'Signalling messages addressed to you in one session.',
    subscribe: async ({ args, context }) => {
      const ctx = context as ApiContext;
      const { actor } = await partiesOf(ctx, (args as { sessionId: string }).sessionId, 'session.media');
      return await signalStream(ctx, (args as { sessionId: string }).sessionId, signalAddress(actor));
    },
  })
  signals(@Root() signal: Signal, @Arg('sessionId', () => ID) _sessionId: string): Signal {
    return signal;
  }

  @Mutation(() => Call, { description: 'The proctor calls the test-taker from the active tile: microphone only, or camera and microphone.' })
  async startCall(@Arg('sessionId', () => ID) sessionId: string, @Arg('video', () => Boolean) video: boolean, @Ctx() ctx: ApiContext): Promise<Call> {
    const { actor } = await partiesOf(ctx, sessionId, 'session.call');
    const callId = randomUUID();
    await ctx.core.session(sessionId, 'StartCall', { callId, video }, actor);
    return { callId, video };
  }

  @Mutation(() => Boolean, { description: 'Either side hangs up.' })
  async endCall(@Arg('sessionId', () => ID) sessionId: string, @Arg('callId', () => ID) callId: string, @Ctx() ctx: ApiContext): Promise<boolean> {
    const { actor } = await partiesOf(ctx, sessionId, 'session.hangUp');
    await ctx.core.session(sessionId, 'EndCall', { callId }, actor);
    return true;
  }
}

/**
 * Whom signals are addressed to: the username, or `username~mobile` for the test-taker's phone, so the phone and the
 * computer of one person are two parties of the session.
 */
export function signalAddress(actor: Caller): string {
  return actor.device === 'mobile' ? `${actor.id}${MOBILE_SUFFIX}` : actor.id;
}
export const MOBILE_SUFFIX = '~mobile';

/** The signals for one listener, until the subscriber leaves. */
async function signalStream(ctx: ApiContext, sessionId: string, username: string): Promise<AsyncIterableIterator<HubSignal>> {
  let stop = () => {};
  const queue = new PushQueue<HubSignal>(() => stop());
  stop = await ctx.media.signals.listen(sessionId, username, (s) => queue.push(s));
  return queue;
}
