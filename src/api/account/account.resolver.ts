import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { AccountRole } from '../../domain/account/account.js';
import { ValidationError } from '../../domain/core/errors.js';
import { listAccounts } from '../../projections/accounts/projection.js';
import { User } from '../auth/auth.resolver.js';
import { hashPassword } from '../auth/passwords.js';
import { authorize } from '../authorization.js';
import type { ApiContext } from '../context.js';

@Resolver()
export class AccountResolver {
  @Query(() => [User], { description: 'Accounts, optionally of one role (administrators, proctors, auditors).' })
  async accounts(@Ctx() ctx: ApiContext, @Arg('role', () => String, { nullable: true }) role?: string | null): Promise<User[]> {
    authorize(ctx.actor, 'account.list');
    return (await listAccounts(ctx.core.db, role ?? undefined)).filter((a) => !a.disabled).map((a) => ({ username: a.username, role: a.role, displayName: a.displayName }));
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
    if (password.length < 4 || password.length > 200) throw new ValidationError('a password must be 4 to 200 characters long');
    const account = await ctx.core.account(username, 'RegisterAccount', { username, role: role as AccountRole, displayName: displayName ?? undefined, passwordHash: await hashPassword(password) }, actor);
    if (account.status === 'none') throw new Error('account was not registered');
    return { username: account.username, role: account.role, displayName: account.displayName };
  }

  @Mutation(() => Boolean, { description: 'Sets the HS256 secret an integrator signs its session tokens with (administrators).' })
  async setIntegrationSecret(@Arg('username', () => String) username: string, @Arg('secret', () => String) secret: string, @Ctx() ctx: ApiContext): Promise<boolean> {
    const actor = authorize(ctx.actor, 'account.manage');
    await ctx.core.account(username, 'SetIntegrationSecret', { secret }, actor);
    return true;
  }
}
