import { randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR, type Actor } from '../../domain/core/decider.js';
import { IllegalStateError, NotFoundError, ValidationError } from '../../domain/core/errors.js';
import { DEFAULT_TEMPLATE, type TemplateSettings } from '../../domain/template/settings.js';
import type { Template } from '../../domain/template/template.js';
import { findTemplatesByName, getTemplate, type TemplateRow } from '../../projections/templates/projection.js';
import type { Core } from '../core/core.js';

/** The id of the template every installation has from its first start. */
export const DEFAULT_TEMPLATE_ID = 'default';

/** A template that exists: active or archived. */
export type Current = Exclude<Template, { status: 'none' }>;

/** Creates a template (its id made here unless given); refuses a name another template in use has, so names stay references. */
export async function createTemplate(core: Core, actor: Actor, settings: TemplateSettings, templateId?: string | null): Promise<TemplateRow> {
  await nameIsFree(core, settings.name, null);
  const id = templateId?.trim() || randomUUID();
  await core.template(id, 'CreateTemplate', { templateId: id, ...settings }, actor);
  return (await getTemplate(core.db, id))!;
}

/** Makes the next version of a template; sessions already created keep theirs. */
export async function reviseTemplate(core: Core, actor: Actor, templateId: string, settings: TemplateSettings): Promise<TemplateRow> {
  await nameIsFree(core, settings.name, templateId);
  await core.template(templateId, 'ReviseTemplate', settings, actor);
  return (await getTemplate(core.db, templateId))!;
}

/** Archives a template: no new sessions from it; those made from it keep their settings. */
export async function archiveTemplate(core: Core, actor: Actor, templateId: string): Promise<TemplateRow> {
  await core.template(templateId, 'ArchiveTemplate', {}, actor);
  return (await getTemplate(core.db, templateId))!;
}

async function nameIsFree(core: Core, name: string, self: string | null): Promise<void> {
  if (typeof name !== 'string' || !name.trim()) return; // the decider says what is wrong with it
  const others = (await findTemplatesByName(core.db, name)).filter((t) => t.templateId !== self);
  if (others.length) throw new ValidationError(`a template named ${JSON.stringify(name.trim())} exists already (${others[0].templateId})`, { field: 'name' });
}

/**
 * The template a session names, by id or else by name, at its current version (from its stream, so a template
 * revised a moment ago is used as revised). Archived or unknown: refused, with the reason.
 */
export async function resolveTemplate(core: Core, reference: string): Promise<Current> {
  const ref = typeof reference === 'string' ? reference.trim() : '';
  if (!ref || ref.length > 200) throw new ValidationError('a template is named by its id or its name (at most 200 characters)', { field: 'template' });
  let template = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/.test(ref) ? await core.loadTemplate(ref) : ({ status: 'none' } as Template);
  if (template.status === 'none') {
    const named = await findTemplatesByName(core.db, ref);
    if (named.length > 1) throw new ValidationError(`several templates are named ${JSON.stringify(ref)}: name one by its id`, { field: 'template' });
    if (named.length === 1) template = await core.loadTemplate(named[0].templateId);
  }
  if (template.status === 'none') throw new NotFoundError(`no template ${JSON.stringify(ref.slice(0, 60))}`, { field: 'template' });
  if (template.status === 'archived') throw new IllegalStateError(`template ${JSON.stringify(template.settings.name)} is archived: no new sessions are made from it`);
  return template as Current;
}

/** Creates the default template unless it exists (run at every start: a no-op after the first). */
export async function ensureDefaultTemplate(core: Core): Promise<void> {
  if ((await core.loadTemplate(DEFAULT_TEMPLATE_ID)).status !== 'none') return;
  await core.template(DEFAULT_TEMPLATE_ID, 'CreateTemplate', { templateId: DEFAULT_TEMPLATE_ID, ...DEFAULT_TEMPLATE }, SYSTEM_ACTOR, { commandId: 'default-template' });
}
