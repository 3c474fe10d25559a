import { Arg, Ctx, Field, ID, Mutation, ObjectType, registerEnumType, Resolver } from 'type-graphql';
import { requestExport } from '../../app/export/export.js';
import { ForbiddenError } from '../../domain/core/errors.js';
import { DateTime } from '../scalars.js';
import { authorize } from '../authorization.js';
import type { ApiContext } from '../context.js';

enum ExportFormat {
  CSV = 'csv',
  JSONL = 'jsonl',
}
registerEnumType(ExportFormat, { name: 'ExportFormat', description: 'CSV (RFC 4180, UTF-8) or JSON Lines.' });

@ObjectType({ description: 'A one-time link to download an export.' })
export class ExportLink {
  @Field(() => ID) exportId!: string;
  @Field(() => String, { description: 'The absolute link, on the public address of the server.' }) url!: string;
  @Field(() => String, { description: 'The link without the server address (path and query).' }) path!: string;
  @Field(() => DateTime, { description: 'The link opens once, until then.' }) expiresAt!: Date;
}

@Resolver()
export class ExportResolver {
  @Mutation(() => ExportLink, {
    description: 'Exports the sessions you may see that match `query` (the search language), with the chosen fields (see `exportFields`). ' +
      'Recorded as an event; answers a link that downloads the file once, within minutes.',
  })
  async exportSessions(
    @Ctx() ctx: ApiContext,
    @Arg('fields', () => [String]) fields: string[],
    @Arg('format', () => ExportFormat, { defaultValue: ExportFormat.CSV }) format: ExportFormat,
    @Arg('query', () => String, { nullable: true }) query?: string | null,
    @Arg('bom', () => Boolean, { nullable: true, description: 'Start a CSV with a UTF-8 byte order mark (for Excel).' }) bom?: boolean | null,
  ): Promise<ExportLink> {
    const actor = authorize(ctx.actor, 'session.export');
    if (ctx.actor?.sessionId !== undefined || ctx.actor?.device !== undefined) throw new ForbiddenError('a token bound to one session cannot export');
    const link = await requestExport(ctx.core, ctx.config.jwtSecret, actor, { fields, query, format, bom });
    return { ...link, url: new URL(link.path, ctx.config.publicUrl).toString() };
  }
}
