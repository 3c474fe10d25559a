import { describe, it } from 'vitest';
import { specFor } from '../../../test/support/spec.js';
import type { Actor } from '../core/decider.js';
import { IllegalStateError, ValidationError } from '../core/errors.js';
import { ltiPlatformDecider, type LtiPlatformCommand, type LtiPlatformEvent } from './platform.js';

const NOW = new Date('2026-11-30T08:00:00.000Z');
const admin: Actor = { id: 'admin', role: 'admin' };
const spec = specFor(ltiPlatformDecider);
let n = 0;
const cmd = <T extends LtiPlatformCommand['type']>(type: T, data: Extract<LtiPlatformCommand, { type: T }>['data']): LtiPlatformCommand =>
  ({ type, data, metadata: { now: NOW, actor: admin, commandId: `c${++n}` } }) as LtiPlatformCommand;
const endpoints = { authUrl: 'https://lms.example.edu/auth', tokenUrl: 'https://lms.example.edu/token', jwksUrl: 'https://lms.example.edu/jwks' };
const settings = { name: 'Moodle', issuer: 'https://lms.example.edu', clientId: 'abc123', deploymentIds: ['1', '1'], ...endpoints };
const register = (overrides: Record<string, unknown> = {}) => cmd('RegisterLtiPlatform', { ...settings, platformId: 'p-1', method: 'manual', ...overrides } as never);
const registered: LtiPlatformEvent = {
  type: 'LtiPlatformRegistered',
  data: { platformId: 'p-1', name: 'Moodle', issuer: 'https://lms.example.edu', clientId: 'abc123', deploymentIds: ['1'], ...endpoints, method: 'manual', by: 'admin', at: NOW.toISOString() },
};
const removed: LtiPlatformEvent = { type: 'LtiPlatformRemoved', data: { by: 'admin', at: NOW.toISOString() } };

describe('an LTI platform registration', () => {
  it('registers a platform once, its deployment ids without repeats', () => {
    spec([]).when(register()).then([registered]);
    spec([registered]).when(register()).thenThrows(IllegalStateError, /registered already/);
  });
  it('refuses endpoints that are not http(s) URLs, carry credentials, or hold control characters', () => {
    spec([]).when(register({ authUrl: 'javascript:alert(1)' })).thenThrows(ValidationError, /http or https/);
    spec([]).when(register({ jwksUrl: 'not a url' })).thenThrows(ValidationError, /not a URL/);
    spec([]).when(register({ tokenUrl: 'https://u:p@lms.example.edu/token' })).thenThrows(ValidationError, /user name or password/);
    spec([]).when(register({ issuer: 'https://lms.example.edu/\u0007' })).thenThrows(ValidationError, /control characters/);
    spec([]).when(register({ authUrl: `https://lms.example.edu/${'a'.repeat(2000)}` })).thenThrows(ValidationError, /limit is 2000/);
  });
  it('refuses an empty or overlong client id, a name too long, and too many deployments', () => {
    spec([]).when(register({ clientId: ' ' })).thenThrows(ValidationError, /client id is empty/);
    spec([]).when(register({ clientId: 'x'.repeat(256) })).thenThrows(ValidationError, /client id/);
    spec([]).when(register({ name: 'n'.repeat(201) })).thenThrows(ValidationError, /platform name/);
    spec([]).when(register({ deploymentIds: Array.from({ length: 51 }, (_, i) => String(i)) })).thenThrows(ValidationError, /at most 50/);
    spec([]).when(register({ deploymentIds: 'one' })).thenThrows(ValidationError, /must be a list/);
  });
  it('updates the endpoints and deployments of a registered platform, not of a removed one', () => {
    const update = cmd('UpdateLtiPlatform', { name: 'Moodle 4.5', deploymentIds: ['1', '2'], ...endpoints });
    spec([registered]).when(update).then([{ type: 'LtiPlatformUpdated', data: { name: 'Moodle 4.5', deploymentIds: ['1', '2'], ...endpoints, by: 'admin', at: NOW.toISOString() } }]);
    spec([registered, removed]).when(update).thenThrows(IllegalStateError, /removed/);
    spec([]).when(update).thenThrows(IllegalStateError, /not registered/);
  });
  it('removes a platform once, and lets it be registered again', () => {
    spec([registered]).when(cmd('RemoveLtiPlatform', {})).then([removed]);
    spec([registered, removed]).when(cmd('RemoveLtiPlatform', {})).then([]);
    spec([registered, removed]).when(register()).then([registered]);
  });
});
