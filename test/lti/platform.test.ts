import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JSONWebKeySet } from 'jose';
import {
  CLAIM, FLOW_TAMPERS, MEDIA_TYPE, PROCTORING_TAMPERS, ROLE, SCOPE, TOKEN_TAMPERS, startLtiPlatform,
  type LaunchOptions, type LtiPlatform, type LtiTamper, type ToolRegistration,
} from '../support/lti-platform.js';

/** A minimal tool: a key pair whose JWKS is served over loopback, and the URLs a platform registers. */
async function startTool() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = 'tool-key-1';
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base, kid, privateKey,
    urls: { loginUrl: `${base}/lti/login`, redirectUris: [`${base}/lti/launch`], jwksUrl: `${base}/jwks`, targetLinkUri: `${base}/lti/launch` },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
type Tool = Awaited<ReturnType<typeof startTool>>;

function formFields(html: string): { action: string; method: string; fields: Record<string, string> } {
  const form = /<form[^>]*method="(\w+)" action="([^"]*)"/.exec(html);
  if (!form) throw new Error(`no form in ${html}`);
  const unescape = (s: string) => s.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c)));
  const fields = Object.fromEntries([...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [unescape(m[1]), unescape(m[2])]));
  return { method: form[1], action: unescape(form[2]), fields };
}

/** What a tool's login endpoint does with the initiation: the authentication request to /auth. */
async function authenticate(lms: LtiPlatform, tool: Tool, options: LaunchOptions, overrides: Record<string, string | null> = {}) {
  const page = formFields(await (await fetch(lms.launchPage(options))).text());
  const params: Record<string, string | null> = {
    scope: 'openid', response_type: 'id_token', response_mode: 'form_post', prompt: 'none', client_id: page.fields.client_id,
    redirect_uri: tool.urls.redirectUris[0], login_hint: page.fields.login_hint, lti_message_hint: page.fields.lti_message_hint,
    state: `state-${randomUUID()}`, nonce: `nonce-${randomUUID()}`, ...overrides,
  };
  const body = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== null));
  const res = await fetch(lms.endpoints.authorization, { method: 'POST', body });
  return { status: res.status, form: formFields(await res.text()), sent: params, page };
}

async function platformJwks(lms: LtiPlatform): Promise<JSONWebKeySet> {
  return (await fetch(lms.endpoints.jwks)).json() as Promise<JSONWebKeySet>;
}

async function assertion(tool: Tool, reg: ToolRegistration, over: { aud?: string; jti?: string; key?: CryptoKey } = {}) {
  return new SignJWT({ jti: over.jti ?? randomUUID() }).setProtectedHeader({ alg: 'RS256', kid: tool.kid })
    .setIssuer(reg.clientId).setSubject(reg.clientId).setAudience(over.aud ?? '').setIssuedAt().setExpirationTime('5m')
    .sign(over.key ?? tool.privateKey);
}

