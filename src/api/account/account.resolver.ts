import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Account, AccountRole } from '../../domain/account/account.js';
import { TooManyRequestsError } from '../../domain/core/errors.js';
import { listAccounts, type AccountRow } from '../../projections/accounts/projection.js';
import { AuthPayload, User } from '../auth/auth.resolver.js';
import { changeOwnPassword, registerAccount, resetPassword } from '../../app/accounts/accounts.js';
import { authorize } from '../authorization.js';
import type { ApiContext } from '../context.js';


const asUser = (a: AccountRow): User => ({ username: a.username, role: a.role, displayName: a.displayName, disabled: a.disabled });

/** The account a command answered with (it exists: the decider refuses commands to an account that does not). */
function fromAccount(account: Account): User {
  if (account.status === 'none') throw new Error('the account does not exist after the command');
  return asUser({ ...account, disabled: account.status === 'disabled' });
}

@Resolver()
export class AccountResolver {
  @Query(() => [User], { description: 'Accounts, optionally of one role (administrators, proctors, auditors); disabled ones only when asked (administrators).' })
  async accounts(
    @Ctx() ctx: ApiContext,
    @Arg('role', () => String, { nullable: true }) role?: string | null,
    @Arg('includeDisabled', () => Boolean, { nullable: true, defaultValue: false }) includeDisabled?: boolean,
  ): Promise<User[]> {
    authorize(ctx.actor, includeDisabled ? 'account.manage' : 'account.list');
    return (await listAccounts(ctx.core.db, role ?? undefined)).filter((a) => includeDisabled || !a.disabled).map(asUser);
  }

  @Mutation(() => User, { description: 'Creates an account (administrators).' })
  async registerAccount(
    @Arg('username', () => String) username: string,
    @Arg('role', () => String) role: string,
    @Arg('password', () => String) password: string,
    @Ctx() ctx: ApiContext,
    @Arg('displayName', () => String, { nullable: true }) displayName?: string | null,
  ): Promise<User> {
    const actor = authorize(ctx.actor, 'account.manage');
    return fromAccount(await registerAccount(ctx.core, actor, { username, role: role as AccountRole, password, displayName: displayName ?? undefined }));
  }

  @Mutation(() => User, { description: 'Sets a new password for an account, which signs in with it from now on (administrators).' })
  async resetPassword(@Arg('username', () => String) username: string, @Arg('password', () => String) password: string, @Ctx() ctx: ApiContext): Promise<User> {
    const actor = authorize(ctx.actor, 'account.manage');
    return fromAccount(await resetPassword(ctx.core, actor, username, password));
  }

  @Mutation(() => AuthPayload, {
    description: 'Changes your own password; the current one is asked for (and counts as a sign-in attempt). Every earlier sign-in of the account stops working; the answer is a new one.',
  })
  async changePassword(@Arg('currentPassword', () => String) currentPassword: string, @Arg('newPassword', () => String) newPassword: string, @Ctx() ctx: ApiContext): Promise<AuthPayload> {
    const actor = authorize(ctx.actor, 'account.changeOwnPassword');
    const key = `${ctx.ip}|${actor.id.toLowerCase()}`;
    if (!(await ctx.loginLimiter.take(key))) throw new TooManyRequestsError(`too many attempts; try again in ${await ctx.loginLimiter.retryAfterSeconds(key)} s`);
    const changed = await changeOwnPassword(ctx.core, actor, currentPassword, newPassword);
    const { token, expiresAt } = await ctx.tokens.issue({ id: changed.username, role: changed.role }, { version: changed.tokenVersion });
    return { token, expiresAt, user: fromAccount(changed) };
  }

  @Mutation(() => User, { description: 'Disables an account: it can no longer sign in, and its tokens stop working within 10 s (administrators; not your own).' })
  async disableAccount(@Arg('username', () => String) username: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: ApiContext): Promise<User> {
    const actor = authorize(ctx.actor, 'account.manage');
    return fromAccount(await ctx.core.account(username, 'DisableAccount', { reason: reason.trim() }, actor));
  }

  @Mutation(() => User, { description: 'Lets a disabled account sign in again (administrators).' })
  async enableAccount(@Arg('username', () => String) username: string, @Ctx() ctx: ApiContext): Promise<User> {
    const actor = authorize(ctx.actor, 'account.manage');
    return fromAccount(await ctx.core.account(username, 'EnableAccount', {}, actor));
  }

  @Mutation(() => Boolean, { description: 'Sets the HS256 secret an integrator signs its session tokens with (administrators).' })
  async setIntegrationSecret(@Arg('username', () => String) username: string, @Arg('secret', () => String) secret: string, @Ctx() ctx: ApiContext): Promise<boolean> {
    const actor = authorize(ctx.actor, 'account.manage');
    await ctx.core.account(username, 'SetIntegrationSecret', { secret }, actor);
    return true;
  }
}
