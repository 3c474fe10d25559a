import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { loadFaceModels } from '../../src/media/faces/analyzer.js';
import { startFaceVerifier, type FaceVerifier } from '../../src/app/faces/verifier.js';
import { photo, sideBySide, stillVideo } from '../faces/photos.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

describeWithServer('the identity step asks for a retake when the server finds no face or two faces in a photo', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let verifier: FaceVerifier;
  let dir: string;
  const browsers: Browser[] = [];
  let releaseChromium: (() => void) | undefined;

  beforeAll(async () => {
    await loadFaceModels();
    api = await startTestApi({}, { webDir: WEB_DIR });
    releaseChromium = await holdChromium();
    verifier = startFaceVerifier(api.core, new LocalBlobStore(join(api.config.dataDir, 'blobs'))); // as main.ts does
    dir = mkdtempSync(join(tmpdir(), 'identity-'));
  }, 300_000);
  afterAll(async () => {
    releaseChromium?.();
    for (const b of browsers) await b.close();
    await verifier?.stop();
    await api?.close();
  });

  /** A test-taker whose camera shows `picture`, through the rules and the compatibility check to the identity step. */
  async function atIdentityStep(sessionId: string, picture: Buffer, width = 1440): Promise<Page> {
    await api.createSession(sessionId, { name: `Identity ${sessionId}`, url: `${api.server.url}/demo-test.html`, student: 'student1' });
    const browser = await launchChromium({ videoFile: await stillVideo(picture, join(dir, `${sessionId}.y4m`)) });
    browsers.push(browser);
    const context = await newContext(browser, api.server.url);
    const page = await context.newPage();
    await page.setViewportSize({ width, height: 900 });
    await signIn(page, 'student1');
    await page.getByText('My sessions').waitFor();
    await page.goto(`/#/exam/${sessionId}`);
    await page.getByRole('button', { name: 'I accept the rules' }).click();
    await page.getByRole('button', { name: 'Start the check' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Identity' }).waitFor();
    return page;
  }

  it('tells the test-taker at once that the face photo shows no face, and keeps the exam closed until a retake', async () => {
    const page = await atIdentityStep('id-none', photo.noFace);
    await page.getByRole('button', { name: 'Take face photo' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.innerText()).toBe('Your face photo shows no face. Please retake it, looking into the camera with your face well lit.');
    await page.getByRole('button', { name: 'Take document photo' }).click();
    await expect.poll(() => page.getByRole('alert').count(), { timeout: 20_000 }).toBe(2); // the document shows no face either
    expect(await page.getByRole('alert').nth(1).innerText()).toMatch(/^Your ID document photo shows no face\. Please retake it/);
    expect(await page.getByRole('button', { name: 'Start the exam' }).isDisabled()).toBe(true);
    await page.screenshot({ path: `${SHOTS}identity-retake.png` });
    await page.setViewportSize({ width: 390, height: 900 });
    await page.screenshot({ path: join(dir, 'identity-retake-390.png'), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it('tells the test-taker that the face photo shows two faces', async () => {
    const page = await atIdentityStep('id-two', await sideBySide(photo.a, photo.b));
    await page.getByRole('button', { name: 'Take face photo' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.innerText()).toBe('Your face photo shows 2 faces. Only you may be in the picture: please retake it.');
    expect(await page.getByRole('button', { name: 'Start the exam' }).isDisabled()).toBe(true);
    const checks = await api.as('proctor1', `{ session(id: "id-two") { faces { result reason faceCount } } }`);
    expect(checks.session.faces).toEqual([{ result: 'red', reason: 'several_faces', faceCount: 2 }]);
  });

  it('lets the test-taker start once both photos show one face', async () => {
    const page = await atIdentityStep('id-one', photo.a);
    await page.getByRole('button', { name: 'Take face photo' }).click();
    await page.getByText('Photo received.').waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Take document photo' }).click();
    await expect.poll(() => page.getByText('Photo received.').count(), { timeout: 20_000 }).toBe(2);
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.getByRole('button', { name: 'Start the exam' }).click();
    await page.frameLocator('iframe[title="Test content"]').getByRole('heading', { name: 'Demo test' }).waitFor();
  });
});
