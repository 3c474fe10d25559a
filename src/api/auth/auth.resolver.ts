import { randomBytes } from 'node:crypto';
import { Arg, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';

import { openIntegrationSession } from '../../app/integrations/open-session.js';
import { TooManyRequestsError, UnauthenticatedError } from '../../domain/core/errors.js';
import type { ApiContext } from '../context.js';
import { toSession } from '../session/mapping.js';
import { Session } from '../session/session.type.js';
import { DateTime } from '../scalars.js';
import { hashPassword, NO_PASSWORD, verifyPassword } from '../../app/accounts/passwords.js';

@ObjectType({ description: 'A person or an LMS integration.' })
export class User {
  @Field(() => String) username!: string;
  @Field(() => String, { description: 'admin, proctor, student, auditor or integrator.' }) role!: string;
  @Field(() => String) displayName!: string;
  @Field(() => Boolean, { description: 'A disabled account cannot sign in; its tokens stop working within 10 s.' }) disabled!: boolean;
}

@ObjectType()
export class AuthPayload {
  @Field(() => String, { description: 'Send as `Authorization: Bearer <token>`, or as `token` in graphql-ws connection_init.' }) token!: string;
  @Field(() => DateTime) expiresAt!: Date;
  @Field(() => User) user!: User;
}

@ObjectType({ description: 'What an LMS gets back for a session token: the session and the link that opens it for the test-taker.' })
export class IntegrationSession {
  @Field(() => Session) session!: Session;
  @Field(() => String, { description: 'Opens the session for the test-taker, signed in.' }) link!: string;
  @Field(() => String) token!: string;
}

// Same work whether or not the account exists, so timing does not tell which usernames are real.
const DUMMY_HASH = hashPassword(randomBytes(16).toString('hex'));

@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload, { description: 'Signs in with a username and password.' })
  async login(@Arg('username', () => String) username: string, @Arg('password', () => String) password: string, @Ctx() ctx: ApiContext): Promise<AuthPayload> {
    const key = `${ctx.ip}|${username.toLowerCase()}`;
    if (await ctx.failedLogins.isOver(ctx.ip)) {
      throw new TooManyRequestsError(`too many failed sign-ins from this address; try again in ${await ctx.failedLogins.retryAfterSeconds(ctx.ip)} s`);
    }
    if (!(await ctx.loginLimiter.take(key))) {
      throw new TooManyRequestsError(`too many sign-in attempts; try again in ${await ctx.loginLimiter.retryAfterSeconds(key)} s`);
    }
    const account = await ctx.core.loadAccount(username);
    const ok = account.status === 'active'
      ? account.passwordHash !== NO_PASSWORD && (await verifyPassword(password, account.passwordHash))
      : (await verifyPassword(password, await DUMMY_HASH), false);
    if (!ok || account.status !== 'active') {
      await ctx.failedLogins.take(ctx.ip);
      throw new UnauthenticatedError('wrong username or password');
    }
    const { token, expiresAt } = await ctx.tokens.issue({ id: account.username, role: account.role }, { version: account.tokenVersion });
    return { token, expiresAt, user: { username: account.username, role: account.role, displayName: account.displayName, disabled: false } };
  }

  @Query(() => User, { nullable: true, description: 'Who you are signed in as (null when not signed in).' })
  async me(@Ctx() ctx: ApiContext): Promise<User | null> {
    if (!ctx.actor) return null;
    const account = await ctx.core.loadAccount(ctx.actor.id);
    if (account.status === 'none') return { username: ctx.actor.id, role: ctx.actor.role, displayName: ctx.actor.id, disabled: false };
    return { username: account.username, role: account.role, displayName: account.displayName, disabled: account.status === 'disabled' };
  }

  @Mutation(() => IntegrationSession, {
    description:
      'An LMS opens (creating it if new) a session with a JWT signed by its integration secret (HS256). Claims: iss (the integration), ' +
      'username, nickname, identifier (session id), subject (name), timeout (minutes), template, metrics, weights, threshold, url, proctor, ' +
      'schedule (true: the test-taker books the time from the proctors\' calendars), secondCamera (true: a phone as second camera), exp.',
  })
  async openIntegrationSession(@Arg('token', () => String) token: string, @Ctx() ctx: ApiContext): Promise<IntegrationSession> {
    const { row, student } = await openIntegrationSession(ctx.core, token);
    const ttl = Math.min(24 * 3600, (row.duration + 120) * 60);
    // Bound to this one session (its test-taker as the token named them): the link cannot read or act on the test-taker's other sessions.
    const issued = await ctx.tokens.issue({ id: row.student, role: 'student' }, { sessionId: row.sessionId, ttlSeconds: ttl, version: student.tokenVersion });
    const link = `${ctx.config.publicUrl}/#/exam/${encodeURIComponent(row.sessionId)}?token=${encodeURIComponent(issued.token)}`;
    return { session: toSession(row), link, token: issued.token };
  }
}

