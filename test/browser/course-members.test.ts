import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerLtiPlatform } from '../../src/app/lti/platforms.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { issueLaunch, linkFromClaims } from '../support/lti-link.js';
import { ROLE, startLtiPlatform, type LtiPlatform } from '../support/lti-platform.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

describeWithServer('the course members of a session launched from an LMS, in Chromium', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let lms: LtiPlatform;
  let browser: Browser;
  let page: Page;
  let releaseChromium: (() => void) | undefined;

  beforeAll(async () => {
    releaseChromium = await holdChromium('pages');
    api = await startTestApi({}, { webDir: WEB_DIR });
    lms = await startLtiPlatform();
    const app = api.server.url;
    const reg = lms.register({ loginUrl: `${app}/lti/login`, redirectUris: [`${app}/lti/launch`], jwksUrl: `${app}/.well-known/jwks.json`, targetLinkUri: `${app}/lti/launch` });
    const platform = await registerLtiPlatform(api.core, {
      name: 'Test LMS', issuer: lms.issuer, clientId: reg.clientId, deploymentIds: [reg.deploymentId],
      authUrl: lms.endpoints.authorization, tokenUrl: lms.endpoints.token, jwksUrl: lms.endpoints.jwks,
    }, 'manual', { id: 'admin', role: 'admin' });
    lms.setMembers([
      { user_id: 'learner-1', roles: [ROLE.learner], name: 'Lea Learner', email: 'lea@example.test' },
      { user_id: 'teacher-1', roles: [ROLE.instructor], name: 'Tom Teacher', status: 'Inactive' },
    ]);
    await api.createSession('lms-1', { name: 'LMS exam' });
    await api.createSession('plain-1', { name: 'Plain exam' });
    const claims = await issueLaunch(lms, { messageType: 'LtiResourceLinkRequest' });
    await api.core.session('lms-1', 'RecordLtiLaunch', { messageType: 'LtiResourceLinkRequest', link: linkFromClaims(claims, platform.platformId) }, { id: `lti:${platform.platformId}`, role: 'integrator' });
    browser = await launchChromium();
    page = await (await newContext(browser, api.server.url)).newPage();
    await signIn(page, 'proctor1');
    await page.getByRole('navigation', { name: 'Sessions' }).waitFor();
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await lms?.close();
    await api?.close();
  });

  it('lists the members the LMS answers when the proctor asks, in the protocol', async () => {
    await page.goto('/#/protocol/lms-1');
    const panel = page.getByRole('region', { name: 'Course members' });
    await panel.getByRole('button', { name: 'Ask the LMS for the course members' }).click();
    await panel.locator('tbody tr').nth(1).waitFor();
    expect(await panel.locator('tbody tr').allTextContents()).toEqual(['Lea Learnerlea@example.testLearnerActive', 'Tom Teacher—InstructorInactive']);
  });

  it('shows no such panel for a session that did not come from an LMS', async () => {
    // The page asks whether the session came from an LMS: the answer, not a pause, is what the check waits for.
    const asked = page.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('LmsLink'));
    await page.goto('/#/protocol/plain-1');
    await page.getByRole('heading', { name: 'Plain exam' }).waitFor();
    expect(await (await asked).json()).toEqual({ data: { session: { id: 'plain-1', fromLms: false } } });
    await page.getByRole('region', { name: 'Notes' }).waitFor();
    expect(await page.getByRole('region', { name: 'Course members' }).count()).toBe(0);
  });
});
