import { describe, it } from 'vitest';
import { specFor } from '../../../test/support/spec.js';
import type { Actor } from '../core/decider.js';
import { IllegalStateError, ValidationError } from '../core/errors.js';
import { ltiLinkDecider, type LtiLinkCommand, type LtiLinkEvent } from './link.js';

const NOW = new Date('2026-11-30T08:00:00.000Z');
const instructor: Actor = { id: 'lti-p-abc', role: 'proctor' };
const spec = specFor(ltiLinkDecider);
const base = { platformId: 'p-1', resourceLinkId: 'rl-1', contextId: 'course-1', name: 'Final exam', durationMinutes: 60, proctor: 'lti-p-abc', secondCamera: false };
const configure = (overrides: Record<string, unknown> = {}): LtiLinkCommand =>
  ({ type: 'ConfigureLtiLink', data: { ...base, ...overrides }, metadata: { now: NOW, actor: instructor, commandId: 'c1' } }) as LtiLinkCommand;
const configured = (overrides: Record<string, unknown> = {}): LtiLinkEvent =>
  ({ type: 'LtiLinkConfigured', data: { ...base, ...overrides, by: 'lti-p-abc', at: NOW.toISOString() } }) as LtiLinkEvent;

describe('a resource link configured as an exam', () => {
  it('is configured with a name, a duration, a proctor and the second camera choice', () => {
    spec([]).when(configure({ name: '  Final exam ' })).then([configured()]);
  });
  it('changes its settings later, and a repeat of the same settings records nothing', () => {
    spec([configured()]).when(configure({ durationMinutes: 90 })).then([configured({ durationMinutes: 90 })]);
    spec([configured()]).when(configure()).then([]);
  });
  it('keeps no proctor when none is given', () => {
    spec([]).when(configure({ proctor: ' ' })).then([configured({ proctor: null })]);
  });
  it('refuses an empty name, a duration out of range or not whole, a proctor that is not a username, a second camera that is not yes or no', () => {
    spec([]).when(configure({ name: ' ' })).thenThrows(ValidationError, /exam name is empty/);
    spec([]).when(configure({ durationMinutes: 0 })).thenThrows(ValidationError, /duration/);
    spec([]).when(configure({ durationMinutes: 1441 })).thenThrows(ValidationError, /duration/);
    spec([]).when(configure({ durationMinutes: 1.5 })).thenThrows(ValidationError, /duration/);
    spec([]).when(configure({ proctor: 'two words' })).thenThrows(ValidationError, /not a username/);
    spec([]).when(configure({ secondCamera: 'yes' })).thenThrows(ValidationError, /second camera/);
    spec([]).when(configure({ name: 'x'.repeat(301) })).thenThrows(ValidationError, /limit is 300/);
  });
  it('names the exam template its sessions are made from, and can drop it again', () => {
    spec([]).when(configure({ template: ' entrance-exam ' })).then([configured({ template: 'entrance-exam' })]);
    spec([configured({ template: 'entrance-exam' })]).when(configure({ template: 'entrance-exam' })).then([]);
    spec([configured({ template: 'entrance-exam' })]).when(configure({ template: null })).then([configured()]);
    spec([]).when(configure({ template: 'x'.repeat(201) })).thenThrows(ValidationError, /template/);
    spec([]).when(configure({ template: 'Oral\u0000exam' })).thenThrows(ValidationError, /template/);
  });
  it('refuses settings for another resource link on the same stream', () => {
    spec([configured()]).when(configure({ resourceLinkId: 'rl-2' })).thenThrows(IllegalStateError, /another resource link/);
  });
});
