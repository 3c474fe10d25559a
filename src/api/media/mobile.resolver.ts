import { Arg, Ctx, Field, ID, Mutation, ObjectType, Resolver } from 'type-graphql';
import { ForbiddenError, IllegalStateError, UnauthenticatedError } from '../../domain/core/errors.js';
import type { Operation } from '../authorization.js';
import { readable } from '../session/readable.js';
import type { ApiContext } from '../context.js';
import { DateTime } from '../scalars.js';

/** How long the link behind the QR code can be opened: long enough to pick up a phone, short enough not to be passed around. */
export const MOBILE_LINK_TTL_SECONDS = 5 * 60;
const ENDED = new Set(['finished', 'concluded', 'cancelled']);

@ObjectType({ description: 'The short-lived link the test-taker\'s page shows as a QR code for the phone.' })
export class MobileCameraLink {
  @Field(() => String) url!: string;
  @Field(() => DateTime) expiresAt!: Date;
}

@ObjectType({ description: 'What the phone gets for the link: a token that only publishes and records its camera in this session.' })
export class MobileCameraAccess {
  @Field(() => ID) sessionId!: string;
  @Field(() => String) student!: string;
  @Field(() => String) token!: string;
  @Field(() => DateTime) expiresAt!: Date;
}

async function sessionRow(ctx: ApiContext, sessionId: string, operation: Operation) {
  const row = await readable(ctx, sessionId, operation);
  if (ENDED.has(row.status)) throw new IllegalStateError(`the session is ${row.status}: no camera can join it`);
  return row;
}

@Resolver()
export class MobileCameraResolver {
  @Mutation(() => MobileCameraLink, { description: 'A new link for the second (mobile) camera, valid for five minutes. The test-taker asks for it.' })
  async mobileCameraLink(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: ApiContext): Promise<MobileCameraLink> {
    const row = await sessionRow(ctx, sessionId, 'session.mobileLink');
    if (!row.secondCamera) throw new IllegalStateError('this session does not use a second camera');
    const { token, expiresAt } = await ctx.tokens.issue({ id: row.student, role: 'student' }, { sessionId, device: 'mobile-link', ttlSeconds: MOBILE_LINK_TTL_SECONDS, version: ctx.actor?.version });
    const url = `${ctx.config.publicUrl}/#/mobile/${encodeURIComponent(sessionId)}?token=${encodeURIComponent(token)}`;
    return { url, expiresAt };
  }

  @Mutation(() => MobileCameraAccess, { description: 'The phone, holding the link\'s token, joins the session as its second camera (an event).' })
  async connectMobileCamera(
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('userAgent', () => String) userAgent: string,
    @Ctx() ctx: ApiContext,
  ): Promise<MobileCameraAccess> {
    const actor = ctx.actor;
    if (!actor) throw new UnauthenticatedError('open the link from the QR code on the exam page');
    if (actor.device !== 'mobile-link' || actor.sessionId !== sessionId) throw new ForbiddenError('only the link from this session\'s QR code connects a mobile camera');
    const row = await sessionRow(ctx, sessionId, 'session.read');
    // The link behind the QR code connects one phone: a second use (a photo of the screen passed on) is refused.
    if (!actor.jti || !(await ctx.core.claims.claim(`mobile-link:${actor.jti}`, actor.expiresAt ?? new Date(Date.now() + MOBILE_LINK_TTL_SECONDS * 1000)))) {
      throw new ForbiddenError('this link was used already: show a new QR code on the exam page');
    }
    await ctx.core.session(sessionId, 'ConnectMobileCamera', { userAgent }, actor);
    // Valid for the rest of the exam with an hour to spare (pauses, a late start); the server ends nothing by it.
    const ttlSeconds = row.duration * 60 + 3600;
    const { token, expiresAt } = await ctx.tokens.issue({ id: row.student, role: 'student' }, { sessionId, device: 'mobile', ttlSeconds, version: actor.version });
    return { sessionId, student: row.student, token, expiresAt };
  }
}
