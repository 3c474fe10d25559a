import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerLtiPlatform } from '../../src/app/lti/platforms.js';
import { ltiLinkKey, ltiSessionId, ltiUsername } from '../../src/app/lti/mapping.js';
import { sessionStreamId } from '../../src/domain/session/events.js';
import { getMonitorRow } from '../../src/projections/monitor/queries.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { ENGINES } from '../support/engines.js';
import { CLAIM, LTI_TAMPERS, PROCTORING_TAMPERS, ROLE, startLtiPlatform, type LaunchOptions, type LtiPlatform, type LtiTamper, type ToolRegistration } from '../support/lti-platform.js';
import { describeWithServer, NO_POSTGRES_REASON, freePort } from '../support/servers.js';

const admin = { id: 'admin', role: 'admin' } as const;
const instructor = { sub: 'teacher-1', name: 'Ina Instructor' };


const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The first form of a page: where it goes, how, and its fields (hidden and filled in alike). */
function formOf(html: string): { action: string; method: string; fields: Record<string, string> } {
  const form = /<form[^>]*>/i.exec(html);
  if (!form) throw new Error(`no form in ${html.slice(0, 500)}`);
  const attr = (tag: string, name: string) => { const m = new RegExp(`${name}="([^"]*)"`, 'i').exec(tag); return m ? unescape(m[1]) : undefined; };
  const fields: Record<string, string> = {};
  for (const input of html.matchAll(/<input[^>]*>/gi)) {
    const name = attr(input[0], 'name');
    if (name && (attr(input[0], 'type') !== 'checkbox' || /\schecked/.test(input[0]))) fields[name] = attr(input[0], 'value') ?? '';
  }
  return { action: attr(form[0], 'action')!, method: (attr(form[0], 'method') ?? 'get').toLowerCase(), fields };
}

/** What our tool answered at the end of a flow. */
interface Answer { status: number; location: string | null; body: string; cookies: Map<string, string> }

