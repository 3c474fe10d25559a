import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFaceVerifier, type FaceVerifier } from '../../src/app/faces/verifier.js';
import { ltiSessionId } from '../../src/app/lti/mapping.js';
import { LtiServiceWorker } from '../../src/app/lti/services/worker.js';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { photo, stillVideo } from '../faces/photos.js';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { CLAIM, ROLE, startLtiPlatform, type LtiPlatform } from '../support/lti-platform.js';
import { describeWithServer, freePort } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));
const LEARNER = { sub: 'learner-7', name: 'Lea Learner' };


/**
 * Issue #15's "done when", in one run through real browsers: an administrator connects an LMS by pasting one URL
 * (dynamic registration), its instructor sets the exam up, a learner sent for a proctored attempt goes through identity
 * into the exam with the LMS's assessment inside our page, the proctor's incident pauses the attempt at the LMS (ACS),
 * and the conclusion reaches the LMS's gradebook as its own line item (AGS).
 */
describeWithServer('an LMS connected by dynamic registration, from the administrator to the gradebook', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let lms: LtiPlatform;
  let verifier: FaceVerifier;
  let services: LtiServiceWorker;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let releaseChromium: (() => void) | undefined;
  let platformId: string;
  let sessionId: string;
  let learner: Page;

  const page = async () => {
    const context = await newContext(browser, api.server.url);
    contexts.push(context);
    return context.newPage();
  };

  beforeAll(async () => {
    lms = await startLtiPlatform();
    const port = await freePort();
    // No frame-ancestors given: registering the platform is what lets it frame us.
    api = await startTestApi({ port, publicUrl: `http://127.0.0.1:${port}` }, { webDir: WEB_DIR });
    releaseChromium = await holdChromium();
    verifier = startFaceVerifier(api.core, new LocalBlobStore(join(api.config.dataDir, 'blobs')));
    services = new LtiServiceWorker(api.core, { backoffMs: () => 200 });
    await services.start();
    // Pages the test platform serves are loopback to loopback; Chromium's Local Network Access checks would stop them.
    browser = await launchChromium({
      videoFile: await stillVideo(photo.a, join(mkdtempSync(join(tmpdir(), 'lti-journey-')), 'face.y4m')),
      args: ['--disable-features=WebRtcHideLocalIpsWithMdns,LocalNetworkAccessChecks'],
    });
    mkdirSync(SHOTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await services?.stop();
    await verifier?.stop();
    await lms?.close();
    await api?.close();
    releaseChromium?.();
  });

  it('registers the LMS when its administrator opens the one URL we give', async () => {
    const { createLtiRegistrationLink } = await api.as<{ createLtiRegistrationLink: { url: string } }>('admin', `mutation { createLtiRegistrationLink { url } }`);
    const admin = await page();
    await admin.goto(lms.startDynamicRegistration(createLtiRegistrationLink.url));
    await admin.getByText(/registered/i).first().waitFor({ timeout: 30_000 });
    expect(lms.dynamicRegistrations).toHaveLength(1);
    const { ltiPlatforms } = await api.as<{ ltiPlatforms: Array<{ id: string; issuer: string; method: string }> }>('admin', `{ ltiPlatforms { id issuer method } }`);
    expect(ltiPlatforms).toEqual([expect.objectContaining({ issuer: lms.issuer, method: 'dynamic' })]);
    platformId = ltiPlatforms[0].id;
  }, 120_000);

  it('lets the course\'s instructor set the exam up at the first launch, inside the LMS page', async () => {
    const instructor = await page();
    await instructor.goto(lms.launchPage({ iframe: true, roles: [ROLE.instructor], user: { sub: 'teacher-1', name: 'Tess Teacher' } }));
    const tool = instructor.frameLocator('#lti-tool-frame');
    await tool.getByLabel('Exam name').waitFor({ timeout: 60_000 });
    await tool.getByLabel(/^Proctor/).fill('proctor1');
    await tool.getByRole('button', { name: 'Save' }).click();
    // Saved, the instructor proctors the course's sessions: the monitor opens on them.
    await expect.poll(() => instructor.frames().some((f) => f.url().includes('/#/monitor')), { timeout: 60_000 }).toBe(true);
  }, 120_000);

  it('takes a learner sent for a proctored attempt through identity into the exam, the LMS assessment inside our page', async () => {
    learner = await page();
    await learner.goto(lms.launchPage({ iframe: true, messageType: 'LtiStartProctoring', user: LEARNER, proctoring: { attemptNumber: 1, sessionData: 'attempt-1 ✓', acs: true } }));
    sessionId = ltiSessionId(platformId, 'rl-1', LEARNER.sub, 1);
    const tool = learner.frameLocator('#lti-tool-frame');
    await tool.getByRole('button', { name: 'I accept the rules' }).click({ timeout: 60_000 });
    await tool.getByRole('button', { name: 'Start the check' }).click();
    await tool.getByRole('button', { name: 'Continue' }).click({ timeout: 60_000 });
    await tool.getByRole('button', { name: 'Take face photo' }).click();
    await tool.getByRole('img', { name: 'Your face photo' }).waitFor();
    await tool.getByRole('button', { name: 'Take document photo' }).click();
    await tool.getByRole('img', { name: 'Your ID document photo' }).waitFor();
    expect(lms.startAssessments).toHaveLength(0);
    await tool.getByRole('button', { name: 'Start the exam' }).click();
    await tool.frameLocator('iframe[title="Test content"]').locator('#assessment').waitFor({ timeout: 60_000 });
    expect(lms.startAssessments).toEqual([expect.objectContaining({ valid: true })]);
    expect(lms.startAssessments[0].claims?.[CLAIM.sessionData]).toBe('attempt-1 ✓');
    await learner.screenshot({ path: `${SHOTS}/lti-journey-exam.png` });
  }, 180_000);

  it('pauses the attempt at the LMS when the proctor declares an incident', async () => {
    const proctor = await page();
    await proctor.goto('/');
    await signIn(proctor, 'proctor1');
    await expect.poll(() => proctor.getByRole('navigation', { name: 'Sessions' }).textContent(), { timeout: 30_000 }).toContain('Final exam');
    await api.as('proctor1', `mutation($s: ID!) { sendMessage(sessionId: $s, text: "Please put the phone away", incident: true) { id } }`, { s: sessionId });
    const pause = await eventually(() => lms.acsRequests.find((r) => r.body.action === 'pause'), 30_000);
    expect(pause).toMatchObject({ status: 'paused', body: { user: { iss: lms.issuer, sub: LEARNER.sub }, attempt_number: 1, reason_msg: 'Please put the phone away' } });
  }, 120_000);

  it('publishes the conclusion to the LMS gradebook as a "Proctoring" line item, and ends the attempt there', async () => {
    await api.as('proctor1', `mutation($s: ID!) { finishSession(id: $s, conclusion: positive, comment: "calm and alone") { status } }`, { s: sessionId });
    const score = await eventually(() => lms.scores.find((s) => s.score.userId === LEARNER.sub), 30_000);
    const item = lms.lineItems.find((l) => l.id === score.lineItemId);
    expect(item).toMatchObject({ label: 'Proctoring', scoreMaximum: 100, resourceLinkId: 'rl-1' });
    expect(score.score).toMatchObject({ scoreMaximum: 100, activityProgress: 'Completed', gradingProgress: 'FullyGraded' });
    expect(typeof score.score.scoreGiven).toBe('number');
    await eventually(() => lms.acsRequests.find((r) => r.body.action === 'terminate'), 30_000);
    await learner.frameLocator('#lti-tool-frame').getByRole('heading', { name: 'The session has ended' }).waitFor({ timeout: 30_000 });
  }, 120_000);
});
