import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON } from '../support/servers.js';
import { ENGINES } from '../support/engines.js';

const PLATFORM_FIELDS = 'id name issuer clientId deploymentIds authUrl tokenUrl jwksUrl method removed registeredBy registeredAt';
const REGISTER = `mutation($input: RegisterLtiPlatformInput!) { registerLtiPlatform(input: $input) { ${PLATFORM_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: LtiPlatformSettingsInput!) { updateLtiPlatform(id: $id, input: $input) { ${PLATFORM_FIELDS} } }`;
const REMOVE = `mutation($id: ID!) { removeLtiPlatform(id: $id) { id removed } }`;
const LIST = `{ ltiPlatforms { ${PLATFORM_FIELDS} } }`;
const TOOL = `{ ltiTool { toolUrl loginUrl launchUrl deepLinkingUrl jwksUrl registrationUrl scopes keys { kid createdAt retiredAt signing } } }`;
const ROTATE = `mutation { rotateLtiKey { keys { kid signing retiredAt } } }`;
const LINK = `mutation { createLtiRegistrationLink { url expiresAt } }`;

const moodle = {
  name: 'Moodle of the school', issuer: 'https://moodle.school.example', clientId: 'abc123', deploymentIds: ['1'],
  authUrl: 'https://moodle.school.example/mod/lti/auth.php', tokenUrl: 'https://moodle.school.example/mod/lti/token.php', jwksUrl: 'https://moodle.school.example/mod/lti/certs.php',
};
const settingsOf = ({ issuer: _i, clientId: _c, ...rest }: typeof moodle) => rest;

