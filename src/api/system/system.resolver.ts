import { Arg, Ctx, Field, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { ProjectionStatus as RunnerStatus } from '../../projections/runner.js';
import { DateTime } from '../scalars.js';
import { METRIC_CODES, METRIC_DESCRIPTIONS } from '../../domain/session/metrics.js';
import { complete, EXPORT_FIELDS } from '../../projections/search/index.js';
import { jobStatuses } from '../../store/job-queue.js';
import { authorize } from '../authorization.js';
import type { ApiContext } from '../context.js';

@ObjectType({ description: 'A field of the data export and of the search language.' })
export class ExportField {
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'text, number, date, boolean or text[].' }) type!: string;
  @Field(() => String) description!: string;
}

@ObjectType({ description: 'A metric of the catalogue.' })
export class MetricInfo {
  @Field(() => String) code!: string;
  @Field(() => String) description!: string;
}

@ObjectType({ description: 'What may come next in a search at the cursor.' })
export class SearchCompletion {
  @Field(() => [String]) fields!: string[];
  @Field(() => [String]) tokens!: string[];
  @Field(() => [String]) values!: string[];
  @Field(() => Int, { description: 'Where the word being completed starts.' }) start!: number;
}

@ObjectType({ description: 'Where a read model stopped on an event it could not apply (it is skipped until rebuilt).' })
export class ProjectionFailure {
  @Field(() => String, { description: 'The store checkpoint of the event.' }) checkpoint!: string;
  @Field(() => String) eventId!: string;
  @Field(() => String) eventType!: string;
  @Field(() => String) streamId!: string;
  @Field(() => String) error!: string;
  @Field(() => DateTime) at!: Date;
}

@ObjectType({ description: 'A read model: how far it has applied the event store, and whether it failed.' })
export class ProjectionStatus {
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) checkpoint!: string | null;
  @Field(() => ProjectionFailure, { nullable: true }) failure!: ProjectionFailure | null;
}

@ObjectType({ description: 'The background jobs of one kind (face checks, recording analyses) that are not done.' })
export class BackgroundJobs {
  @Field(() => String, { description: 'face-check or recording-analysis.' }) kind!: string;
  @Field(() => Int, { description: 'Waiting to run (a backlog that grows means the work does not keep up).' }) pending!: number;
  @Field(() => Int) running!: number;
  @Field(() => Int, { description: 'Given up after their last attempt; each keeps its last error in the jobs table.' }) failed!: number;
  @Field(() => DateTime, { nullable: true, description: 'When the oldest waiting job was added.' }) oldestPendingAt!: Date | null;
}

const toStatus = (s: RunnerStatus): ProjectionStatus => ({ name: s.name, checkpoint: s.checkpoint, failure: s.failure });

@Resolver()
export class SystemResolver {
  @Query(() => [ProjectionStatus], { description: 'The read models and their health (administrators and auditors).' })
  async projections(@Ctx() ctx: ApiContext): Promise<ProjectionStatus[]> {
    authorize(ctx.actor, 'system.inspect');
    return (await ctx.core.runner.status()).map(toStatus);
  }

  @Query(() => [BackgroundJobs], { description: 'The background work not done yet, by kind (administrators and auditors).' })
  async backgroundJobs(@Ctx() ctx: ApiContext): Promise<BackgroundJobs[]> {
    authorize(ctx.actor, 'system.inspect');
    return jobStatuses(ctx.core.db);
  }

  @Mutation(() => ProjectionStatus, {
    description: 'Builds a read model anew from the first event beside the live one, then swaps it in and clears its failure (administrators).',
  })
  async rebuildProjection(@Arg('name', () => String) name: string, @Ctx() ctx: ApiContext): Promise<ProjectionStatus> {
    authorize(ctx.actor, 'system.manage');
    await ctx.core.runner.rebuild(name);
    return toStatus((await ctx.core.runner.status()).find((s) => s.name === name)!);
  }

  @Query(() => [ExportField], { description: 'Every exportable and searchable field.' })
  exportFields(@Ctx() ctx: ApiContext): ExportField[] {
    authorize(ctx.actor, 'session.read');
    return EXPORT_FIELDS.map((f) => ({ name: f.name, type: f.type, description: f.description }));
  }

  @Query(() => [MetricInfo], { description: 'The metric catalogue (codes b1 … s2).' })
  metrics(): MetricInfo[] {
    return METRIC_CODES.map((code) => ({ code, description: METRIC_DESCRIPTIONS[code] }));
  }

  @Query(() => SearchCompletion, { description: 'Completion for the search box: given the text and the cursor offset.' })
  searchCompletion(@Arg('text', () => String) text: string, @Arg('offset', () => Int) offset: number, @Ctx() ctx: ApiContext): SearchCompletion {
    authorize(ctx.actor, 'session.read');
    return complete(text.slice(0, 2000), Math.max(0, Math.min(offset, text.length, 2000)));
  }
}
