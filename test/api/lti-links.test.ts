import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureLink } from '../../src/app/lti/link-settings.js';
import { ltiLinkKey } from '../../src/app/lti/mapping.js';
import { ltiLinkStreamId, type LtiLinkEvent } from '../../src/domain/lti/link.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { ENGINES } from '../support/engines.js';
import { describeWithServer, NO_POSTGRES_REASON } from '../support/servers.js';

const FIELDS = 'platformId resourceLinkId contextId name durationMinutes proctor secondCamera template configuredBy configuredAt';
const LIST = `query($p: ID!) { ltiLinks(platformId: $p) { ${FIELDS} } }`;
const UPDATE = `mutation($p: ID!, $r: String!, $input: LtiLinkSettingsInput!) { updateLtiLink(platformId: $p, resourceLinkId: $r, input: $input) { ${FIELDS} } }`;
const REGISTER = `mutation($input: RegisterLtiPlatformInput!) { registerLtiPlatform(input: $input) { id } }`;
const moodle = {
  name: 'Moodle', issuer: 'https://moodle.links.example', clientId: 'links-1', deploymentIds: ['1'],
  authUrl: 'https://moodle.links.example/auth', tokenUrl: 'https://moodle.links.example/token', jwksUrl: 'https://moodle.links.example/certs',
};
const TEACHER = { id: 'lti-p-teacher', role: 'proctor' } as const;
const first = { name: 'Algebra final', durationMinutes: 60, proctor: 'proctor1', secondCamera: false, template: null };

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`administrators edit an LMS resource link's exam settings ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  let platformId: string;
  beforeAll(async () => {
    const web = mkdtempSync(join(tmpdir(), 'lti-links-web-'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>app</title>');
    api = await startTestApi({}, { webDir: web, postgresUrl });
    platformId = (await api.as('admin', REGISTER, { input: moodle })).registerLtiPlatform.id;
    // As the instructor's first launch does, through the settings form.
    await configureLink(api.core, { platformId, resourceLinkId: 'rl-1', contextId: 'course-7' }, first, TEACHER);
  });
  afterAll(async () => api?.close());

  const events = async () => api.core.store.readStream<LtiLinkEvent>(ltiLinkStreamId(ltiLinkKey(platformId, 'rl-1')));

  describe('when an administrator changes the duration, the proctor and the second camera of a configured link', () => {
    it('lists the link as its instructor configured it', async () => {
      const { ltiLinks } = await api.as('admin', LIST, { p: platformId });
      expect(ltiLinks).toEqual([expect.objectContaining({ platformId, resourceLinkId: 'rl-1', contextId: 'course-7', ...first, configuredBy: 'lti-p-teacher' })]);
    });

    it('records the change as an event by the administrator, and the next launch takes the new settings', async () => {
      const input = { ...first, durationMinutes: 90, proctor: 'proctor2', secondCamera: true };
      const { updateLtiLink } = await api.as('admin', UPDATE, { p: platformId, r: 'rl-1', input });
      expect(updateLtiLink).toMatchObject({ ...input, contextId: 'course-7', configuredBy: 'admin' });
      expect((await api.as('admin', LIST, { p: platformId })).ltiLinks).toEqual([updateLtiLink]);
      expect((await events()).map((e) => [e.type, e.data.by, e.data.durationMinutes])).toEqual([['LtiLinkConfigured', 'lti-p-teacher', 60], ['LtiLinkConfigured', 'admin', 90]]);
      expect(await api.core.loadLtiLink(ltiLinkKey(platformId, 'rl-1'))).toMatchObject({ durationMinutes: 90, proctor: 'proctor2', secondCamera: true, contextId: 'course-7' });
    });

    it('records nothing when the settings are the same', async () => {
      const before = (await events()).length;
      await api.as('admin', UPDATE, { p: platformId, r: 'rl-1', input: { ...first, durationMinutes: 90, proctor: 'proctor2', secondCamera: true } });
      expect((await events()).length).toBe(before);
    });
  });

  describe('when the change is wrong or not theirs to make', () => {
    const input = { ...first, durationMinutes: 45 };
    it.each([
      ['a duration of 0', { ...input, durationMinutes: 0 }],
      ['a proctor with no account', { ...input, proctor: 'nobody-here' }],
      ['a template that does not exist', { ...input, template: 'No such template' }],
      ['an empty name', { ...input, name: '  ' }],
    ])('refuses %s and keeps the settings', async (_what, wrong) => {
      expect(await api.errorCode('admin', UPDATE, { p: platformId, r: 'rl-1', input: wrong })).toBe('BAD_USER_INPUT');
      expect((await api.core.loadLtiLink(ltiLinkKey(platformId, 'rl-1')))).toMatchObject({ durationMinutes: 90 });
    });

    it('answers not found for a link nobody configured', async () => {
      expect(await api.errorCode('admin', UPDATE, { p: platformId, r: 'rl-unknown', input })).toBe('NOT_FOUND');
    });

    it('refuses proctors: only administrators list and edit links', async () => {
      expect(await api.errorCode('proctor1', LIST, { p: platformId })).toBe('FORBIDDEN');
      expect(await api.errorCode('proctor1', UPDATE, { p: platformId, r: 'rl-1', input })).toBe('FORBIDDEN');
    });
  });
});
