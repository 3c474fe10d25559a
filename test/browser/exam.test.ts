import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { startFaceVerifier, type FaceVerifier } from '../../src/app/faces/verifier.js';
import { photo, stillVideo } from '../faces/photos.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));

/** Clicks the point where `selector` inside the test iframe is, as a person would: whatever is on top gets the click. */
async function clickInsideTest(page: Page, selector: string) {
  const frame = page.frameLocator('iframe[title="Test content"]');
  const box = await frame.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} is not visible in the test`);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

describeWithServer('a proctor and a test-taker in Chromium', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let proctorContext: BrowserContext;
  let studentContext: BrowserContext;
  let proctor: Page;
  let student: Page;
  let verifier: FaceVerifier;

  let releaseChromium: (() => void) | undefined;
  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    releaseChromium = await holdChromium();
    // As main.ts does: the identity step waits for the server's verdict on each photo, so the camera shows a face.
    verifier = startFaceVerifier(api.core, new LocalBlobStore(join(api.config.dataDir, 'blobs')));
    await api.createSession('browser-1', { name: 'Entrance exam', url: `${api.server.url}/demo-test.html`, metrics: ['b2', 'c2', 'm2', 's1'] });
    browser = await launchChromium({ videoFile: await stillVideo(photo.a, join(mkdtempSync(join(tmpdir(), 'exam-')), 'face.y4m')) });
    proctorContext = await newContext(browser, api.server.url);
    studentContext = await newContext(browser, api.server.url);
    proctor = await proctorContext.newPage();
    student = await studentContext.newPage();
    mkdirSync(SHOTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await verifier?.stop();
    await browser?.close();
    await api?.close();
  });

  it('signs the proctor in to the monitoring screen with the session listed', async () => {
    await proctor.goto('/');
    await proctor.screenshot({ path: `${SHOTS}/login.png` });
    await signIn(proctor, 'proctor1');
    await expect.poll(() => proctor.getByRole('navigation', { name: 'Sessions' }).textContent()).toContain('Entrance exam');
  });

  it('takes the test-taker through the rules, the compatibility check and the identity photos into the exam', async () => {
    await signIn(student, 'student1');
    await student.getByRole('link', { name: 'Open' }).click();
    await student.getByRole('button', { name: 'I accept the rules' }).click();
    await student.getByRole('button', { name: 'Start the check' }).click();
    await expect.poll(() => student.locator('.checks li.ok, .checks li.failed').count(), { timeout: 30_000 }).toBe(6);
    for (const id of ['browser', 'camera', 'microphone', 'screen', 'network', 'webrtc']) {
      expect(await student.locator(`.checks li[data-check="${id}"]`).getAttribute('class'), id).toContain('ok');
    }
    await student.screenshot({ path: `${SHOTS}/compatibility-check.png` });
    await student.getByRole('button', { name: 'Continue' }).click();

    await student.getByRole('button', { name: 'Take face photo' }).click();
    await student.getByRole('img', { name: 'Your face photo' }).waitFor();
    await student.getByRole('button', { name: 'Retake face photo' }).click(); // a retake replaces it
    await student.getByRole('button', { name: 'Take document photo' }).click();
    await student.getByRole('img', { name: 'Your ID document photo' }).waitFor();
    await student.getByRole('button', { name: 'Start the exam' }).click();
    await student.frameLocator('iframe[title="Test content"]').getByRole('heading', { name: 'Demo test' }).waitFor();

    const files = await api.as('proctor1', `{ session(id: "browser-1") { status files { kind } } }`);
    expect(files.session.status).toBe('in_progress');
    expect(files.session.files.map((f: { kind: string }) => f.kind)).toEqual(['face', 'face', 'document']);
  });

  it('blocks the test content while the proctor\'s incident is in force, and unblocks it on a normal message', async () => {
    await proctor.getByRole('checkbox', { name: 'Watch Entrance exam' }).check();
    await proctor.locator('.tile[data-session="browser-1"]').click();
    await expect.poll(() => proctor.locator('.active-title').textContent()).toContain('Entrance exam');
    await proctor.getByLabel('Message').fill('Put your phone away');
    await proctor.getByLabel('Incident').check();
    await proctor.getByRole('button', { name: 'Send' }).click();

    const blocker = student.getByRole('alertdialog');
    await blocker.waitFor();
    expect(await blocker.textContent()).toContain('Put your phone away');
    await clickInsideTest(student, '#q1-4');
    expect(await student.frameLocator('iframe[title="Test content"]').locator('#q1-4').isChecked()).toBe(false);
    await student.screenshot({ path: `${SHOTS}/exam-blocked.png` });
    await proctor.screenshot({ path: `${SHOTS}/monitor.png` });

    await proctor.getByLabel('Incident').uncheck();
    await proctor.getByLabel('Message').fill('Thank you, carry on');
    await proctor.getByRole('button', { name: 'Send' }).click();
    await blocker.waitFor({ state: 'detached' });
    await clickInsideTest(student, '#q1-4');
    expect(await student.frameLocator('iframe[title="Test content"]').locator('#q1-4').isChecked()).toBe(true);
    await expect.poll(() => student.locator('.chat .message').allTextContents()).toEqual([
      expect.stringContaining('Put your phone away'),
      expect.stringContaining('Thank you, carry on'),
    ]);
  });

  it('sends a file from the proctor that the test-taker downloads', async () => {
    const content = Buffer.from('%PDF-1.4\nexam rules: no phones\n');
    await proctor.locator('input[type="file"]').setInputFiles({ name: 'rules.pdf', mimeType: 'application/pdf', buffer: content });
    await proctor.getByLabel('Message').fill('The rules');
    await proctor.getByRole('button', { name: 'Send' }).click();
    const link = student.getByRole('link', { name: /rules\.pdf/ });
    await link.waitFor();
    const [download] = await Promise.all([student.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('rules.pdf');
    expect(readFileSync((await download.path())!).equals(content)).toBe(true);
    await student.screenshot({ path: `${SHOTS}/exam.png` });
  });

  it('finishes with a conclusion: the test-taker reads the proctor\'s message, never the comment for the record', async () => {
    await proctor.getByRole('button', { name: 'Finish' }).click();
    const dialog = proctor.getByRole('dialog', { name: 'Finish the session' });
    await dialog.getByLabel(/Negative/).check();
    await dialog.getByLabel('Comment for the record').fill('Phone on the desk');
    await dialog.getByLabel('Message to the test-taker').fill('Your phone was on the desk during the exam. The exam office will contact you about a retake.');
    await proctor.screenshot({ path: `${SHOTS}/conclusion-dialog.png` });
    await dialog.getByRole('button', { name: 'Finish' }).click();
    await student.getByRole('heading', { name: 'The session has ended' }).waitFor();
    await student.getByText('Message from the proctor').waitFor();
    const ended = await student.locator('main.ended').textContent();
    expect(ended).toContain('The proctor finished the session.');
    expect(ended).toContain('negative');
    expect(ended).toContain('Your phone was on the desk during the exam. The exam office will contact you about a retake.');
    expect(ended).not.toContain('Phone on the desk');
    await student.screenshot({ path: `${SHOTS}/ended.png` });
    await student.setViewportSize({ width: 390, height: 844 });
    await student.screenshot({ path: `${SHOTS}/ended-390.png` });
    await student.setViewportSize({ width: 1440, height: 900 });
  });

  it('opens the protocol of the finished session with its chat and events', async () => {
    await proctor.goto('/#/protocol/browser-1');
    await proctor.getByRole('heading', { name: 'Entrance exam' }).waitFor();
    expect(await proctor.locator('.protocol .conclusion').textContent()).toContain('negative — Phone on the desk');
    expect(await proctor.locator('.protocol .message-to-student').textContent()).toContain('The exam office will contact you');
    expect(await proctor.locator('.protocol .message.incident').count()).toBe(1);
    await proctor.screenshot({ path: `${SHOTS}/protocol.png`, fullPage: true });
  });
});
