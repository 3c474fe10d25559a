import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { startLtiPlatform, type LtiPlatform } from '../support/lti-platform.js';
import { describeWithServer, NO_POSTGRES_REASON } from '../support/servers.js';
import { ENGINES } from '../support/engines.js';

const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
const PLATFORMS = `{ ltiPlatforms { id name issuer clientId deploymentIds authUrl tokenUrl jwksUrl method removed registeredBy } }`;

/**
 * A doctored platform for the refusals the spec-exact one never makes: it serves the OpenID configuration `configure`
 * writes (given its own base URL) and answers every registration with 400, keeping what it received.
 */
async function startDoctoredPlatform(configure: (base: string) => Record<string, unknown>) {
  const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(configure(base)));
      } else {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client_metadata', error_description: 'this LMS takes no tools today' }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base, received,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`LTI Dynamic Registration against a test platform ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  let lms: LtiPlatform;
  beforeAll(async () => {
    api = await startTestApi({ publicUrl: 'https://proctor.example.org' }, { postgresUrl });
    lms = await startLtiPlatform();
  });
  afterAll(async () => {
    await lms?.close();
    await api?.close();
  });

  /** A fresh single-use link made by the administrator, on our test server's address. */
  async function registrationLink(): Promise<string> {
    const { createLtiRegistrationLink } = await api.as('admin', `mutation { createLtiRegistrationLink { url } }`);
    const link = new URL(createLtiRegistrationLink.url);
    return `${api.server.url}${link.pathname}${link.search}`;
  }
  const open = async (url: string) => {
    const res = await fetch(url);
    return { status: res.status, html: await res.text() };
  };
  const platforms = async () => (await api.as('admin', PLATFORMS)).ltiPlatforms as Array<Record<string, unknown>>;

  describe('when the LMS administrator pastes our link', () => {
    let first: string;
    it('posts our tool configuration with the Bearer registration token, stores the platform and tells the LMS to close', async () => {
      first = lms.startDynamicRegistration(await registrationLink());
      const page = await open(first);
      expect(page.status, page.html).toBe(200);
      expect(page.html).toContain('Registered');
      expect(page.html).toContain(`(window.opener || window.parent).postMessage({ subject: 'org.imsglobal.lti.close' }, '*')`);

      // The platform accepts only a request with the registration token it handed out (else it answers 401).
      expect(lms.dynamicRegistrations).toHaveLength(1);
      const { request, registration } = lms.dynamicRegistrations[0];
      expect(request).toMatchObject({
        application_type: 'web', response_types: ['id_token'], grant_types: ['implicit', 'client_credentials'],
        initiate_login_uri: 'https://proctor.example.org/lti/login', redirect_uris: ['https://proctor.example.org/lti/launch'],
        jwks_uri: 'https://proctor.example.org/.well-known/jwks.json', token_endpoint_auth_method: 'private_key_jwt', client_name: 'Proctor',
      });
      expect(String(request.scope).split(' ')).toEqual(expect.arrayContaining([
        'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem', 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
        'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly', 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
        'https://purl.imsglobal.org/spec/lti-ap/scope/control.all',
      ]));
      const conf = request[TOOL_CONFIGURATION] as { domain: string; target_link_uri: string; messages: Array<Record<string, unknown>> };
      expect(conf.domain).toBe('proctor.example.org');
      expect(conf.target_link_uri).toBe('https://proctor.example.org/lti/launch');
      expect(conf.messages.map((m) => m.type)).toEqual(['LtiResourceLinkRequest', 'LtiDeepLinkingRequest', 'LtiStartProctoring', 'LtiEndAssessment']);
      expect(conf.messages[1]).toMatchObject({ target_link_uri: 'https://proctor.example.org/lti/launch', placements: expect.any(Array) });

      expect(await platforms()).toEqual([expect.objectContaining({
        issuer: lms.issuer, clientId: registration.clientId, deploymentIds: [registration.deploymentId], method: 'dynamic', removed: false, registeredBy: 'admin',
        authUrl: lms.endpoints.authorization, tokenUrl: lms.endpoints.token, jwksUrl: lms.endpoints.jwks,
      })]);
    });

    it('refuses the same link a second time, before calling the platform', async () => {
      const before = lms.requests.length;
      const again = await open(lms.startDynamicRegistration(new URL(first).toString().replace(/registration_token=[^&]+/, 'registration_token=fresh')));
      expect(again.status).toBe(403);
      expect(again.html).toContain('was used already');
      expect(again.html).not.toContain('postMessage');
      expect(lms.requests.slice(before)).toEqual([]);
      expect(await platforms()).toHaveLength(1);
    });
  });

  describe('when the platform cannot be trusted or refuses', () => {
    it('refuses an OpenID configuration whose issuer is on another origin, and registers nothing', async () => {
      const doctored = await startDoctoredPlatform(() => ({
        issuer: lms.issuer, authorization_endpoint: lms.endpoints.authorization, token_endpoint: lms.endpoints.token, jwks_uri: lms.endpoints.jwks,
        registration_endpoint: lms.endpoints.registration, id_token_signing_alg_values_supported: ['RS256'],
        'https://purl.imsglobal.org/spec/lti-platform-configuration': { product_family_code: 'evil' },
      }));
      try {
        const link = new URL(await registrationLink());
        link.searchParams.set('openid_configuration', `${doctored.base}/.well-known/openid-configuration`);
        link.searchParams.set('registration_token', 'token-of-the-doctored-platform');
        const before = lms.dynamicRegistrations.length;
        const page = await open(link.toString());
        expect(page.status).toBe(400);
        expect(page.html).toContain(`is not on ${doctored.base}`);
        expect(page.html).toContain('Nothing was registered');
        expect(doctored.received.map((r) => r.path)).toEqual(['/.well-known/openid-configuration']);
        expect(lms.dynamicRegistrations).toHaveLength(before);
        expect(await platforms()).toHaveLength(1);
      } finally {
        await doctored.close();
      }
    });

    it("shows the platform's reason when its registration endpoint answers 400, and registers nothing", async () => {
      const doctored = await startDoctoredPlatform((base) => ({
        issuer: base, authorization_endpoint: `${base}/auth`, token_endpoint: `${base}/token`, jwks_uri: `${base}/jwks`, registration_endpoint: `${base}/register`,
        id_token_signing_alg_values_supported: ['RS256'], 'https://purl.imsglobal.org/spec/lti-platform-configuration': { product_family_code: 'picky' },
      }));
      try {
        const link = new URL(await registrationLink());
        link.searchParams.set('openid_configuration', `${doctored.base}/.well-known/openid-configuration`);
        link.searchParams.set('registration_token', 'picky-token-1');
        const page = await open(link.toString());
        expect(page.status).toBe(400);
        expect(page.html).toContain('the platform refused our registration (400: invalid_client_metadata: this LMS takes no tools today)');
        const post = doctored.received.find((r) => r.path === '/register')!;
        expect(post.headers.authorization).toBe('Bearer picky-token-1');
        expect(post.headers['content-type']).toMatch(/^application\/json/);
        expect(JSON.parse(post.body)[TOOL_CONFIGURATION].domain).toBe('proctor.example.org');
        expect(await platforms()).toHaveLength(1);
      } finally {
        await doctored.close();
      }
    });

    it('refuses an OpenID configuration larger than 256 KB without reading it all', async () => {
      const doctored = await startDoctoredPlatform((base) => ({ issuer: base, padding: 'x'.repeat(300 * 1024) }));
      try {
        const link = new URL(await registrationLink());
        link.searchParams.set('openid_configuration', `${doctored.base}/.well-known/openid-configuration`);
        const page = await open(link.toString());
        expect(page.status).toBe(400);
        expect(page.html).toContain('answered more than 256 KB');
        expect(await platforms()).toHaveLength(1);
      } finally {
        await doctored.close();
      }
    });

    it('refuses a link that is not ours, and an OpenID configuration over plain http to another machine', async () => {
      const forged = await open(`${api.server.url}/lti/register?t=not.a.token&openid_configuration=${encodeURIComponent(lms.endpoints.openidConfiguration)}`);
      expect(forged.status).toBe(403);
      expect(forged.html).toContain('is not one of ours');
      const link = new URL(await registrationLink());
      link.searchParams.set('openid_configuration', 'http://lms.example.edu/.well-known/openid-configuration');
      const plain = await open(link.toString());
      expect(plain.status).toBe(400);
      expect(plain.html).toContain('must be an https URL');
      expect(await platforms()).toHaveLength(1);
    });
  });
});
