import { Arg, Ctx, Field, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import { TooManyRequestsError } from '../../domain/core/errors.js';
import { importAccounts } from '../../app/accounts/import.js';
import { issuePasswordLink, setPasswordWithLink, type IssuedPasswordLink } from '../../app/accounts/password-links.js';
import { authorize } from '../authorization.js';
import type { ApiContext } from '../context.js';

@ObjectType({ description: 'One row of an account import and what became of it.' })
export class ImportRowResult {
  @Field(() => Int, { description: 'The line of the file the row starts on (the header is line 1).' }) line!: number;
  @Field(() => String) username!: string;
  @Field(() => String) name!: string;
  @Field(() => String) email!: string;
  @Field(() => String) role!: string;
  @Field(() => String, { description: 'new (would be, or was, created), done (created by an earlier run of this import), bad (see problem).' }) status!: string;
  @Field(() => String, { nullable: true }) problem!: string | null;
}

@ObjectType({ description: 'A one-time set-password link: shown once, only its hash is kept.' })
export class PasswordLinkResult {
  @Field(() => String) username!: string;
  @Field(() => String, { description: 'The page that sets the password, key included.' }) url!: string;
  @Field(() => Date) expiresAt!: Date;
}

@ObjectType({ description: 'What an account import found, and (unless a dry run or a bad row) created.' })
export class AccountImport {
  @Field(() => [ImportRowResult]) rows!: ImportRowResult[];
  @Field(() => Boolean, { description: 'True when the accounts were created: not a dry run and no bad row.' }) created!: boolean;
  @Field(() => [PasswordLinkResult], { description: 'A set-password link for each account created without a password yet.' }) links!: PasswordLinkResult[];
}

const asLink = (l: IssuedPasswordLink): PasswordLinkResult => ({ username: l.username, url: l.url, expiresAt: l.expiresAt });

@Resolver()
export class PeopleResolver {
  @Mutation(() => AccountImport, {
    description:
      'Creates accounts from a CSV (header username,name,email,role; UTF-8, BOM or not; RFC 4180 quoting; up to 5,000 rows). Every row is ' +
      'checked first: with a bad row, or as a dry run, nothing is created. The same file imported again creates what is missing, nothing twice ' +
      '(administrators). Emails are checked, not kept.',
  })
  async importAccounts(@Arg('csv', () => String) csv: string, @Arg('dryRun', () => Boolean) dryRun: boolean, @Ctx() ctx: ApiContext): Promise<AccountImport> {
    const actor = authorize(ctx.actor, 'account.manage');
    const result = await importAccounts(ctx.core, actor, csv, { dryRun, publicUrl: ctx.config.publicUrl });
    return { rows: [...result.rows], created: result.created, links: result.links.map(asLink) };
  }

  @Mutation(() => PasswordLinkResult, { description: 'Opens a one-time set-password link for an account, valid 7 days; an earlier link stops working (administrators).' })
  async issuePasswordLink(@Arg('username', () => String) username: string, @Ctx() ctx: ApiContext): Promise<PasswordLinkResult> {
    const actor = authorize(ctx.actor, 'account.manage');
    return asLink(await issuePasswordLink(ctx.core, actor, username, ctx.config.publicUrl));
  }

  @Mutation(() => Boolean, { description: 'Sets an account\'s password with its set-password link (no sign-in needed); the link is used up.' })
  async setPasswordWithLink(
    @Arg('username', () => String) username: string,
    @Arg('key', () => String) key: string,
    @Arg('password', () => String) password: string,
    @Ctx() ctx: ApiContext,
  ): Promise<boolean> {
    const limit = `${ctx.ip}|${String(username).toLowerCase()}`;
    if (!(await ctx.loginLimiter.take(limit))) throw new TooManyRequestsError(`too many attempts; try again in ${await ctx.loginLimiter.retryAfterSeconds(limit)} s`);
    await setPasswordWithLink(ctx.core, username, key, password);
    return true;
  }
}