async function token(lms: LtiPlatform, jwt: string, scope: string) {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt, scope });
  const res = await fetch(lms.endpoints.token, { method: 'POST', body });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe('the test LTI platform', () => {
  let lms: LtiPlatform;
  let tool: Tool;
  let reg: ToolRegistration;
  const tokenFor = async (scope: string) => (await token(lms, await assertion(tool, reg, { aud: lms.endpoints.token }), scope)).body.access_token;

  beforeAll(async () => {
    lms = await startLtiPlatform();
    tool = await startTool();
    reg = lms.register(tool.urls);
  });
  afterAll(async () => {
    await lms.close();
    await tool.close();
  });

  describe('when a tool launches a resource link', () => {
    it('posts the login initiation and answers an id_token that its JWKS verifies, with the LTI claims', async () => {
      const { form, page, sent } = await authenticate(lms, tool, { custom: { exam: 'e1' } });
      expect(page.action).toBe(tool.urls.loginUrl);
      expect(page.fields).toMatchObject({ iss: lms.issuer, client_id: reg.clientId, lti_deployment_id: reg.deploymentId, target_link_uri: tool.urls.targetLinkUri });
      expect(form.action).toBe(tool.urls.redirectUris[0]);
      expect(form.fields.state).toBe(sent.state);
      const { payload, protectedHeader } = await jwtVerify(form.fields.id_token, createLocalJWKSet(await platformJwks(lms)), { issuer: lms.issuer, audience: reg.clientId, algorithms: ['RS256'] });
      expect(protectedHeader.kid).toBe(lms.currentKid);
      expect(payload).toMatchObject({
        azp: reg.clientId, sub: 'learner-1', nonce: sent.nonce, name: 'Lea Learner', email: 'lea@example.test',
        [CLAIM.messageType]: 'LtiResourceLinkRequest', [CLAIM.version]: '1.3.0', [CLAIM.deploymentId]: reg.deploymentId,
        [CLAIM.resourceLink]: { id: 'rl-1' }, [CLAIM.roles]: [ROLE.learner], [CLAIM.context]: { id: 'course-1' }, [CLAIM.custom]: { exam: 'e1' },
        [CLAIM.ags]: { lineitems: lms.endpoints.lineItems('course-1') },
        [CLAIM.nrps]: { context_memberships_url: lms.endpoints.memberships('course-1'), service_versions: ['2.0'] },
      });
    });

    it('can initiate by GET and load the tool in an iframe of its page', async () => {
      const html = await (await fetch(lms.launchPage({ iframe: true, initiation: 'get' }))).text();
      expect(html).toMatch(/<iframe name="lti-tool-frame"[^>]*allow="camera \*; microphone \*; display-capture \*/);
      expect(formFields(html).method).toBe('get');
      expect(html).toContain('target="lti-tool-frame"');
    });

    it('refuses an authentication request with an unregistered redirect_uri, and reports a missing nonce to the redirect_uri', async () => {
      expect((await authenticate(lms, tool, {}, { redirect_uri: `${tool.base}/elsewhere` }).catch(() => null))).toBeNull();
      const noNonce = await authenticate(lms, tool, {}, { nonce: null });
      expect(noNonce.form.fields).toMatchObject({ error: 'invalid_request', error_description: 'nonce is missing' });
    });
  });

  describe('when a launch is for proctoring or deep linking', () => {
    it('carries the LTI Proctoring Services and Deep Linking claims', async () => {
      const proctoring = decodeJwt((await authenticate(lms, tool, { messageType: 'LtiStartProctoring', proctoring: { attemptNumber: 2, acs: ['pause', 'flag'] } })).form.fields.id_token);
      expect(proctoring[CLAIM.attemptNumber]).toBe(2);
      expect(proctoring[CLAIM.startAssessmentUrl]).toMatch(new RegExp(`^${lms.issuer}/start-assessment/`));
      expect(typeof proctoring[CLAIM.sessionData]).toBe('string');
      expect(proctoring[CLAIM.acs]).toEqual({ assessment_control_url: lms.endpoints.assessmentControl, actions: ['pause', 'flag'] });
      const deep = decodeJwt((await authenticate(lms, tool, { messageType: 'LtiDeepLinkingRequest', roles: [ROLE.instructor] })).form.fields.id_token);
      expect(deep[CLAIM.deepLinkingSettings]).toMatchObject({ accept_types: ['ltiResourceLink'], deep_link_return_url: expect.stringContaining('/deep-link-return/') });
      expect(deep[CLAIM.resourceLink]).toBeUndefined();
    });
  });

  describe('when a launch asks for a defect', () => {
    const defects: Record<(typeof TOKEN_TAMPERS)[number] | (typeof PROCTORING_TAMPERS)[number], (h: Record<string, unknown>, c: Record<string, unknown>, verifies: boolean) => void> = {
      'bad-signature': (h, _c, v) => { expect(v).toBe(false); expect(h.kid).toBe(lms.currentKid); },
      'unknown-kid': (h, _c, v) => { expect(v).toBe(false); expect(h.kid).not.toBe(lms.currentKid); },
      'missing-kid': (h) => expect(h.kid).toBeUndefined(),
      'alg-none': (h, _c, v) => { expect(h.alg).toBe('none'); expect(v).toBe(false); },
      hs256: (h, _c, v) => { expect(h.alg).toBe('HS256'); expect(v).toBe(false); },
      'wrong-iss': (_h, c) => expect(c.iss).not.toBe(lms.issuer),
      'wrong-aud': (_h, c) => expect(c.aud).not.toBe(reg.clientId),
      'aud-array-without-azp': (_h, c) => { expect(c.aud).toEqual([reg.clientId, 'another-client']); expect(c.azp).toBeUndefined(); },
      expired: (_h, c) => expect(c.exp as number).toBeLessThan(Date.now() / 1000),
      'iat-in-future': (_h, c) => expect(c.iat as number).toBeGreaterThan(Date.now() / 1000 + 60),
      'missing-nonce': (_h, c) => expect(c.nonce).toBeUndefined(),
      'unregistered-deployment': (_h, c) => expect(c[CLAIM.deploymentId]).not.toBe(reg.deploymentId),
      'wrong-version': (_h, c) => expect(c[CLAIM.version]).not.toBe('1.3.0'),
      'unknown-message-type': (_h, c) => expect(c[CLAIM.messageType]).toBe('LtiUnknownRequest'),
      'missing-sub': (_h, c) => expect(c.sub).toBeUndefined(),
      'roles-not-array': (_h, c) => expect(Array.isArray(c[CLAIM.roles])).toBe(false),
      'missing-resource-link-id': (_h, c) => expect((c[CLAIM.resourceLink] as { id?: string }).id).toBeUndefined(),
      'missing-start-assessment-url': (_h, c) => expect(c[CLAIM.startAssessmentUrl]).toBeUndefined(),
      'missing-session-data': (_h, c) => expect(c[CLAIM.sessionData]).toBeUndefined(),
      'non-integer-attempt-number': (_h, c) => expect(Number.isInteger(c[CLAIM.attemptNumber])).toBe(false),
    };

    it.each(Object.keys(defects) as (keyof typeof defects)[])('%s puts exactly that defect in the id_token', async (tamper) => {
      const messageType = (PROCTORING_TAMPERS as readonly LtiTamper[]).includes(tamper) ? 'LtiStartProctoring' : 'LtiResourceLinkRequest';
      const { form } = await authenticate(lms, tool, { tamper, messageType });
      const jwt = form.fields.id_token;
      const verifies = await jwtVerify(jwt, createLocalJWKSet(await platformJwks(lms)), { algorithms: ['RS256'] }).then(() => true, () => false);
      defects[tamper](decodeProtectedHeader(jwt) as Record<string, unknown>, decodeJwt(jwt), verifies);
    });

    it('state-mismatch posts another state, replayed-id-token the previous launch\'s id_token and state', async () => {
      expect(FLOW_TAMPERS).toEqual(['replayed-id-token', 'state-mismatch']);
      const mismatch = await authenticate(lms, tool, { tamper: 'state-mismatch' });
      expect(mismatch.form.fields.state).not.toBe(mismatch.sent.state);
      const first = await authenticate(lms, tool, {});
      const replay = await authenticate(lms, tool, { tamper: 'replayed-id-token' });
      expect(replay.form.fields).toEqual(first.form.fields);
      const launch = lms.launches.find((l) => l.issued?.idToken === first.form.fields.id_token)!;
      expect(formFields(await (await fetch(lms.replayPageUrl(launch.id))).text()).fields).toEqual(first.form.fields);
    });
  });

  describe('when the platform rotates its key', () => {
    it('signs with the new kid and publishes both until the old one is retired', async () => {
      const old = lms.currentKid;
      const kid = await lms.rotateKey();
      expect((await platformJwks(lms)).keys.map((k) => k.kid)).toEqual([old, kid]);
      expect(decodeProtectedHeader((await authenticate(lms, tool, {})).form.fields.id_token).kid).toBe(kid);
    });
  });

  describe('when a tool asks the token endpoint for an access token', () => {
    it('grants one for a valid assertion and refuses a wrong key, a wrong aud, a replayed jti and an ungranted scope', async () => {
      const jti = randomUUID();
      const ok = await token(lms, await assertion(tool, reg, { aud: lms.endpoints.token, jti }), SCOPE.score);
      expect(ok).toMatchObject({ status: 200, body: { token_type: 'Bearer', expires_in: 3600, scope: SCOPE.score } });
      expect((await token(lms, await assertion(tool, reg, { aud: lms.endpoints.token, jti }), SCOPE.score)).body.error_description).toMatch(/already used/);
      const stranger = (await generateKeyPair('RS256')).privateKey;
      expect((await token(lms, await assertion(tool, reg, { aud: lms.endpoints.token, key: stranger }), SCOPE.score)).body.error).toBe('invalid_client');
      expect((await token(lms, await assertion(tool, reg, { aud: lms.issuer }), SCOPE.score)).body.error_description).toMatch(/aud/);
      const narrow = lms.register({ ...tool.urls, scopes: [SCOPE.nrps] });
      expect((await token(lms, await assertion(tool, narrow, { aud: lms.endpoints.token }), SCOPE.score)).body.error).toBe('invalid_scope');
    });
  });

  describe('when a tool registers dynamically', () => {
    const request = (base: string) => ({
      application_type: 'web', response_types: ['id_token'], grant_types: ['implicit', 'client_credentials'],
      initiate_login_uri: `${base}/lti/login`, redirect_uris: [`${base}/lti/launch`], client_name: 'Proctor', jwks_uri: `${base}/jwks`,
      token_endpoint_auth_method: 'private_key_jwt', scope: `${SCOPE.score} ${SCOPE.acs} https://example.test/unknown`,
      'https://purl.imsglobal.org/spec/lti-tool-configuration': { domain: new URL(base).host, target_link_uri: `${base}/lti/launch`, claims: ['iss', 'sub'], messages: [{ type: 'LtiStartProctoring' }] },
    });
    const post = (token: string, body: unknown) => fetch(lms.endpoints.registration, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    it('refuses a bad payload, registers a good one with a client_id and deployment, and refuses the token again', async () => {
      const url = new URL(lms.startDynamicRegistration(`${tool.base}/lti/register?x=1`));
      expect(url.searchParams.get('x')).toBe('1');
      expect(url.searchParams.get('openid_configuration')).toBe(lms.endpoints.openidConfiguration);
      const registrationToken = url.searchParams.get('registration_token')!;
      const config = (await (await fetch(lms.endpoints.openidConfiguration)).json()) as Record<string, unknown>;
      expect(config).toMatchObject({ issuer: lms.issuer, registration_endpoint: lms.endpoints.registration, response_types_supported: ['id_token'], id_token_signing_alg_values_supported: ['RS256'] });
      const messages = (config['https://purl.imsglobal.org/spec/lti-platform-configuration'] as { messages_supported: { type: string }[] }).messages_supported;
      expect(messages.map((m) => m.type)).toEqual(['LtiResourceLinkRequest', 'LtiDeepLinkingRequest', 'LtiStartProctoring', 'LtiEndAssessment']);
      const bad = await post(registrationToken, { ...request(tool.base), token_endpoint_auth_method: 'client_secret_basic' });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: 'invalid_client_metadata' });
      const good = await post(registrationToken, request(tool.base));
      const answer = (await good.json()) as Record<string, Record<string, unknown> | string>;
      expect(good.status).toBe(200);
      expect(answer.scope).toBe(`${SCOPE.score} ${SCOPE.acs}`);
      const record = lms.dynamicRegistrations.at(-1)!;
      expect(answer.client_id).toBe(record.registration.clientId);
      expect(answer['https://purl.imsglobal.org/spec/lti-tool-configuration']).toMatchObject({ deployment_id: record.registration.deploymentId });
      expect(record.request.client_name).toBe('Proctor');
      expect((await post(registrationToken, request(tool.base))).status).toBe(401);
    });
  });

  describe('when a tool uses AGS and NRPS', () => {
    it('creates a line item, posts scores (failing on demand) and lists members, each with its media type', async () => {
      const access = await tokenFor(`${SCOPE.lineItem} ${SCOPE.score} ${SCOPE.nrps}`);
      const auth = { authorization: `Bearer ${access}` };
      const created = await fetch(lms.endpoints.lineItems('course-1'), { method: 'POST', headers: { ...auth, 'content-type': MEDIA_TYPE.lineItem }, body: JSON.stringify({ label: 'Proctoring', scoreMaximum: 100, resourceLinkId: 'rl-1', tag: 'proctoring' }) });
      expect(created.status).toBe(201);
      expect(created.headers.get('content-type')).toBe(MEDIA_TYPE.lineItem);
      const item = (await created.json()) as { id: string };
      const list = await fetch(`${lms.endpoints.lineItems('course-1')}?tag=proctoring`, { headers: { ...auth, accept: MEDIA_TYPE.lineItemContainer } });
      expect(list.headers.get('content-type')).toBe(MEDIA_TYPE.lineItemContainer);
      expect(await list.json()).toEqual([expect.objectContaining({ id: item.id, label: 'Proctoring' })]);
      const score = { userId: 'learner-1', scoreGiven: 80, scoreMaximum: 100, comment: 'ok', timestamp: new Date().toISOString(), activityProgress: 'Completed', gradingProgress: 'FullyGraded' };
      const postScore = () => fetch(`${item.id}/scores`, { method: 'POST', headers: { ...auth, 'content-type': MEDIA_TYPE.score }, body: JSON.stringify(score) });
      lms.failNextScores(1);
      expect((await postScore()).status).toBe(500);
      expect((await postScore()).status).toBe(204);
      expect(lms.scores).toEqual([{ lineItemId: item.id, score }]);
      lms.setMembers([{ user_id: 'learner-1', roles: [ROLE.learner], name: 'Lea Learner' }, { user_id: 't-1', roles: [ROLE.instructor] }]);
      const members = await fetch(`${lms.endpoints.memberships('course-1')}?role=Learner`, { headers: { ...auth, accept: MEDIA_TYPE.membershipContainer } });
      expect(members.headers.get('content-type')).toBe(MEDIA_TYPE.membershipContainer);
      expect(((await members.json()) as { members: unknown[] }).members).toEqual([{ status: 'Active', user_id: 'learner-1', roles: [ROLE.learner], name: 'Lea Learner' }]);
      expect((await fetch(lms.endpoints.memberships('course-1'))).status).toBe(401);
    });
  });

  describe('when the tool answers a proctoring launch', () => {
    it('accepts an LtiStartAssessment echoing the claims, refuses one that alters session_data, and runs ACS', async () => {
      const { form } = await authenticate(lms, tool, { clientId: reg.clientId, messageType: 'LtiStartProctoring', proctoring: { acs: true } });
      const sent = decodeJwt(form.fields.id_token);
      const start = (claims: Record<string, unknown>) => new SignJWT({
        nonce: randomUUID(), [CLAIM.messageType]: 'LtiStartAssessment', [CLAIM.version]: '1.3.0', [CLAIM.deploymentId]: sent[CLAIM.deploymentId],
        [CLAIM.resourceLink]: sent[CLAIM.resourceLink], [CLAIM.sessionData]: sent[CLAIM.sessionData], [CLAIM.attemptNumber]: sent[CLAIM.attemptNumber],
        [CLAIM.verifiedUser]: { name: 'Lea Learner' }, [CLAIM.endAssessmentReturn]: true, ...claims,
      }).setProtectedHeader({ alg: 'RS256', kid: tool.kid }).setIssuer(reg.clientId).setAudience(lms.issuer).setIssuedAt().setExpirationTime('5m').sign(tool.privateKey);
      const url = sent[CLAIM.startAssessmentUrl] as string;
      const altered = await fetch(url, { method: 'POST', body: new URLSearchParams({ JWT: await start({ [CLAIM.sessionData]: 'changed' }) }) });
      expect(altered.status).toBe(400);
      expect(lms.startAssessments.at(-1)).toMatchObject({ valid: false, reason: expect.stringContaining('session_data') });
      const good = await fetch(url, { method: 'POST', body: new URLSearchParams({ JWT: await start({}) }) });
      expect(good.status).toBe(200);
      expect(await good.text()).toContain('id="submit-attempt"');
      expect(lms.startAssessments.at(-1)).toMatchObject({ valid: true });
      expect(lms.launches.at(-1)?.messageType).toBe('LtiEndAssessment');

      const access = await tokenFor(SCOPE.acs);
      const control = (action: string) => fetch(lms.endpoints.assessmentControl, {
        method: 'POST', headers: { authorization: `Bearer ${access}`, 'content-type': MEDIA_TYPE.control },
        body: JSON.stringify({ user: { iss: lms.issuer, sub: sent.sub }, resource_link: { id: 'rl-1' }, attempt_number: 1, action, incident_time: new Date().toISOString(), incident_severity: 0.5, reason_code: 'face-missing' }),
      });
      const paused = await control('pause');
      expect(paused.headers.get('content-type')).toBe(MEDIA_TYPE.control);
      expect(await paused.json()).toEqual({ status: 'paused' });
      expect((await control('explode')).status).toBe(400);
      expect(lms.acsRequests.map((r) => r.status ?? r.reason)).toEqual(['paused', expect.stringContaining('action')]);
    });
  });

  it('records every request with what it decided', () => {
    expect(lms.requests.some((r) => r.path === '/token' && r.status === 401 && /already used/.test(r.decision))).toBe(true);
    expect(lms.requests.every((r) => r.decision.length > 0)).toBe(true);
  });
});
