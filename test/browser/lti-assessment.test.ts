import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { startFaceVerifier, type FaceVerifier } from '../../src/app/faces/verifier.js';
import { photo, stillVideo } from '../faces/photos.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';
import { CLAIM, startLtiPlatform, type LtiPlatform } from '../support/lti-platform.js';
import { connectPlatform, proctoredSession } from '../support/lti-proctored.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));
const SESSION = 'lti-proctored-1';
const SESSION_DATA = 'attempt "1" of Zoë — 日本語 ✓';

describeWithServer('a learner sent by the LMS for a proctored attempt, in Chromium', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let platform: LtiPlatform;
  let verifier: FaceVerifier;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let launchId: string;
  let releaseChromium: (() => void) | undefined;

  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    releaseChromium = await holdChromium();
    verifier = startFaceVerifier(api.core, new LocalBlobStore(join(api.config.dataDir, 'blobs')));
    platform = await startLtiPlatform();
    await connectPlatform(api, platform);
    const s = await proctoredSession(api, platform, SESSION, { studentName: 'Lea Learner', proctoring: { sessionData: SESSION_DATA, attemptNumber: 1, acs: true } });
    launchId = s.launchId;
    browser = await launchChromium({ videoFile: await stillVideo(photo.a, join(mkdtempSync(join(tmpdir(), 'lti-exam-')), 'face.y4m')) });
    context = await newContext(browser, api.server.url);
    page = await context.newPage();
    // Where the launch sends the learner (src/app/integrations: the same link as any LMS session).
    await page.goto(`/#/exam/${SESSION}?token=${encodeURIComponent(s.token)}`);
    mkdirSync(SHOTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await verifier?.stop();
    await platform?.close();
    await api?.close();
    releaseChromium?.();
  });

  it('goes through the rules, the check and identity, and the LMS receives a valid LtiStartAssessment whose assessment shows in the test frame', async () => {
    await page.getByRole('button', { name: 'I accept the rules' }).click();
    await page.getByRole('button', { name: 'Start the check' }).click();
    await page.getByRole('button', { name: 'Continue' }).click({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Take face photo' }).click();
    await page.getByRole('img', { name: 'Your face photo' }).waitFor();
    await page.getByRole('button', { name: 'Take document photo' }).click();
    await page.getByRole('img', { name: 'Your ID document photo' }).waitFor();
    expect(platform.startAssessments).toHaveLength(0); // nothing before the session starts
    await page.getByRole('button', { name: 'Start the exam' }).click();

    await page.frameLocator('iframe[title="Test content"]').locator('#assessment').waitFor({ timeout: 30_000 });
    expect(platform.startAssessments).toHaveLength(1);
    const [sent] = platform.startAssessments;
    expect(sent).toMatchObject({ launchId, valid: true });
    expect(sent.claims?.[CLAIM.sessionData]).toBe(SESSION_DATA);
    expect(sent.claims?.[CLAIM.verifiedUser]).toEqual({ name: 'Lea Learner' });
    // Recording goes on beside it: the exam page's own camera view plays.
    await expect.poll(() => page.getByLabel('Your camera').evaluate((v: HTMLVideoElement) => v.readyState >= 2), { timeout: 30_000 }).toBe(true);
    await page.screenshot({ path: `${SHOTS}/lti-assessment.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.frameLocator('iframe[title="Test content"]').locator('#assessment').waitFor();
    await page.screenshot({ path: `${SHOTS}/lti-assessment-phone.png`, fullPage: true });
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('opens the assessment in a new tab too, for an LMS that refuses frames, each opening a new valid message', async () => {
    const [tab] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Open the test in a new tab' }).click()]);
    await tab.locator('#assessment').waitFor({ timeout: 30_000 });
    expect(platform.startAssessments).toHaveLength(2);
    expect(platform.startAssessments[1]).toMatchObject({ launchId, valid: true });
    expect(await tab.evaluate(() => window.opener)).toBeNull();
    await tab.close();
  });

  it('ends the exam page when the session finishes, and offers the way back to the course', async () => {
    await api.as('proctor1', `mutation { finishSession(id: "${SESSION}") { status } }`);
    await page.getByRole('heading', { name: 'The session has ended' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('iframe[title="Test content"]').count()).toBe(0);
    const back = page.getByRole('link', { name: 'Return to the course' });
    expect(await back.getAttribute('href')).toBe(`${platform.issuer}/return`);
    expect(await back.getAttribute('target')).toBe('_top');
    await page.screenshot({ path: `${SHOTS}/lti-assessment-ended.png` });
  });
});
