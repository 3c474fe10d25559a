import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ltiLinkKey, ltiSessionId } from '../../src/app/lti/mapping.js';
import { registerLtiPlatform } from '../../src/app/lti/platforms.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON } from '../support/browser.js';
import { startLtiPlatform, type LtiPlatform } from '../support/lti-platform.js';
import { describeWithServer, freePort } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));


describeWithServer('a learner launched from an LMS inside its iframe', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let lms: LtiPlatform;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let platformId: string;
  let releaseChromium: (() => void) | undefined;

  beforeAll(async () => {
    lms = await startLtiPlatform();
    const port = await freePort();
    const app = `http://127.0.0.1:${port}`;
    // The LMS frames us: its origin among the frame ancestors (what registering a platform gives on the admin side).
    api = await startTestApi({ port, publicUrl: app, frameAncestors: ["'self'", lms.issuer] }, { webDir: WEB_DIR });
    releaseChromium = await holdChromium();
    const tool = lms.register({ loginUrl: `${app}/lti/login`, redirectUris: [`${app}/lti/launch`], jwksUrl: `${app}/.well-known/jwks.json`, targetLinkUri: `${app}/lti/launch` });
    platformId = (await registerLtiPlatform(api.core, {
      name: 'Test LMS', issuer: lms.issuer, clientId: tool.clientId, deploymentIds: [tool.deploymentId],
      authUrl: lms.endpoints.authorization, tokenUrl: lms.endpoints.token, jwksUrl: lms.endpoints.jwks,
    }, 'manual', { id: 'admin', role: 'admin' })).platformId;
    await api.core.ltiLink(ltiLinkKey(platformId, 'rl-1'), 'ConfigureLtiLink', {
      platformId, resourceLinkId: 'rl-1', contextId: 'course-1', name: 'Final exam', durationMinutes: 60, proctor: 'proctor1', secondCamera: false,
    }, { id: 'proctor1', role: 'proctor' });
    // Pages the test serves through routes have no address, so Chromium would take them for the public internet and
    // block their navigation to loopback (Local Network Access); the LMS and the tool are both on loopback here.
    browser = await launchChromium({ args: ['--disable-features=WebRtcHideLocalIpsWithMdns,LocalNetworkAccessChecks'] });
    context = await newContext(browser, app);
    page = await context.newPage();
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await lms?.close();
    await api?.close();
  });

  it('goes through login, the platform\'s authorization and the launch, and lands on our exam page, signed in', async () => {
    const launchCookies: Promise<string>[] = [];
    page.on('request', (r) => r.url().endsWith('/lti/launch') && launchCookies.push(r.allHeaders().then((h) => h.cookie ?? '')));
    const logins: number[] = [];
    page.on('response', (r) => r.url().includes('/lti/login') && logins.push(r.status()));
    await page.goto(lms.launchPage({ iframe: true }));
    const sessionId = ltiSessionId(platformId, 'rl-1', 'learner-1', 1);
    const frame = page.frameLocator('#lti-tool-frame');
    await frame.getByRole('button', { name: 'I accept the rules' }).waitFor({ timeout: 60_000 });
    const tool = page.frames().find((f) => f.url().includes('/#/exam/'))!;
    expect(tool.url()).toContain(`/#/exam/${sessionId}`);
    expect(tool.url()).not.toContain('token=');
    expect(await frame.getByText('Final exam').first().isVisible()).toBe(true);
    // The state cookie (SameSite=None; Secure) came back with the platform's cross-origin form post.
    expect(await Promise.all(launchCookies)).toEqual([expect.stringMatching(/lti_state_[0-9a-f]{20}=/)]);
    // The frame's login answered the page that checks the cookie is kept (200, not a redirect), which went on by itself.
    expect(logins).toEqual([200]);
  }, 120_000);

  it('keeps the state in the platform\'s window when the frame gets no cookies (lti_storage_target), and lands on the exam page', async () => {
    const launch = lms.prepareLaunch({ user: { sub: 'learner-2', name: 'Cookie-less Learner' } });
    const app = api.config.publicUrl;
    const login = new URL(`${app}/lti/login`);
    for (const [k, v] of Object.entries({
      iss: lms.issuer, login_hint: launch.loginHint, target_link_uri: `${app}/lti/launch`, lti_message_hint: launch.id,
      client_id: launch.registration.clientId, lti_deployment_id: launch.deploymentId, lti_storage_target: '_parent',
    })) login.searchParams.set(k, v);
    // The platform's course page, which keeps data for the frames it hosts (1EdTech postMessage storage).
    const course = `<!doctype html><title>Course</title><iframe id="tool" style="width:100%;height:90vh" allow="camera *; microphone *"></iframe><script>
      const store = {}; window.ltiLog = [];
      addEventListener('message', (e) => {
        const m = e.data; if (!m || typeof m.subject !== 'string') return; window.ltiLog.push(m.subject);
        if (m.subject === 'lti.put_data') { store[m.key] = m.value; e.source.postMessage({ subject: 'lti.put_data.response', message_id: m.message_id, key: m.key, value: m.value }, e.origin); }
        if (m.subject === 'lti.get_data') e.source.postMessage({ subject: 'lti.get_data.response', message_id: m.message_id, key: m.key, value: store[m.key] }, e.origin);
      });
      document.getElementById('tool').src = ${JSON.stringify(login.toString())};
    </script>`;
    const storagePage = await context.newPage();
    await storagePage.route(`${lms.issuer}/course-with-storage`, (route) => route.fulfill({ contentType: 'text/html', body: course }));
    // Third-party cookies blocked: the state cookie never reaches the browser.
    await storagePage.route(/\/lti\/login\?/, async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      await context.clearCookies(); // route.fetch shares the context's cookie jar
      const headers = Object.fromEntries(Object.entries(response.headers()).filter(([k]) => k !== 'set-cookie'));
      await route.fulfill({ response, headers });
    });
    const completed: string[] = [];
    storagePage.on('request', (r) => r.url().endsWith('/lti/launch/complete') && completed.push(r.method()));
    await storagePage.goto(`${lms.issuer}/course-with-storage`);
    await storagePage.frameLocator('#tool').getByRole('button', { name: 'I accept the rules' }).waitFor({ timeout: 60_000 });
    expect(storagePage.frames().find((f) => f.url().includes('/#/exam/'))!.url()).toContain(`/#/exam/${ltiSessionId(platformId, 'rl-1', 'learner-2', 1)}`);
    expect(completed).toEqual(['POST']);
    expect(await storagePage.evaluate(() => (window as unknown as { ltiLog: string[] }).ltiLog)).toEqual(['lti.put_data', 'lti.put_data', 'lti.get_data', 'lti.get_data']);
    expect(await context.cookies(app)).toEqual([]);
  }, 120_000);
  it('offers a new window when the frame keeps no cookie and the platform has no storage; the launch completes there, on the exam page', async () => {
    const framePage = await context.newPage();
    // Third-party cookies blocked in the frame: neither the state cookie nor the check cookie reaches the browser.
    await framePage.route(/\/lti\/login/, async (route) => {
      // Interception sees the request before Chromium adds its Fetch Metadata: say it is a frame's, as the browser does.
      const response = await route.fetch({ maxRedirects: 0, headers: { ...(await route.request().allHeaders()), 'sec-fetch-dest': 'iframe' } });
      await context.clearCookies(); // route.fetch shares the context's cookie jar
      const headers = Object.fromEntries(Object.entries(response.headers()).filter(([k]) => k !== 'set-cookie'));
      await route.fulfill({ response, headers });
    });
    await framePage.goto(lms.launchPage({ iframe: true, user: { sub: 'learner-3', name: 'Framed Learner' } }));
    const button = framePage.frameLocator('#lti-tool-frame').getByRole('button', { name: 'Continue in a new window' });
    await button.waitFor({ timeout: 60_000 });
    const opened = context.waitForEvent('page');
    await button.click();
    const popup = await opened;
    await popup.getByRole('button', { name: 'I accept the rules' }).waitFor({ timeout: 60_000 });
    expect(popup.url()).toContain(`/#/exam/${ltiSessionId(platformId, 'rl-1', 'learner-3', 1)}`);
    expect(await popup.evaluate(() => window.opener)).toBeNull();
    await framePage.frameLocator('#lti-tool-frame').getByText('The exam continues in the new window').waitFor();
  }, 120_000);
});