/** The page's Content-Security-Policy frame-ancestors sources. */
async function frameAncestors(api: TestApi): Promise<string[]> {
  const csp = (await fetch(`${api.server.url}/`)).headers.get('content-security-policy') ?? '';
  return csp.split(';').map((d) => d.trim().split(/\s+/)).find(([name]) => name === 'frame-ancestors')?.slice(1) ?? [];
}

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`administrators register LMS platforms through the API ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  beforeAll(async () => {
    const web = mkdtempSync(join(tmpdir(), 'lti-web-'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>app</title>');
    api = await startTestApi({ publicUrl: 'https://proctor.example.org', frameAncestors: ["'self'", 'https://canvas.example.edu'] }, { webDir: web, postgresUrl });
  });
  afterAll(async () => api?.close());

  describe('when an administrator registers, edits and removes a platform', () => {
    it('lists it with every field, then changed, then marked removed', async () => {
      const { registerLtiPlatform: created } = await api.as('admin', REGISTER, { input: moodle });
      expect(created).toMatchObject({ ...moodle, method: 'manual', removed: false, registeredBy: 'admin' });
      expect(created.id).toMatch(/^p-[0-9a-f]{24}$/);
      expect((await api.as('admin', LIST)).ltiPlatforms).toEqual([created]);

      const changed = { ...settingsOf(moodle), name: 'Moodle (new name)', deploymentIds: ['1', '2'] };
      const { updateLtiPlatform: updated } = await api.as('admin', UPDATE, { id: created.id, input: changed });
      expect(updated).toMatchObject({ ...changed, issuer: moodle.issuer, clientId: moodle.clientId });

      expect((await api.as('admin', REMOVE, { id: created.id })).removeLtiPlatform).toEqual({ id: created.id, removed: true });
      expect((await api.as('admin', LIST)).ltiPlatforms).toEqual([{ ...updated, removed: true }]);
    });

    it('lets the registered platform frame our pages, beside the configured origins, and no longer once it is removed', async () => {
      expect(await frameAncestors(api)).toEqual(["'self'", 'https://canvas.example.edu']);
      const input = { ...moodle, clientId: 'frame-1', issuer: 'https://lms.frame.example', authUrl: 'https://auth.frame.example/authorize' };
      const { registerLtiPlatform: p } = await api.as('admin', REGISTER, { input });
      expect(await frameAncestors(api)).toEqual(["'self'", 'https://canvas.example.edu', 'https://auth.frame.example', 'https://lms.frame.example']);
      await api.as('admin', REMOVE, { id: p.id });
      expect(await frameAncestors(api)).toEqual(["'self'", 'https://canvas.example.edu']);
    });
  });

  describe('when the input is bad', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['an issuer that is not a URL', { issuer: 'moodle' }, 'issuer'],
      ['an empty name', { name: '  ' }, 'platform name'],
      ['a token URL with a password', { tokenUrl: 'https://user:pw@moodle.school.example/token' }, 'token URL'],
      ['a JWKS URL that is not http', { jwksUrl: 'ftp://moodle.school.example/certs' }, 'JWKS URL'],
      ['a client id of 300 characters', { clientId: 'c'.repeat(300) }, 'client id'],
      ['too many deployments', { deploymentIds: Array.from({ length: 51 }, (_, i) => `d${i}`) }, 'deploymentIds'],
    ];
    for (const [what, change, field] of cases) {
      it(`refuses ${what} as BAD_USER_INPUT naming the field`, async () => {
        const r = await api.gql(REGISTER, { input: { ...moodle, clientId: `bad-${field}`, ...change } }, await api.login('admin'));
        expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      });
    }

    it('answers NOT_FOUND for a platform that does not exist, and CONFLICT for one registered twice', async () => {
      expect(await api.errorCode('admin', UPDATE, { id: 'p-nope', input: settingsOf(moodle) })).toBe('NOT_FOUND');
      expect(await api.errorCode('admin', REMOVE, { id: 'p-nope' })).toBe('NOT_FOUND');
      const input = { ...moodle, clientId: 'twice' };
      await api.as('admin', REGISTER, { input });
      expect(await api.errorCode('admin', REGISTER, { input })).toBe('CONFLICT');
    });
  });

  describe("when an administrator looks at our tool's registration data and keys", () => {
    it('answers the URLs an LMS administrator types in and the signing key', async () => {
      const { ltiTool } = await api.as('admin', TOOL);
      expect(ltiTool).toMatchObject({
        toolUrl: 'https://proctor.example.org', loginUrl: 'https://proctor.example.org/lti/login', launchUrl: 'https://proctor.example.org/lti/launch',
        deepLinkingUrl: 'https://proctor.example.org/lti/launch', jwksUrl: 'https://proctor.example.org/.well-known/jwks.json', registrationUrl: 'https://proctor.example.org/lti/register',
      });
      expect(ltiTool.scopes).toContain('https://purl.imsglobal.org/spec/lti-ap/scope/control.all');
      expect(ltiTool.keys.filter((k: { signing: boolean }) => k.signing)).toHaveLength(1);
      const jwks = (await (await fetch(`${api.server.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
      expect(jwks.keys.map((k) => k.kid)).toContain(ltiTool.keys[0].kid);
    });

    it('rotates the key: the new one signs, the old one stays published', async () => {
      const before = (await api.as('admin', TOOL)).ltiTool.keys;
      const after = (await api.as('admin', ROTATE)).rotateLtiKey.keys;
      expect(after).toHaveLength(before.length + 1);
      expect(after[0].signing).toBe(true);
      expect(after[0].kid).not.toBe(before[0].kid);
      expect(after.slice(1)).toEqual(before.map((k: { kid: string; retiredAt: string | null }) => ({ kid: k.kid, signing: false, retiredAt: k.retiredAt })));
    });

    it('makes a dynamic-registration link with a token, valid for 24 hours', async () => {
      const { createLtiRegistrationLink: link } = await api.as('admin', LINK);
      const url = new URL(link.url);
      expect(`${url.origin}${url.pathname}`).toBe('https://proctor.example.org/lti/register');
      expect(url.searchParams.get('t')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(Date.parse(link.expiresAt) - Date.now()).toBeGreaterThan(24 * 3600_000 - 60_000);
      expect(Date.parse(link.expiresAt) - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    });
  });

  describe('when someone who is not an administrator asks', () => {
    const operations: Array<[string, string, Record<string, unknown>]> = [
      ['ltiPlatforms', LIST, {}], ['registerLtiPlatform', REGISTER, { input: { ...moodle, clientId: 'other' } }],
      ['updateLtiPlatform', UPDATE, { id: 'p-x', input: settingsOf(moodle) }], ['removeLtiPlatform', REMOVE, { id: 'p-x' }],
      ['ltiTool', TOOL, {}], ['rotateLtiKey', ROTATE, {}], ['createLtiRegistrationLink', LINK, {}],
    ];
    for (const [name, query, variables] of operations) {
      it(`refuses ${name} to proctors, test-takers, auditors and integrations, and asks strangers to sign in`, async () => {
        for (const user of ['proctor1', 'student1', 'auditor1', 'lms']) expect(await api.errorCode(user, query, variables), user).toBe('FORBIDDEN');
        expect(await api.errorCode(null, query, variables)).toBe('UNAUTHENTICATED');
      });
    }
  });
});
