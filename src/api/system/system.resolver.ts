import { Arg, Ctx, Field, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { METRIC_CODES, METRIC_DESCRIPTIONS } from '../../domain/session/metrics.js';
import { complete, EXPORT_FIELDS } from '../../projections/search/index.js';
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

@Resolver()
export class SystemResolver {
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
