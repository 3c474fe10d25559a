import { describe, expect, it } from 'vitest';
import { specFor } from '../../../test/support/spec.js';
import type { Actor } from '../core/decider.js';
import { IllegalStateError, ValidationError } from '../core/errors.js';
import { sessionFromTemplate } from './for-session.js';
import { DEFAULT_TEMPLATE, type TemplateSettings } from './settings.js';
import { templateDecider, type TemplateCommand, type TemplateEvent } from './template.js';

const NOW = new Date('2026-11-30T08:00:00.000Z');
const admin: Actor = { id: 'admin', role: 'admin' };
const spec = specFor(templateDecider);
const meta = { now: NOW, actor: admin, commandId: 'c1' };
const entrance: TemplateSettings = {
  ...DEFAULT_TEMPLATE, name: 'Entrance exam', metrics: ['c2', 'c3', 'b2'], weights: { c3: 3 }, threshold: 70,
  stages: { ...DEFAULT_TEMPLATE.stages, idPhoto: true, proctorApproval: true }, addons: { ...DEFAULT_TEMPLATE.addons, secondCamera: true }, durationMinutes: 120,
};
const create = (over: Record<string, unknown> = {}): TemplateCommand => ({ type: 'CreateTemplate', data: { templateId: 'entrance', ...entrance, ...over }, metadata: meta }) as TemplateCommand;
const revise = (over: Record<string, unknown> = {}): TemplateCommand => ({ type: 'ReviseTemplate', data: { ...entrance, ...over }, metadata: meta }) as TemplateCommand;
const archive: TemplateCommand = { type: 'ArchiveTemplate', data: {}, metadata: meta };
const created: TemplateEvent = { type: 'TemplateCreated', data: { templateId: 'entrance', version: 1, ...entrance, by: 'admin', at: NOW.toISOString() } };
const revised = (version: number, over: Partial<TemplateSettings>): TemplateEvent =>
  ({ type: 'TemplateRevised', data: { templateId: 'entrance', version, ...entrance, ...over, by: 'admin', at: NOW.toISOString() } });
const archived: TemplateEvent = { type: 'TemplateArchived', data: { templateId: 'entrance', version: 2, by: 'admin', at: NOW.toISOString() } };

describe('an exam template', () => {
  it('is created as version 1 with its settings trimmed', () => {
    spec([]).when(create({ name: '  Entrance exam ' })).then([created]);
  });
  it('refuses a second creation on the same stream', () => {
    spec([created]).when(create()).thenThrows(IllegalStateError, /exists already/);
  });
  describe('when it is revised', () => {
    it('makes a new version for every change', () => {
      spec([created]).when(revise({ threshold: 60 })).then([revised(2, { threshold: 60 })]);
      spec([created, revised(2, { threshold: 60 })]).when(revise({ threshold: 60, rules: 'No notes.' })).then([revised(3, { threshold: 60, rules: 'No notes.' })]);
    });
    it('records nothing when nothing changed, whatever the order of the weights', () => {
      spec([created]).when(revise({ weights: { c3: 3 } })).then([]);
    });
    it('cannot revise what does not exist', () => {
      spec([]).when(revise()).thenThrows(IllegalStateError, /does not exist/);
    });
  });
  describe('when it is archived', () => {
    it('is archived once at its current version, and cannot be changed after', () => {
      spec([created, revised(2, { threshold: 60 })]).when(archive).then([archived]);
      spec([created, revised(2, { threshold: 60 }), archived]).when(archive).then([]);
      spec([created, archived]).when(revise({ threshold: 10 })).thenThrows(IllegalStateError, /archived/);
    });
  });
  it('refuses what a read model cannot hold', () => {
    spec([]).when(create({ name: ' ' })).thenThrows(ValidationError, /template name is empty/);
    spec([]).when(create({ name: 'x'.repeat(201) })).thenThrows(ValidationError, /limit is 200/);
    spec([]).when(create({ templateId: 'has space' })).thenThrows(ValidationError, /template id/);
    spec([]).when(create({ metrics: ['c2', 'zz'] })).thenThrows(ValidationError, /unknown metric zz/);
    spec([]).when(create({ weights: { c2: 101 } })).thenThrows(ValidationError, /weight of c2/);
    spec([]).when(create({ weights: { q9: 1 } })).thenThrows(ValidationError, /unknown metric q9/);
    spec([]).when(create({ threshold: Number.NaN })).thenThrows(ValidationError, /threshold/);
    spec([]).when(create({ rules: 'a\u0000b' })).thenThrows(ValidationError, /control characters/);
    spec([]).when(create({ rules: 'x'.repeat(20_001) })).thenThrows(ValidationError, /rules/);
    spec([]).when(create({ stages: { ...entrance.stages, idPhoto: 'yes' } })).thenThrows(ValidationError, /stages.idPhoto/);
    spec([]).when(create({ addons: { screen: true } })).thenThrows(ValidationError, /addons.secondCamera/);
    spec([]).when(create({ checkInBeforeMinutes: 1441 })).thenThrows(ValidationError, /check-in before/);
    spec([]).when(create({ checkInAfterMinutes: -1 })).thenThrows(ValidationError, /check-in after/);
    spec([]).when(create({ durationMinutes: 0 })).thenThrows(ValidationError, /duration/);
    spec([]).when(create({ retentionDays: 0 })).thenThrows(ValidationError, /retention/);
    spec([]).when(create({ scoreVisibleToStudent: 1 })).thenThrows(ValidationError, /score visible/);
  });
  it('keeps line breaks in the rules and no rules as none', () => {
    const [event] = spec([]).when(create({ rules: ' One.\nTwo. ' })).events();
    expect(event.type === 'TemplateCreated' && event.data.rules).toBe('One.\nTwo.');
    const [none] = spec([]).when(create({ rules: '  ' })).events();
    expect(none.type === 'TemplateCreated' && none.data.rules).toBe(null);
  });
});

describe('a session made from a template', () => {
  it('takes every setting from the version it names', () => {
    const s = sessionFromTemplate('entrance', 2, entrance, {});
    expect(s).toMatchObject({
      template: 'Entrance exam', durationMinutes: 120, metrics: ['c2', 'c3', 'b2'], weights: { c3: 3 }, threshold: 70, secondCamera: true, checkInBeforeMinutes: 15,
      fromTemplate: { templateId: 'entrance', version: 2, stages: { idPhoto: true, proctorApproval: true }, addons: { secondCamera: true }, retentionDays: 90 },
    });
  });
  it('lets the session override metrics, weights (per metric) and threshold', () => {
    const s = sessionFromTemplate('entrance', 1, entrance, { metrics: ['c2'], weights: { c2: 2 }, threshold: 40 });
    expect(s).toMatchObject({ metrics: ['c2'], weights: { c3: 3, c2: 2 }, threshold: 40 });
  });
});
