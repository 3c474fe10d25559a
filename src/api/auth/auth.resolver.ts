import { randomBytes } from 'node:crypto';
import { Arg, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';

import { ForbiddenError, IllegalStateError, TooManyRequestsError, UnauthenticatedError } from '../../domain/core/errors.js';
import type { MetricCode } from '../../domain/session/metrics.js';
import { getMonitorRow } from '../../projections/monitor/queries.js';
import type { ApiContext } from '../context.js';
import { toSession } from '../session/mapping.js';
import { Session } from '../session/session.type.js';
import { DateTime } from '../scalars.js';
import { hashPassword, NO_PASSWORD, verifyPassword } from './passwords.js';
import { integrationOf, verifyIntegrationToken } from './tokens.js';

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
    if (ctx.failedLogins.isOver(ctx.ip)) {
      throw new TooManyRequestsError(`too many failed sign-ins from this address; try again in ${ctx.failedLogins.retryAfterSeconds(ctx.ip)} s`);
    }
    if (!ctx.loginLimiter.take(key)) {
      throw new TooManyRequestsError(`too many sign-in attempts; try again in ${ctx.loginLimiter.retryAfterSeconds(key)} s`);
    }
    const account = await ctx.core.loadAccount(username);
    const ok = account.status === 'active'
      ? account.passwordHash !== NO_PASSWORD && (await verifyPassword(password, account.passwordHash))
      : (await verifyPassword(password, await DUMMY_HASH), false);
    if (!ok || account.status !== 'active') {
      ctx.failedLogins.take(ctx.ip);
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
    const integration = integrationOf(token);
    const account = await ctx.core.loadAccount(integration);
    if (account.status !== 'active' || account.role !== 'integrator' || !account.integrationSecret) {
      throw new UnauthenticatedError(`unknown integration ${integration}`);
    }
    const claims = await verifyIntegrationToken(token, account.username, account.integrationSecret, ctx.core.now());
    // Each signed link opens once: a copied or replayed one is refused until it would have expired anyway.
    if (!(await ctx.core.claims.claim(`lms:${account.username.toLowerCase()}:${claims.jti}`, claims.expiresAt))) {
      throw new UnauthenticatedError('this integration token was used already (jti); sign a new one for each link');
    }
    const integrator = { id: account.username, role: 'integrator' as const };
    let student = await ctx.core.loadAccount(claims.username);
    if (student.status === 'none') {
      student = await ctx.core.account(claims.username, 'RegisterAccount', { username: claims.username, role: 'student', displayName: claims.nickname ?? claims.username, passwordHash: NO_PASSWORD }, integrator);
    } else if (student.role !== 'student') {
      throw new IllegalStateError(`${claims.username} is a ${student.role} account, not a test-taker`);
    } else if (student.registeredBy.toLowerCase() !== account.username.toLowerCase()) {
      // Otherwise an integration could obtain a sign-in for anyone's test-taker account.
      throw new ForbiddenError(`the test-taker ${claims.username} was not registered by the integration ${account.username}`);
    }
    if (student.status !== 'active') throw new UnauthenticatedError(`the account ${claims.username} is disabled`);
    let row = await getMonitorRow(ctx.core.db, claims.identifier);
    if (!row) {
      await ctx.core.session(
        claims.identifier,
        'CreateSession',
        {
          sessionId: claims.identifier, name: claims.subject, student: claims.username, studentName: claims.nickname, proctor: claims.proctor,
          durationMinutes: claims.timeout, metrics: (claims.metrics ?? undefined) as MetricCode[] | undefined,
          weights: (claims.weights ?? undefined) as Partial<Record<MetricCode, number>> | undefined, threshold: claims.threshold ?? undefined,
          url: claims.url, template: claims.template, integrationId: account.username,
          selfScheduling: claims.selfScheduling, secondCamera: claims.secondCamera,
        },
        integrator,
      );
      row = (await getMonitorRow(ctx.core.db, claims.identifier))!;
    }
    if (row.createdBy.toLowerCase() !== account.username.toLowerCase()) {
      throw new ForbiddenError(`session ${claims.identifier} was not created by the integration ${account.username}`);
    }
    if (row.student !== claims.username) throw new IllegalStateError(`session ${claims.identifier} belongs to another test-taker`);
    const ttl = Math.min(24 * 3600, (row.duration + 120) * 60);
    // Bound to this one session: the link cannot read or act on the test-taker's other sessions.
    const issued = await ctx.tokens.issue({ id: claims.username, role: 'student' }, { sessionId: row.sessionId, ttlSeconds: ttl, version: student.tokenVersion });
    const link = `${ctx.config.publicUrl}/#/exam/${encodeURIComponent(row.sessionId)}?token=${encodeURIComponent(issued.token)}`;
    return { session: toSession(row), link, token: issued.token };
  }
}

