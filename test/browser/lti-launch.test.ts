import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ltiLinkKey, ltiSessionId } from '../../src/app/lti/mapping.js';
import { registerLtiPlatform } from '../../src/app/lti/platforms.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON } from '../support/browser.js';
import { startLtiPlatform, type LtiPlatform } from '../support/lti-platform.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describeWithServer('a learner launched from an LMS inside its iframe', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let lms: LtiPlatform;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let platformId: string;
  let releaseChromium: (() => void) | undefined;

  beforeAll(async () => {
    releaseChromium = await holdChromium();
    lms = await startLtiPlatform();
    const port = await freePort();
    const app = `http://127.0.0.1:${port}`;
    // The LMS frames us: its origin among the frame ancestors (what registering a platform gives on the admin side).
    api = await startTestApi({ port, publicUrl: app, frameAncestors: ["'self'", lms.issuer] }, { webDir: WEB_DIR });
    const tool = lms.register({ loginUrl: `${app}/lti/login`, redirectUris: [`${app}/lti/launch`], jwksUrl: `${app}/.well-known/jwks.json`, targetLinkUri: `${app}/lti/launch` });
    platformId = (await registerLtiPlatform(api.core, {
      name: 'Test LMS', issuer: lms.issuer, clientId: tool.clientId, deploymentIds: [tool.deploymentId],
      authUrl: lms.endpoints.authorization, tokenUrl: lms.endpoints.token, jwksUrl: lms.endpoints.jwks,
    }, 'manual', { id: 'admin', role: 'admin' })).platformId;
    await api.core.ltiLink(ltiLinkKey(platformId, 'rl-1'), 'ConfigureLtiLink', {
      platformId, resourceLinkId: 'rl-1', contextId: 'course-1', name: 'Final exam', durationMinutes: 60, proctor: 'proctor1', secondCamera: false,
    }, { id: 'proctor1', role: 'proctor' });
    browser = await launchChromium();
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
    await page.goto(lms.launchPage({ iframe: true }));
    const sessionId = ltiSessionId(platformId, 'rl-1', 'learner-1', 1);
    const frame = page.frameLocator('#lti-tool-frame');
    await frame.getByRole('button', { name: 'I accept the rules' }).waitFor({ timeout: 60_000 });
    const tool = page.frames().find((f) => f.url().includes('/#/exam/'))!;
    expect(tool.url()).toContain(`/#/exam/${sessionId}`);
    expect(tool.url()).not.toContain('token=');
    expect(await frame.getByText('Final exam').first().isVisible()).toBe(true);
  }, 120_000);
});
