import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { loadFaceModels } from '../../src/media/faces/analyzer.js';
import { startFaceVerifier, type FaceVerifier } from '../../src/app/faces/verifier.js';
import { mirrored, photo, recropped } from '../faces/photos.js';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

describeWithServer('the proctor\'s Faces tab shows green, yellow and red for real photos of different people', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let verifier: FaceVerifier;
  let browser: Browser;
  let proctor: Page;
  let releaseChromium: (() => void) | undefined;

  /** Uploads `image` as the student's face photo, submits it, and waits for the server's verdict. */
  async function submit(student: string, sessionId: string, image: Buffer): Promise<string> {
    const up = await api.upload(student, sessionId, image, { kind: 'face', name: 'face.jpg' });
    expect(up.status).toBe(201);
    await api.as(student, `mutation($id: ID!, $p: String!) { submitIdentityPhoto(id: $id, photoId: $p, kind: "face") { id } }`, { id: sessionId, p: up.json.fileId });
    const check = await eventually(async () => {
      const data = await api.as('proctor1', `query($id: ID!) { session(id: $id) { faces { photoId result } } }`, { id: sessionId });
      return (data.session.faces as Array<{ photoId: string; result: string }>).find((f) => f.photoId === up.json.fileId);
    }, 60_000);
    return check.result;
  }

  beforeAll(async () => {
    releaseChromium = await holdChromium('pages');
    await loadFaceModels();
    api = await startTestApi({}, { webDir: WEB_DIR });
    verifier = startFaceVerifier(api.core, new LocalBlobStore(join(api.config.dataDir, 'blobs'))); // as main.ts does
    for (const [id, student] of [['tab-1', 'student1'], ['tab-2', 'student2']]) {
      await api.createSession(id, { name: `Faces ${id}`, student });
      await api.as(student, `mutation($id: ID!) { checkIn(id: $id, userAgent: "ua") { id } }`, { id });
      await api.as(student, `mutation($id: ID!) { startSession(id: $id) { id } }`, { id });
    }
    // student1's first photo becomes the profile's reference (green); student2 shows the same face (yellow, similar to
    // student1); student1 again is now yellow too (student2 looks alike); then someone else in student1's place (red).
    expect(await submit('student1', 'tab-1', photo.a)).toBe('green');
    expect(await submit('student2', 'tab-2', await recropped(photo.a))).toBe('yellow');
    expect(await submit('student1', 'tab-1', await mirrored(photo.a))).toBe('yellow');
    expect(await submit('student1', 'tab-1', photo.b)).toBe('red');
    expect(await submit('student1', 'tab-1', photo.noFace)).toBe('red');
    browser = await launchChromium();
    proctor = await (await newContext(browser, api.server.url)).newPage();
    await signIn(proctor, 'proctor1');
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await verifier?.stop();
    await browser?.close();
    await api?.close();
  });

  it('lists the photos in order with their colour, why, time and similar profiles, each photo shown', async () => {
    await proctor.locator('.tile[data-session="tab-1"]').click();
    await proctor.getByRole('tab', { name: 'Faces' }).click();
    const faces = proctor.getByRole('region', { name: 'Faces' }).locator('li.face');
    await expect.poll(() => faces.count(), { timeout: 20_000 }).toBe(4);
    expect(await faces.evaluateAll((items) => items.map((li) => li.className.replace('face', '').trim()))).toEqual(['green', 'yellow', 'red', 'red']);
    expect(await faces.nth(0).innerText()).toContain("first face photo: now the profile's reference");
    expect(await faces.nth(1).innerText()).toContain('matches the profile, but similar profiles exist');
    expect(await faces.nth(1).innerText()).toContain('Similar: student2');
    expect(await faces.nth(2).innerText()).toContain('does not match the profile');
    expect(await faces.nth(2).innerText()).toMatch(/Distance 0\.[6-9]\d/);
    expect(await faces.nth(3).innerText()).toContain('no face in the photo');
    for (let i = 0; i < 4; i++) {
      // Each row shows its photo (fetched with the proctor's token): a decoded image, not a broken link.
      await expect.poll(() => faces.nth(i).locator('img').evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 15_000 }).toBeGreaterThan(100);
      expect(await faces.nth(i).innerText()).toMatch(/\d{1,2}:\d{2}/);
    }
    await proctor.screenshot({ path: `${SHOTS}monitor-faces.png` });

    // A photo taken now appears in the open tab with its verdict, without switching away and back.
    expect(await submit('student1', 'tab-1', photo.c)).toBe('red');
    await expect.poll(() => faces.count(), { timeout: 20_000 }).toBe(5);
    await expect.poll(() => faces.nth(4).getAttribute('class')).toContain('red');

    await proctor.locator('.tile[data-session="tab-2"]').click();
    await proctor.getByRole('tab', { name: 'Faces' }).click();
    await expect.poll(() => faces.count()).toBe(1);
    expect(await faces.nth(0).getAttribute('class')).toContain('yellow');
    expect(await faces.nth(0).innerText()).toContain('Similar: student1');
  }, 120_000);
});
