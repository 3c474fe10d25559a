import type { CommandMetadata, Decider } from '../core/decider.js';
import { assertNever, IllegalStateError } from '../core/errors.js';
import { identifier } from '../core/fields.js';
import { sameSettings, templateSettings, type TemplateSettings } from './settings.js';

/**
 * An exam template: what the sessions of one exam share. Every change is a new version; a session records the
 * version it was made from and keeps its settings, so editing a template never changes sessions already created.
 */
export type TemplateEvent =
  | { readonly type: 'TemplateCreated'; readonly data: TemplateSettings & { readonly templateId: string; readonly version: 1; readonly by: string; readonly at: string } }
  | { readonly type: 'TemplateRevised'; readonly data: TemplateSettings & { readonly templateId: string; readonly version: number; readonly by: string; readonly at: string } }
  | { readonly type: 'TemplateArchived'; readonly data: { readonly templateId: string; readonly version: number; readonly by: string; readonly at: string } };

export const TEMPLATE_EVENT_TYPES: readonly TemplateEvent['type'][] = ['TemplateCreated', 'TemplateRevised', 'TemplateArchived'];

export type TemplateCommand =
  | { readonly type: 'CreateTemplate'; readonly data: TemplateSettings & { readonly templateId: string }; readonly metadata: CommandMetadata }
  | { readonly type: 'ReviseTemplate'; readonly data: TemplateSettings; readonly metadata: CommandMetadata }
  | { readonly type: 'ArchiveTemplate'; readonly data: Record<string, never>; readonly metadata: CommandMetadata };

export type Template =
  | { readonly status: 'none' }
  | { readonly status: 'active' | 'archived'; readonly templateId: string; readonly version: number; readonly settings: TemplateSettings };

export const templateStreamId = (templateId: string) => `template-${templateId}`;

export function decideTemplate(command: TemplateCommand, state: Template): TemplateEvent[] {
  const by = command.metadata.actor.id;
  const at = command.metadata.now.toISOString();
  switch (command.type) {
    case 'CreateTemplate': {
      if (state.status !== 'none') throw new IllegalStateError(`template ${state.templateId} exists already`);
      const { templateId, ...settings } = command.data;
      return [{ type: 'TemplateCreated', data: { templateId: identifier(templateId, 'template id'), version: 1, ...templateSettings(settings), by, at } }];
    }
    case 'ReviseTemplate': {
      const s = existing(state, 'revise');
      if (s.status === 'archived') throw new IllegalStateError(`template ${s.templateId} is archived: it cannot be changed`);
      const settings = templateSettings(command.data);
      if (sameSettings(settings, s.settings)) return [];
      return [{ type: 'TemplateRevised', data: { templateId: s.templateId, version: s.version + 1, ...settings, by, at } }];
    }
    case 'ArchiveTemplate': {
      const s = existing(state, 'archive');
      if (s.status === 'archived') return [];
      return [{ type: 'TemplateArchived', data: { templateId: s.templateId, version: s.version, by, at } }];
    }
    default:
      return assertNever(command, 'template command');
  }
}

function existing(state: Template, action: string): Exclude<Template, { status: 'none' }> {
  if (state.status === 'none') throw new IllegalStateError(`cannot ${action} a template that does not exist`);
  return state;
}

/** The settings an event carries, without who and when. */
export function settingsOf(data: TemplateSettings & { readonly by: string; readonly at: string }): TemplateSettings {
  const { name, metrics, weights, threshold, autoConclude, rules, stages, addons, checkInBeforeMinutes, checkInAfterMinutes, durationMinutes, scoreVisibleToStudent, retentionDays } = data;
  return { name, metrics, weights, threshold, autoConclude, rules, stages, addons, checkInBeforeMinutes, checkInAfterMinutes, durationMinutes, scoreVisibleToStudent, retentionDays };
}

export function evolveTemplate(state: Template, event: TemplateEvent): Template {
  switch (event.type) {
    case 'TemplateCreated':
    case 'TemplateRevised':
      return { status: 'active', templateId: event.data.templateId, version: event.data.version, settings: settingsOf(event.data) };
    case 'TemplateArchived':
      return state.status === 'none' ? state : { ...state, status: 'archived' };
    default:
      return assertNever(event, 'template event');
  }
}

export const templateDecider: Decider<TemplateCommand, TemplateEvent, Template> = {
  initialState: () => ({ status: 'none' }),
  decide: decideTemplate,
  evolve: evolveTemplate,
};
