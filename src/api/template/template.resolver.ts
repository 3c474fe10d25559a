import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { archiveTemplate, createTemplate, reviseTemplate } from '../../app/templates/templates.js';
import { NotFoundError } from '../../domain/core/errors.js';
import type { MetricCode } from '../../domain/session/metrics.js';
import type { TemplateSettings } from '../../domain/template/settings.js';
import { getTemplate, listTemplates, type TemplateRow } from '../../projections/templates/projection.js';
import { authorize } from '../authorization.js';
import type { ApiContext } from '../context.js';
import { metricValues } from '../session/metric-values.js';
import { TemplateInput } from './template.inputs.js';
import { ExamTemplate } from './template.type.js';

function toTemplate(row: TemplateRow): ExamTemplate {
  const s = row.settings;
  return {
    id: row.templateId, version: row.version, name: s.name, metrics: [...s.metrics], weights: Object.entries(s.weights).map(([code, value]) => ({ code, value: value as number })),
    threshold: s.threshold, autoConclude: s.autoConclude, rules: s.rules, stages: { ...s.stages }, addons: { ...s.addons }, checkInBefore: s.checkInBeforeMinutes,
    checkInAfter: s.checkInAfterMinutes, duration: s.durationMinutes, scoreVisibleToStudent: s.scoreVisibleToStudent, retentionDays: s.retentionDays,
    archived: row.archived, createdBy: row.createdBy, createdAt: row.createdAt, updatedBy: row.updatedBy, updatedAt: row.updatedAt,
  };
}

function settingsOf(input: TemplateInput): TemplateSettings {
  return {
    name: input.name, metrics: input.metrics as MetricCode[], weights: metricValues(input.weights), threshold: input.threshold, autoConclude: input.autoConclude,
    rules: input.rules ?? null, stages: { ...input.stages }, addons: { ...input.addons }, checkInBeforeMinutes: input.checkInBefore,
    checkInAfterMinutes: input.checkInAfter ?? null, durationMinutes: input.duration, scoreVisibleToStudent: input.scoreVisibleToStudent, retentionDays: input.retentionDays,
  };
}

@Resolver(() => ExamTemplate)
export class TemplateResolver {
  @Query(() => [ExamTemplate], { description: 'Exam templates by name (administrators manage them; proctors, auditors and integrators read them).' })
  async templates(@Ctx() ctx: ApiContext, @Arg('archived', () => Boolean, { defaultValue: false, description: 'Archived ones too.' }) archived: boolean): Promise<ExamTemplate[]> {
    authorize(ctx.actor, 'template.read');
    return (await listTemplates(ctx.core.db, { archived })).map(toTemplate);
  }

  @Query(() => ExamTemplate, { description: 'One template, at its current version.' })
  async template(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext): Promise<ExamTemplate> {
    authorize(ctx.actor, 'template.read');
    const row = await getTemplate(ctx.core.db, id);
    if (!row) throw new NotFoundError(`no template ${id.slice(0, 60)}`);
    return toTemplate(row);
  }

  @Mutation(() => ExamTemplate, { description: 'Creates a template, version 1 (administrators).' })
  async createTemplate(@Arg('input', () => TemplateInput) input: TemplateInput, @Ctx() ctx: ApiContext, @Arg('id', () => ID, { nullable: true, description: 'Its id; made up when not given.' }) id?: string | null): Promise<ExamTemplate> {
    return toTemplate(await createTemplate(ctx.core, authorize(ctx.actor, 'template.manage'), settingsOf(input), id));
  }

  @Mutation(() => ExamTemplate, { description: 'Saves new settings as the next version; sessions already created keep theirs (administrators).' })
  async reviseTemplate(@Arg('id', () => ID) id: string, @Arg('input', () => TemplateInput) input: TemplateInput, @Ctx() ctx: ApiContext): Promise<ExamTemplate> {
    return toTemplate(await reviseTemplate(ctx.core, authorize(ctx.actor, 'template.manage'), id, settingsOf(input)));
  }

  @Mutation(() => ExamTemplate, { description: 'Archives a template: no new sessions from it (administrators).' })
  async archiveTemplate(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext): Promise<ExamTemplate> {
    return toTemplate(await archiveTemplate(ctx.core, authorize(ctx.actor, 'template.manage'), id));
  }
}
