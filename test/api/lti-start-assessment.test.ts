import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { IncomingMessage } from 'node:http';
import { contentSecurityPolicy } from '../../src/api/http/headers.js';
import { issueStartCode } from '../../src/app/lti/start-assessment.js';
import type { Core } from '../../src/app/core/core.js';
import { sessionStreamId } from '../../src/domain/session/events.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON } from '../support/servers.js';
import { ENGINES } from '../support/engines.js';
import { CLAIM, startLtiPlatform, type LtiPlatform, type ToolRegistration } from '../support/lti-platform.js';
import { connectPlatform, proctoredSession } from '../support/lti-proctored.js';

/** Opaque to us, and so echoed byte for byte: quotes, backslashes, non-ASCII, what looks like JSON. */
const SESSION_DATA = 'attempt "7" \\ {"k":[1,2]} — Zoë 日本語 ✓ 🙂 <b>&amp;';
const START = `mutation($s: ID!) { startLmsAssessment(sessionId: $s) { url expiresAt } }`;

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`LtiStartAssessment ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  let platform: LtiPlatform;
  let registration: ToolRegistration;
  let n = 0;
  const tag = engine.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');

  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
    platform = await startLtiPlatform();
    registration = await connectPlatform(api, platform);
  });
  afterAll(async () => {
    await platform?.close();
    await api?.close();
  });

  /** A proctored session whose test-taker checked in and started it, with that test-taker's session-bound token. */
  async function started(options: Parameters<typeof proctoredSession>[3] = {}) {
    const id = `lti-assess-${tag}-${++n}`;
    const s = await proctoredSession(api, platform, id, options);
    await api.gql(`mutation($id: ID!) { checkIn(id: $id, userAgent: "test", browserSupported: true) { id } }`, { id }, s.token);
    const r = await api.gql(`mutation($id: ID!) { startSession(id: $id) { status } }`, { id }, s.token);
    expect(r.data?.startSession.status).toBe('in_progress');
    return { id, ...s };
  }

  const startPage = async (token: string, id: string) => {
    const r = await api.gql<{ startLmsAssessment: { url: string; expiresAt: string } }>(START, { s: id }, token);
    if (!r.data) throw new Error(JSON.stringify(r.errors));
    return r.data.startLmsAssessment;
  };
  const open = (path: string) => fetch(`${api.server.url}${path}`);
  const formOf = (html: string) => ({
    action: /<form id="start" method="post" action="([^"]+)"/.exec(html)?.[1]?.replace(/&#38;/g, '&'),
    jwt: /name="JWT" value="([^"]+)"/.exec(html)?.[1],
  });

  describe('when the test-taker of a started LTI-proctored session opens the start page', () => {
    it('posts a JWT our JWKS verifies, with every claim the spec asks and the launch\'s values echoed exactly', async () => {
      const s = await started({ studentName: 'Zoë Ünal-O\'Brien', proctoring: { sessionData: SESSION_DATA, attemptNumber: 3, acs: true } });
      const { url, expiresAt } = await startPage(s.token, s.id);
      expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(60_000);
      const res = await open(url);
      expect(res.status).toBe(200);
      const form = formOf(await res.text());
      expect(form.action).toBe(s.link.proctoring!.startAssessmentUrl);

      const jwks = await (await fetch(`${api.server.url}/.well-known/jwks.json`)).json();
      const { payload, protectedHeader } = await jwtVerify(form.jwt!, createLocalJWKSet(jwks), { algorithms: ['RS256'], issuer: registration.clientId, audience: platform.issuer });
      expect(protectedHeader.kid).toBe(jwks.keys[0].kid);
      expect(payload[CLAIM.messageType]).toBe('LtiStartAssessment');
      expect(payload[CLAIM.version]).toBe('1.3.0');
      expect(payload[CLAIM.deploymentId]).toBe(registration.deploymentId);
      expect(payload[CLAIM.resourceLink]).toEqual(s.claims[CLAIM.resourceLink]);
      expect(payload[CLAIM.sessionData]).toBe(SESSION_DATA);
      expect(payload[CLAIM.attemptNumber]).toBe(3);
      expect(payload[CLAIM.verifiedUser]).toEqual({ name: 'Zoë Ünal-O\'Brien' });
      expect(payload[CLAIM.endAssessmentReturn]).toBe(true);
      expect(typeof payload.nonce).toBe('string');
      expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
      expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60);

      // The platform itself accepts it (signature by our JWKS over HTTP, iss, aud, echoes).
      const posted = await fetch(form.action!, { method: 'POST', body: new URLSearchParams({ JWT: form.jwt! }) });
      expect(posted.status).toBe(200);
      expect(platform.startAssessments.at(-1)).toMatchObject({ launchId: s.launchId, valid: true });

      const sent = (await api.core.store.readStream(sessionStreamId(s.id))).filter((e) => e.type === 'LtiMessageSent');
      expect(sent.map((e) => e.data)).toEqual([expect.objectContaining({ messageType: 'LtiStartAssessment', url: form.action })]);
    });

    it('serves the page with a policy that lets its form go to the platform\'s origin only, and no referrer', async () => {
      const s = await started();
      const res = await open((await startPage(s.token, s.id)).url);
      const csp = res.headers.get('content-security-policy')!;
      const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
      expect(directives['form-action']).toEqual([platform.issuer]);
      expect(directives['default-src']).toEqual(["'none'"]);
      expect(directives['script-src']).toHaveLength(1);
      expect(directives['script-src'][0]).toMatch(/^'nonce-/);
      // Shown in our exam page's test frame, or inside the LMS: framed by us and by the registered platform only.
      expect(directives['frame-ancestors']).toEqual(["'self'", platform.issuer]);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
      // The web client's pages keep their own form-action.
      expect(contentSecurityPolicy(api.config, { headers: { host: '127.0.0.1' } } as IncomingMessage)).toContain("form-action 'self';");
    });

    it('uses each code once: the second opening sends nothing', async () => {
      const s = await started();
      const { url } = await startPage(s.token, s.id);
      expect((await open(url)).status).toBe(200);
      const again = await open(url);
      expect(again.status).toBe(403);
      const html = await again.text();
      expect(html).toContain('used already');
      expect(html).not.toContain('name="JWT"');
      expect(again.headers.get('content-security-policy')).toContain("form-action 'none'");
      // A new code opens it again (a reload of the exam page), each sending recorded.
      expect((await open((await startPage(s.token, s.id)).url)).status).toBe(200);
      expect((await api.core.store.readStream(sessionStreamId(s.id))).filter((e) => e.type === 'LtiMessageSent')).toHaveLength(2);
    });

    it('refuses a code past its minute, and a code of another session or altered', async () => {
      const s = await started();
      const other = await started();
      const past: Core = Object.assign(Object.create(api.core) as Core, { now: () => new Date(Date.now() - 61_000) });
      const expired = await issueStartCode(past, api.config.jwtSecret, { id: 'student1', role: 'student' }, s.id);
      const res = await open(expired.url);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('expired');
      const code = new URL(expired.url, api.server.url).searchParams.get('code')!;
      const fresh = new URL((await startPage(other.token, other.id)).url, api.server.url).searchParams.get('code')!;
      expect((await open(`/lti/start-assessment/${s.id}?code=${encodeURIComponent(fresh)}`)).status).toBe(403);
      expect((await open(`/lti/start-assessment/${s.id}?code=${encodeURIComponent(code.replace(/\.\d+\./, `.${Date.now() + 30_000}.`))}`)).status).toBe(403);
      expect((await open(`/lti/start-assessment/${s.id}?code=nonsense`)).status).toBe(403);
      expect((await open(`/lti/start-assessment/${s.id}`)).status).toBe(403);
    });
  });

  describe('when the assessment may not start', () => {
    it('refuses a session not started yet', async () => {
      const s = await proctoredSession(api, platform, `lti-assess-${tag}-${++n}`);
      const r = await api.gql(START, { s: `lti-assess-${tag}-${n}` }, s.token);
      expect(r.errors?.[0]?.extensions?.reason).toBe('ILLEGAL_STATE');
      expect(r.errors?.[0]?.message).toMatch(/in progress/);
    });

    it('refuses a session that no LMS started for proctoring', async () => {
      const id = `plain-${tag}-${++n}`;
      await api.createSession(id);
      await api.as('student1', `mutation { checkIn(id: "${id}", userAgent: "t", browserSupported: true) { id } }`);
      await api.as('student1', `mutation { startSession(id: "${id}") { id } }`);
      const r = await api.gql(START, { s: id }, await api.login('student1'));
      expect(r.errors?.[0]?.message).toMatch(/LtiStartProctoring/);
      expect((await api.as('student1', `{ session(id: "${id}") { lms { proctored } } }`)).session.lms).toBeNull();
    });

    it('refuses anyone but the session\'s test-taker, and a token bound to another session', async () => {
      const s = await started();
      const other = await started();
      expect(await api.errorCode('student2', START, { s: s.id })).toBe('NOT_FOUND');
      expect(await api.errorCode('admin', START, { s: s.id })).toBe('FORBIDDEN');
      expect(await api.errorCode('proctor1', START, { s: s.id })).toBe('FORBIDDEN');
      const r = await api.gql(START, { s: s.id }, other.token);
      expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    });

    it('tells the test-taker\'s page the session is LMS-proctored and where the course is', async () => {
      const s = await started();
      const r = await api.gql(`query($id: ID!) { session(id: $id) { lms { proctored returnUrl assessmentEnded } } }`, { id: s.id }, s.token);
      expect(r.data?.session.lms).toEqual({ proctored: true, returnUrl: `${platform.issuer}/return`, assessmentEnded: false });
    });
  });
});