async function submit(action: string, method: string, fields: Record<string, string>, cookies = new Map<string, string>(), headers: Record<string, string> = {}): Promise<Answer> {
  const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const url = method === 'get' ? `${action}${action.includes('?') ? '&' : '?'}${new URLSearchParams(fields)}` : action;
  const res = await fetch(url, {
    method: method.toUpperCase(), redirect: 'manual',
    headers: { ...headers, ...(cookie ? { cookie } : {}), ...(method === 'post' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(method === 'post' ? { body: new URLSearchParams(fields).toString() } : {}),
  });
  for (const set of res.headers.getSetCookie()) {
    const [pair] = set.split(';');
    const eq = pair.indexOf('=');
    if (/Max-Age=0/i.test(set)) cookies.delete(pair.slice(0, eq));
    else cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return { status: res.status, location: res.headers.get('location'), body: await res.text(), cookies };
}

/** A launch as a browser with cookies makes it: the platform's page → our login → the platform's auth → our launch. */
async function launch(lms: LtiPlatform, options: LaunchOptions): Promise<Answer> {
  const page = formOf(await (await fetch(lms.launchPage(options))).text());
  const login = await submit(page.action, page.method, page.fields);
  if (login.status !== 302) return login;
  const auth = await (await fetch(login.location!)).text();
  const post = formOf(auth);
  return submit(post.action, post.method, post.fields, login.cookies);
}

/** The reason a refusal page gives. */
const reasonOf = (html: string) => unescape(/<p id="lti-error"[^>]*>([^<]*)<\/p>/.exec(html)?.[1] ?? `(no reason in ${html.slice(0, 300)})`);

const tokenOf = (location: string) => new URLSearchParams(location.split('?')[1]).get('token')!;

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`LTI launches from a test platform ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  let lms: LtiPlatform;
  let tool: ToolRegistration;
  let app: string;
  let platformId: string;
  const eventCount = async () => (await api.core.store.readAll()).length;

  beforeAll(async () => {
    const port = await freePort();
    app = `http://127.0.0.1:${port}`;
    api = await startTestApi({ port, publicUrl: app }, { postgresUrl });
    lms = await startLtiPlatform();
    tool = lms.register({ loginUrl: `${app}/lti/login`, redirectUris: [`${app}/lti/launch`], jwksUrl: `${app}/.well-known/jwks.json`, targetLinkUri: `${app}/lti/launch` });
    const row = await registerLtiPlatform(api.core, {
      name: 'Test LMS', issuer: lms.issuer, clientId: tool.clientId, deploymentIds: [tool.deploymentId],
      authUrl: lms.endpoints.authorization, tokenUrl: lms.endpoints.token, jwksUrl: lms.endpoints.jwks,
    }, 'manual', admin);
    platformId = row.platformId;
  });
  afterAll(async () => {
    await lms?.close();
    await api?.close();
  });

  it('refuses a login from a platform nobody registered, with a page that says so', async () => {
    const answer = await submit(`${app}/lti/login`, 'post', { iss: 'https://unknown.example.edu', login_hint: 'x', target_link_uri: `${app}/lti/launch` });
    expect(answer.status).toBe(400);
    expect(reasonOf(answer.body)).toMatch(/No platform with issuer "https:\/\/unknown.example.edu" is registered/);
  });

  it('starts the login by GET too, redirecting to the platform with every parameter OIDC asks and the state bound by a cookie', async () => {
    const page = formOf(await (await fetch(lms.launchPage({ initiation: 'get' }))).text());
    const login = await submit(page.action, page.method, page.fields);
    expect(login.status).toBe(302);
    const auth = new URL(login.location!);
    expect(`${auth.origin}${auth.pathname}`).toBe(lms.endpoints.authorization);
    expect(Object.fromEntries(auth.searchParams)).toMatchObject({
      scope: 'openid', response_type: 'id_token', response_mode: 'form_post', prompt: 'none', client_id: tool.clientId,
      redirect_uri: `${app}/lti/launch`, login_hint: page.fields.login_hint, lti_message_hint: page.fields.lti_message_hint,
    });
    expect(auth.searchParams.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect([...login.cookies.keys()]).toEqual([expect.stringMatching(/^lti_state_[0-9a-f]{20}$/)]);
  });

  it('checks in a frame that the cookie is kept before going to the platform, offering a new window with the same initiation; a top-level login still redirects', async () => {
    const page = formOf(await (await fetch(lms.launchPage({}))).text());
    const framed = await submit(page.action, page.method, page.fields, new Map(), { 'sec-fetch-dest': 'iframe' });
    expect(framed.status).toBe(200);
    expect(framed.body).toContain('<button type="button" id="lti-open">Continue in a new window</button>');
    expect([...framed.cookies.keys()]).toEqual([expect.stringMatching(/^lti_state_[0-9a-f]{20}$/), 'lti_frame_check']);
    const data = JSON.parse(/<script type="application\/json" id="lti-data">([^<]*)<\/script>/.exec(framed.body)![1]) as { authUrl: string; topUrl: string; retried: boolean; check: string };
    expect(data.check).toBe(`lti_frame_check=${framed.cookies.get('lti_frame_check')}`);
    expect(new URL(data.authUrl).searchParams.get('state')).toMatch(/\./);
    const top = new URL(data.topUrl);
    expect(`${top.origin}${top.pathname}`).toBe(`${app}/lti/login`);
    expect(Object.fromEntries(top.searchParams)).toEqual(page.fields);
    expect(data.retried).toBe(false);
    const topLevel = await submit(data.topUrl, 'get', {}, new Map(), { 'sec-fetch-dest': 'document' });
    expect(topLevel.status).toBe(302);
    expect(topLevel.location!.startsWith(lms.endpoints.authorization)).toBe(true);
    expect([...topLevel.cookies.keys()]).toEqual([expect.stringMatching(/^lti_state_[0-9a-f]{20}$/)]);
  });

  it('tells a learner that an exam nobody configured is not ready, and writes nothing', async () => {
    const before = await eventCount();
    const answer = await launch(lms, { resourceLink: { id: 'rl-unconfigured', title: 'Quiz' } });
    expect(answer.status).toBe(409);
    expect(reasonOf(answer.body)).toMatch(/not configured yet: ask your instructor/);
    expect(await eventCount()).toBe(before);
  });

  it('shows an instructor the settings form at the first launch; saving configures the link and opens the monitor on the course', async () => {
    const first = await launch(lms, { user: instructor, roles: [ROLE.instructor] });
    expect(first.status).toBe(200);
    const form = formOf(first.body);
    const staff = ltiUsername(lms.issuer, instructor.sub, 'staff');
    expect(form.fields).toMatchObject({ exam_name: 'Final exam', duration_minutes: '60', proctor: staff });
    const saved = await submit(form.action, 'post', { ...form.fields, duration_minutes: '45', second_camera: 'true' });
    expect(saved.status).toBe(303);
    expect(saved.location).toMatch(new RegExp(`^${app}/#/monitor\\?token=[^&]+&q=`));
    expect(new URLSearchParams(saved.location!.split('?')[1]).get('q')).toBe('tags = "course:course-1"');
    const me = await api.gql<{ me: { username: string; role: string; displayName: string } }>('{ me { username role displayName } }', {}, tokenOf(saved.location!));
    expect(me.data?.me).toEqual({ username: staff, role: 'proctor', displayName: 'Ina Instructor' });
    expect(await api.core.loadLtiLink(ltiLinkKey(platformId, 'rl-1'))).toMatchObject({ status: 'configured', durationMinutes: 45, proctor: staff, secondCamera: true, contextId: 'course-1' });
    // Configured now: the next launch goes straight to the monitor.
    const again = await launch(lms, { user: instructor, roles: ['Instructor'] });
    expect(again.status).toBe(303);
    expect(again.location).toMatch(/#\/monitor\?token=/);
  });

  it('opens a learner\'s session with the link\'s settings and a session-bound token; a relaunch returns to the same session', async () => {
    const answer = await launch(lms, {});
    expect(answer.status).toBe(303);
    const sessionId = ltiSessionId(platformId, 'rl-1', 'learner-1', 1);
    expect(answer.location).toMatch(new RegExp(`^${app}/#/exam/${sessionId}\\?token=`));
    expect(answer.cookies.size).toBe(0);
    const row = (await getMonitorRow(api.core.db, sessionId))!;
    expect(row).toMatchObject({ name: 'Final exam', duration: 45, student: ltiUsername(lms.issuer, 'learner-1', 'learner'), proctor: ltiUsername(lms.issuer, instructor.sub, 'staff') });
    expect(row.tags).toEqual(['course:course-1', 'C1']);
    const me = await api.gql<{ me: { role: string; displayName: string } }>('{ me { role displayName } }', {}, tokenOf(answer.location!));
    expect(me.data?.me).toEqual({ role: 'student', displayName: 'Lea Learner' });
    const proctorSees = await api.gql<{ sessions: { totalCount: number } }>('query($q: String!) { sessions(query: $q) { totalCount } }', { q: 'tags = "course:course-1"' },
      tokenOf((await launch(lms, { user: instructor, roles: [ROLE.instructor] })).location!));
    expect(proctorSees.data?.sessions.totalCount).toBe(1);
    const relaunch = await launch(lms, {});
    expect(relaunch.location).toContain(`/#/exam/${sessionId}?`);
    const launched = (await api.core.store.readStream(sessionStreamId(sessionId))).filter((e) => e.type === 'LtiLaunched');
    expect(launched).toHaveLength(2);
    expect(launched[0].data).toMatchObject({
      messageType: 'LtiResourceLinkRequest',
      link: { platformId, deploymentId: tool.deploymentId, userId: 'learner-1', resourceLinkId: 'rl-1', contextId: 'course-1', lineItemsUrl: lms.endpoints.lineItems('course-1'), membershipsUrl: lms.endpoints.memberships('course-1'), proctoring: null },
    });
  });

  const REFUSALS: Record<LtiTamper, RegExp> = {
    'bad-signature': /signature does not verify with the platform's key/,
    'unknown-kid': /signed with the key ".*", which the platform's key set .* does not publish/,
    'missing-kid': /header names no key \(kid\)/,
    'alg-none': /signed with "none"; LTI 1.3 accepts RS256 only/,
    hs256: /signed with "HS256"; LTI 1.3 accepts RS256 only/,
    'wrong-iss': /issuer \(iss\) ".*\/someone-else" is not the registered issuer/,
    'wrong-aud': /audience \(aud\) does not include this tool's client id/,
    'aud-array-without-azp': /several audiences \(aud is a list\) but no authorized party \(azp\)/,
    expired: /has expired/,
    'iat-in-future': /issued in the future \(iat\)/,
    'missing-nonce': /has no nonce/,
    'unregistered-deployment': /deployment id "unregistered-deployment" is not registered/,
    'wrong-version': /LTI version claim is "1.1.0"; this tool accepts LTI 1.3.0 only/,
    'unknown-message-type': /message type "LtiUnknownRequest" is not one this tool handles/,
    'missing-sub': /no user id \("sub" claim\)/,
    'roles-not-array': /roles claim must be an array/,
    'missing-resource-link-id': /no resource link id \(resource_link.id claim\)/,
    // Replayed from a browser without the cookie of that launch (it was cleared when the launch completed).
    'replayed-id-token': /did not send back the cookie that ties the launch to it/,
    'state-mismatch': /"state" was not issued by this tool \(or was altered\)/,
    'missing-start-assessment-url': /start_assessment_url claim is missing or is not an http\(s\) URL/,
    'missing-session-data': /needs the session_data claim/,
    'non-integer-attempt-number': /attempt_number claim must be a whole number from 1, not 1.5/,
  };

  for (const tamper of LTI_TAMPERS) {
    it(`refuses a launch with ${tamper} with a page saying so, and writes nothing`, async () => {
      const proctoring = (PROCTORING_TAMPERS as readonly string[]).includes(tamper);
      await launch(lms, {}); // a launch to replay, for replayed-id-token
      const before = await eventCount();
      const answer = await launch(lms, { tamper, ...(proctoring ? { messageType: 'LtiStartProctoring' as const } : {}) });
      expect([400, 401]).toContain(answer.status);
      expect(reasonOf(answer.body)).toMatch(REFUSALS[tamper]);
      expect(answer.body).not.toMatch(/at .*\.ts:\d+|Error:/);
      expect(await eventCount()).toBe(before);
    });
  }

  it('refuses a launch whose state cookie belongs to another login of the same browser (state mismatch)', async () => {
    const page = formOf(await (await fetch(lms.launchPage({}))).text());
    const login = await submit(page.action, page.method, page.fields);
    const post = formOf(await (await fetch(login.location!)).text());
    const [name] = [...login.cookies.keys()];
    const answer = await submit(post.action, 'post', post.fields, new Map([[name, 'another-browser-secret']]));
    expect(answer.status).toBe(401);
    expect(reasonOf(answer.body)).toMatch(/state does not match the one this browser started \(state mismatch\)/);
  });

  it('refuses a launch that comes back without its cookie and without platform storage, saying what to do, and writes nothing', async () => {
    const page = formOf(await (await fetch(lms.launchPage({}))).text());
    const login = await submit(page.action, page.method, page.fields);
    const post = formOf(await (await fetch(login.location!)).text());
    const before = await eventCount();
    const blocked = await submit(post.action, 'post', post.fields);
    expect(blocked.status).toBe(401);
    expect(reasonOf(blocked.body)).toMatch(/did not send back the cookie that ties the launch to it/);
    expect(blocked.body).toMatch(/<p id="lti-way-on">[^<]*offers to continue in a new window/);
    expect(await eventCount()).toBe(before);
    // Nothing used up either: the browser that started the login still completes it.
    const own = await submit(post.action, 'post', post.fields, login.cookies);
    expect(own.status).toBe(303);
  });

  it('refuses an id_token posted again by the browser that still holds its cookie (its nonce was used)', async () => {
    const page = formOf(await (await fetch(lms.launchPage({}))).text());
    const login = await submit(page.action, page.method, page.fields);
    const post = formOf(await (await fetch(login.location!)).text());
    const kept = new Map(login.cookies);
    expect((await submit(post.action, 'post', post.fields, login.cookies)).status).toBe(303);
    const before = await eventCount();
    const again = await submit(post.action, 'post', post.fields, kept);
    expect(again.status).toBe(401);
    expect(reasonOf(again.body)).toMatch(/used already \(its nonce was seen before\)/);
    expect(await eventCount()).toBe(before);
  });

  it('answers a deep linking request with a signed LtiDeepLinkingResponse carrying the settings; launches of that item need no configuration', async () => {
    const first = await launch(lms, { messageType: 'LtiDeepLinkingRequest', user: instructor, roles: [ROLE.instructor] });
    expect(first.status).toBe(200);
    const form = formOf(first.body);
    const sent = await submit(form.action, 'post', { ...form.fields, exam_name: 'Midterm', duration_minutes: '30' });
    expect(sent.status).toBe(200);
    const back = formOf(sent.body);
    expect(back.action).toMatch(new RegExp(`^${lms.issuer}/deep-link-return/`));
    const platformAnswer = await submit(back.action, 'post', back.fields);
    expect(platformAnswer.status).toBe(200);
    const record = lms.deepLinkingResponses.at(-1)!;
    expect(record).toMatchObject({ valid: true });
    expect(record.claims).toMatchObject({ iss: tool.clientId, aud: lms.issuer, [CLAIM.deploymentId]: tool.deploymentId, [CLAIM.messageType]: 'LtiDeepLinkingResponse' });
    const [item] = record.claims![CLAIM.deepLinkingContentItems] as Array<{ type: string; url: string; custom: Record<string, string> }>;
    expect(item).toMatchObject({ type: 'ltiResourceLink', title: 'Midterm', url: `${app}/lti/launch`, custom: { exam_name: 'Midterm', duration_minutes: '30' } });
    const learner = await launch(lms, { resourceLink: { id: 'rl-deep', title: 'Midterm' }, custom: item.custom });
    expect(learner.status).toBe(303);
    expect((await getMonitorRow(api.core.db, ltiSessionId(platformId, 'rl-deep', 'learner-1', 1)))).toMatchObject({ name: 'Midterm', duration: 30 });
  });

  it('refuses a deep linking request from a learner, and custom parameters that make no valid settings', async () => {
    const learner = await launch(lms, { messageType: 'LtiDeepLinkingRequest' });
    expect(learner.status).toBe(403);
    expect(reasonOf(learner.body)).toMatch(/Only instructors and administrators choose exam settings/);
    const bad = await launch(lms, { resourceLink: { id: 'rl-bad' }, custom: { exam_name: 'X', duration_minutes: '0' } });
    expect(bad.status).toBe(400);
    expect(reasonOf(bad.body)).toMatch(/custom parameters do not make valid exam settings: duration/);
  });

  it('opens a session per attempt at LtiStartProctoring and records the proctoring claims', async () => {
    const options: LaunchOptions = { messageType: 'LtiStartProctoring', proctoring: { attemptNumber: 2, sessionData: 'opaque-2', proctoringSettings: { camera: true }, acs: ['pause', 'terminate'] } };
    const answer = await launch(lms, options);
    expect(answer.status).toBe(303);
    const sessionId = ltiSessionId(platformId, 'rl-1', 'learner-1', 2);
    expect(answer.location).toContain(`/#/exam/${sessionId}?token=`);
    const [launched] = (await api.core.store.readStream(sessionStreamId(sessionId))).filter((e) => e.type === 'LtiLaunched');
    expect(launched.data).toMatchObject({
      messageType: 'LtiStartProctoring',
      link: { proctoring: { attemptNumber: 2, sessionData: 'opaque-2', startAssessmentUrl: expect.stringMatching(/\/start-assessment\//), acsUrl: lms.endpoints.assessmentControl, acsActions: ['pause', 'terminate'], settings: '{"camera":true}' } },
    });
    // What LtiStartAssessment echoes and where "Return to the course" goes, kept as the platform sent them.
    expect(JSON.parse((launched.data as { link: { resourceLinkClaim: string } }).link.resourceLinkClaim)).toEqual({ id: 'rl-1', title: 'Final exam' });
    expect(launched.data).toMatchObject({ link: { returnUrl: `${lms.issuer}/return` } });
    const third = await launch(lms, { ...options, proctoring: { attemptNumber: 3 } });
    expect(third.location).toContain(`/#/exam/${ltiSessionId(platformId, 'rl-1', 'learner-1', 3)}?`);
  });

  it('ends the attempt at LtiEndAssessment: recorded with the platform\'s error, the running session finished by the LMS, a second end changes nothing', async () => {
    await launch(lms, { messageType: 'LtiStartProctoring', proctoring: { attemptNumber: 4 } });
    const sessionId = ltiSessionId(platformId, 'rl-1', 'learner-1', 4);
    const student = { id: ltiUsername(lms.issuer, 'learner-1', 'learner'), role: 'student' } as const;
    await api.core.session(sessionId, 'CheckIn', { userAgent: 'ua', browserSupported: true }, student);
    await api.core.session(sessionId, 'StartSession', {}, student);
    const end = await launch(lms, { messageType: 'LtiEndAssessment', proctoring: { attemptNumber: 4 }, endAssessmentError: { errormsg: 'Browser closed', errorlog: 'tab crashed' } });
    expect(end.status).toBe(200);
    expect(end.body).toMatch(/Your attempt was submitted; proctoring has ended/);
    const types = async () => (await api.core.store.readStream(sessionStreamId(sessionId))).map((e) => e.type);
    const events = await api.core.store.readStream(sessionStreamId(sessionId));
    expect(events.find((e) => e.type === 'LtiAssessmentEnded')?.data).toMatchObject({ errorMessage: 'Browser closed', errorLog: 'tab crashed' });
    expect(events.find((e) => e.type === 'SessionFinished')?.data).toMatchObject({ by: 'integrator', actor: `lti:${platformId}` });
    const count = (await types()).length;
    const again = await launch(lms, { messageType: 'LtiEndAssessment', proctoring: { attemptNumber: 4 } });
    expect(again.status).toBe(200);
    expect((await types()).length).toBe(count);
  });

  it('refuses an end of an attempt it never proctored', async () => {
    const end = await launch(lms, { messageType: 'LtiEndAssessment', proctoring: { attemptNumber: 99 } });
    expect(end.status).toBe(404);
    expect(reasonOf(end.body)).toMatch(/no proctoring session for attempt 99/);
  });

  describe('when a resource link names an exam template', () => {
    const TEMPLATE = `mutation($id: ID, $input: TemplateInput!) { createTemplate(id: $id, input: $input) { id } }`;
    const oral = {
      name: 'LTI oral exam', metrics: ['c2', 'b2'], weights: [], threshold: 50, autoConclude: false, rules: 'Alone.', checkInBefore: 15, checkInAfter: null,
      duration: 20, scoreVisibleToStudent: false, retentionDays: 30,
      stages: { compatibilityCheck: true, facePhoto: true, idPhoto: false, proctorApproval: true },
      addons: { screen: false, secondCamera: true, chat: false, calls: false, contentProtection: true },
    };
    const STEPS = `query($id: ID!) { session(id: $id) { duration secondCamera fromTemplate { id version } examSteps { stages { proctorApproval } addons { chat screen } } } }`;

    it('offers the templates in use on the settings form and refuses one that does not exist, showing the form again', async () => {
      await api.as('admin', TEMPLATE, { id: 'lti-oral', input: oral });
      const first = await launch(lms, { user: instructor, roles: [ROLE.instructor], resourceLink: { id: 'rl-tpl', title: 'Oral' } });
      expect(first.body).toContain('<option value="lti-oral">LTI oral exam</option>');
      const form = formOf(first.body);
      const wrong = await submit(form.action, 'post', { ...form.fields, template: 'no-such-template' });
      expect(wrong.status).toBe(400);
      expect(reasonOf(wrong.body)).toMatch(/no template "no-such-template"/);
      const saved = await submit(form.action, 'post', { ...form.fields, duration_minutes: '25', template: 'LTI oral exam' });
      expect(saved.status).toBe(303);
      // Named by its name on the form, kept by its id.
      expect(await api.core.loadLtiLink(ltiLinkKey(platformId, 'rl-tpl'))).toMatchObject({ status: 'configured', template: 'lti-oral', durationMinutes: 25 });
    });

    it('makes a learner\'s session from the template\'s current version, with the link\'s name and duration over it', async () => {
      await api.as('admin', `mutation($input: TemplateInput!) { reviseTemplate(id: "lti-oral", input: $input) { version } }`, { input: { ...oral, rules: 'Alone, door shut.' } });
      expect((await launch(lms, { resourceLink: { id: 'rl-tpl', title: 'Oral' } })).status).toBe(303);
      const sessionId = ltiSessionId(platformId, 'rl-tpl', 'learner-1', 1);
      expect((await api.as('admin', STEPS, { id: sessionId })).session).toEqual({
        duration: 25, secondCamera: true, fromTemplate: { id: 'lti-oral', version: 2 },
        examSteps: { stages: { proctorApproval: true }, addons: { chat: false, screen: false } },
      });
      expect((await getMonitorRow(api.core.db, sessionId))!).toMatchObject({ name: 'Oral', metrics: ['c2', 'b2'] });
    });

    it('carries the template in a deep-linked item\'s custom parameters', async () => {
      const custom = { exam_name: 'Deep oral', duration_minutes: '15', template: 'lti-oral' };
      expect((await launch(lms, { resourceLink: { id: 'rl-deep-tpl', title: 'Deep oral' }, custom })).status).toBe(303);
      const { session } = await api.as('admin', STEPS, { id: ltiSessionId(platformId, 'rl-deep-tpl', 'learner-1', 1) });
      expect(session).toMatchObject({ duration: 15, fromTemplate: { id: 'lti-oral' } });
    });
  });
});
