import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import { importSessions, MAX_SESSION_IMPORT_ROWS } from '../../app/sessions/import.js';
import { authorize } from '../authorization.js';
import type { ApiContext } from '../context.js';

@ObjectType({ description: 'One row of a session import and what became of it.' })
export class SessionImportRowResult {
  @Field(() => Int, { description: 'The line of the file the row starts on (the header is line 1).' }) line!: number;
  @Field(() => ID, { description: 'The session id: the row\'s, or derived from the template, the test-taker and the start.' }) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String) student!: string;
  @Field(() => String) proctor!: string;
  @Field(() => String, { description: 'The start as ISO 8601 (empty: none).' }) scheduledAt!: string;
  @Field(() => String, { description: 'new (would be, or was, created), done (created by an earlier run of this import), bad (see problem).' }) status!: string;
  @Field(() => String, { nullable: true }) problem!: string | null;
}

@ObjectType({ description: 'What a session import found, and (unless a dry run or a bad row) created.' })
export class SessionImport {
  @Field(() => [SessionImportRowResult]) rows!: SessionImportRowResult[];
  @Field(() => Boolean, { description: 'True when the sessions were created: not a dry run and no bad row.' }) created!: boolean;
}

@Resolver()
export class SessionImportResolver {
  @Mutation(() => SessionImport, {
    description:
      `Creates sessions from a template and a CSV (header from id,name,student,studentName,proctor,scheduledAt,duration; student required; up to ${MAX_SESSION_IMPORT_ROWS} rows). ` +
      'Every row is checked first: with a bad row, or as a dry run, nothing is created. The same file imported again creates what is missing, nothing twice (administrators).',
  })
  async importSessions(
    @Arg('csv', () => String) csv: string,
    @Arg('template', () => String, { description: 'The template, by id or name; its current version gives every setting.' }) template: string,
    @Arg('dryRun', () => Boolean) dryRun: boolean,
    @Ctx() ctx: ApiContext,
  ): Promise<SessionImport> {
    const actor = authorize(ctx.actor, 'session.bulk');
    const result = await importSessions(ctx.core, actor, csv, template, { dryRun });
    return { rows: [...result.rows], created: result.created };
  }
}
