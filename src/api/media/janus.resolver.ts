import { Arg, Ctx, Field, ID, Mutation, ObjectType, Query, registerEnumType, Resolver } from 'type-graphql';
import { IllegalStateError, ValidationError } from '../../domain/core/errors.js';
import { PUBLISHED_TRACKS, type PublishedTrack } from '../../media/janus/publisher.js';
import type { Operation } from '../authorization.js';
import { readable } from '../session/readable.js';
import type { ApiContext } from '../context.js';

export enum MediaEngineKind {
  p2p = 'p2p',
  janus = 'janus',
}
registerEnumType(MediaEngineKind, {
  name: 'MediaEngineKind',
  description: 'How live video travels: p2p (browser to browser, the browser records) or janus (through the Janus server, which records).',
});

@ObjectType({ description: 'One m-line of a Janus offer: which published track (camera or screen) and kind it carries.' })
export class MediaStreamInfo {
  @Field(() => String) mid!: string;
  @Field(() => String, { description: 'camera or screen' }) feed!: string;
  @Field(() => String, { description: 'audio or video' }) kind!: string;
}

@ObjectType({ description: 'Janus offers a viewer the published tracks of a session; answer it with startWatching.' })
export class WatchOffer {
  @Field(() => ID) watchId!: string;
  @Field(() => String) sdp!: string;
  @Field(() => [MediaStreamInfo]) streams!: MediaStreamInfo[];
}

const MAX_SDP = 64 * 1024;
const LIVE = new Set(['in_progress', 'paused']);

async function sessionFor(ctx: ApiContext, sessionId: string, operation: Operation) {
  const row = await readable(ctx, sessionId, operation);
  const actor = ctx.actor!;
  const janus = ctx.media.janus;
  if (!janus) throw new IllegalStateError(`the media engine is ${ctx.config.media}: there is no Janus to talk to`);
  return { row, actor, janus };
}

// eslint-disable-next-line no-control-regex
const CONTROL_IN_SDP = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * An SDP a browser sent (an offer or an answer), checked before it goes to Janus or, through the database, to
 * another node: at most 64 KB, starting as an SDP does, no control character but its line breaks and tabs.
 */
export function sdpOf(sdp: string): string {
  if (sdp.length > MAX_SDP) throw new ValidationError('an SDP is limited to 64 KB');
  if (!sdp.startsWith('v=0')) throw new ValidationError('not an SDP');
  if (CONTROL_IN_SDP.test(sdp) || !sdp.isWellFormed()) throw new ValidationError('an SDP holds no control characters or broken characters');
  return sdp;
}

/**
 * The janus media engine's API: the test-taker's browser publishes its camera and screen, a proctor's browser watches
 * them, each with one SDP exchange through our server (Janus itself listens on 127.0.0.1 only). Calls stay
 * browser-to-browser (signals), as in p2p mode: they are one-to-one.
 */
@Resolver()
export class JanusResolver {
  @Query(() => MediaEngineKind, { description: 'The media engine of this deployment (the web client asks before it opens media; needs no sign-in).' })
  mediaEngine(@Ctx() ctx: ApiContext): MediaEngineKind {
    return ctx.config.media === 'janus' ? MediaEngineKind.janus : MediaEngineKind.p2p;
  }

  @Mutation(() => String, { description: 'Publishes camera+microphone or the screen to Janus (janus engine): the browser\'s complete SDP offer in, Janus\'s answer out. Janus records it.' })
  async publishMedia(
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('track', () => String) track: string,
    @Arg('sdp', () => String) sdp: string,
    @Ctx() ctx: ApiContext,
  ): Promise<string> {
    const { row, janus } = await sessionFor(ctx, sessionId, 'session.publish');
    if (!PUBLISHED_TRACKS.includes(track as PublishedTrack)) throw new ValidationError('track must be camera or screen');
    if (!LIVE.has(row.status)) throw new IllegalStateError(`cannot publish: the session is not running`);
    return janus.publish(sessionId, track as PublishedTrack, sdpOf(sdp));
  }

  @Mutation(() => Boolean, { description: 'Stops publishing a track; what was recorded is stored.' })
  async unpublishMedia(@Arg('sessionId', () => ID) sessionId: string, @Arg('track', () => String) track: string, @Ctx() ctx: ApiContext): Promise<boolean> {
    const { janus } = await sessionFor(ctx, sessionId, 'session.publish');
    if (!PUBLISHED_TRACKS.includes(track as PublishedTrack)) throw new ValidationError('track must be camera or screen');
    return janus.unpublish(sessionId, track as PublishedTrack);
  }

  @Mutation(() => WatchOffer, { description: 'Subscribes to what a session publishes now (janus engine); NOT_FOUND until the test-taker publishes.' })
  async watchMedia(@Arg('sessionId', () => ID) sessionId: string, @Arg('active', () => Boolean) active: boolean, @Ctx() ctx: ApiContext): Promise<WatchOffer> {
    const { actor, janus } = await sessionFor(ctx, sessionId, 'session.watch');
    const offer = await janus.watch(sessionId, actor.id, active);
    return { watchId: offer.watchId, sdp: offer.sdp, streams: offer.streams.map((s) => ({ ...s })) };
  }

  @Mutation(() => Boolean, { description: 'The viewer\'s SDP answer to watchMedia\'s offer.' })
  async startWatching(
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('watchId', () => ID) watchId: string,
    @Arg('sdp', () => String) sdp: string,
    @Ctx() ctx: ApiContext,
  ): Promise<boolean> {
    const { actor, janus } = await sessionFor(ctx, sessionId, 'session.watch');
    await janus.startWatching(sessionId, watchId, actor.id, sdpOf(sdp));
    return true;
  }

  @Mutation(() => Boolean, { description: 'Active tile: full camera, sound and screen; other tiles: the small camera layer only.' })
  async setWatchQuality(
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('watchId', () => ID) watchId: string,
    @Arg('active', () => Boolean) active: boolean,
    @Ctx() ctx: ApiContext,
  ): Promise<boolean> {
    const { actor, janus } = await sessionFor(ctx, sessionId, 'session.watch');
    await janus.setQuality(sessionId, watchId, actor.id, active);
    return true;
  }

  @Mutation(() => Boolean, { description: 'Ends a watch.' })
  async stopWatching(@Arg('sessionId', () => ID) sessionId: string, @Arg('watchId', () => ID) watchId: string, @Ctx() ctx: ApiContext): Promise<boolean> {
    const { actor, janus } = await sessionFor(ctx, sessionId, 'session.watch');
    await janus.stopWatching(sessionId, watchId, actor.id);
    return true;
  }
}
