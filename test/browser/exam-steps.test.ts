import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { startFaceVerifier, type FaceVerifier } from '../../src/app/faces/verifier.js';
import { photo, stillVideo } from '../faces/photos.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { captureState, HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));
const CREATE_TEMPLATE = `mutation($id: ID, $input: TemplateInput!) { createTemplate(id: $id, input: $input) { id } }`;
const base = {
  metrics: ['b2', 'c2'], weights: [], threshold: 50, autoConclude: false, rules: 'Stay alone in the room.\nKeep your face in the camera.',
  checkInBefore: 15, checkInAfter: null, duration: 30, scoreVisibleToStudent: false, retentionDays: 30,
};
const OFF = { screen: false, secondCamera: false, chat: false, calls: false, contentProtection: false };

/** Screenshots of the page as it is, at the desktop size and at a phone's width. */
async function shoot(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SHOTS}/${name}-390.png`, fullPage: true });
  await page.setViewportSize({ width: 1440, height: 900 });
}

describeWithServer('an exam page that follows its template', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let verifier: FaceVerifier;
  let releaseChromium: (() => void) | undefined;

  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    releaseChromium = await holdChromium();
    // As main.ts does: the face photo waits for the server's verdict, so the camera shows a face.
    verifier = startFaceVerifier(api.core, new LocalBlobStore(join(api.config.dataDir, 'blobs')));
    await api.as('admin', CREATE_TEMPLATE, {
      id: 'bare', input: { ...base, name: 'Camera-only quiz', stages: { compatibilityCheck: false, facePhoto: false, idPhoto: false, proctorApproval: false }, addons: OFF },
    });
    await api.as('admin', CREATE_TEMPLATE, {
      id: 'approved', input: {
        ...base, name: 'Oral exam', stages: { compatibilityCheck: false, facePhoto: true, idPhoto: false, proctorApproval: true },
        addons: { ...OFF, chat: true, contentProtection: true },
      },
    });
    const url = `${api.server.url}/demo-test.html`;
    await api.createSession('bare-b', { name: 'Camera-only quiz', template: 'bare', duration: null, metrics: null, url });
    await api.createSession('approved-b', { name: 'Oral exam', template: 'approved', duration: null, metrics: null, url, student: 'student2' });
    browser = await launchChromium({ videoFile: await stillVideo(photo.a, join(mkdtempSync(join(tmpdir(), 'steps-')), 'face.y4m')) });
    mkdirSync(SHOTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await verifier?.stop();
    await browser?.close();
    await api?.close();
  });

  describe('when the template turns every stage and addon off', () => {
    it('goes from the rules straight into the exam: no check, no photos, no screen, no chat', async () => {
      const context = await newContext(browser, api.server.url, { watched: true });
      const student = await context.newPage();
      await signIn(student, 'student1');
      await student.getByText('My sessions').waitFor();
      await student.goto('/#/exam/bare-b');
      const rules = student.getByRole('list', { name: 'Rules' });
      await rules.waitFor();
      expect(await rules.textContent()).toContain('Keep your face in the camera.');
      await student.getByRole('button', { name: 'I accept the rules' }).click();
      await student.frameLocator('iframe[title="Test content"]').getByRole('heading', { name: 'Demo test' }).waitFor();

      expect(await student.getByRole('heading', { name: 'Compatibility check' }).count()).toBe(0);
      expect(await student.getByRole('region', { name: 'Chat' }).count()).toBe(0);
      // The camera and microphone were asked for, once, and the screen never.
      await expect.poll(async () => (await captureState(student)).asked).toBe(1);
      expect((await api.as('admin', '{ session(id: "bare-b") { status files { kind } } }')).session).toEqual({ status: 'in_progress', files: [] });
      await shoot(student, 'exam-template-bare');
      await context.close();
    });
  });

  describe('when the template asks for a face photo and the proctor\'s approval', () => {
    let student: Page;
    let proctor: Page;

    it('keeps the test-taker waiting after the face photo', async () => {
      student = await (await newContext(browser, api.server.url)).newPage();
      await signIn(student, 'student2');
      await student.getByText('My sessions').waitFor();
      await student.goto('/#/exam/approved-b');
      await student.getByRole('button', { name: 'I accept the rules' }).click();
      await student.getByRole('button', { name: 'Take face photo' }).click();
      expect(await student.getByRole('button', { name: /document photo/ }).count()).toBe(0);
      await student.getByRole('img', { name: 'Your face photo' }).waitFor();
      const next = student.getByRole('button', { name: 'Continue' });
      await expect.poll(() => next.isEnabled(), { timeout: 30_000 }).toBe(true);
      await next.click();
      await student.getByRole('heading', { name: 'Waiting for the proctor' }).waitFor();
      expect(await api.errorCode('student2', 'mutation { startSession(id: "approved-b") { id } }')).toBe('CONFLICT');
      await shoot(student, 'exam-waiting-approval');
      // A reload there goes back to the wait: the server holds the photo, nothing is asked again.
      await student.reload();
      await student.getByRole('heading', { name: 'Waiting for the proctor' }).waitFor();
      expect(await student.getByRole('button', { name: 'I accept the rules' }).count()).toBe(0);
    });

    it('lets the test-taker in once a proctor approves on the monitor', async () => {
      proctor = await (await newContext(browser, api.server.url)).newPage();
      await signIn(proctor, 'proctor1');
      // The list says who waits for the proctor, before any tile is opened.
      const waiting = proctor.getByRole('navigation', { name: 'Sessions' }).locator('li', { hasText: 'Oral exam' });
      await waiting.getByText('Awaits approval').waitFor();
      // At 1440 px monitor-approve-start.png below shows the mark; on a phone the list stacks above the tiles.
      await proctor.setViewportSize({ width: 390, height: 844 });
      await proctor.screenshot({ path: `${SHOTS}/monitor-awaits-approval-390.png` });
      await proctor.setViewportSize({ width: 1440, height: 900 });
      await proctor.getByRole('checkbox', { name: 'Watch Oral exam' }).check();
      await proctor.locator('.tile[data-session="approved-b"]').click();
      const approve = proctor.getByRole('button', { name: 'Approve start' });
      await approve.waitFor();
      expect(await proctor.getByRole('button', { name: 'Video call' }).count()).toBe(0);
      await proctor.screenshot({ path: `${SHOTS}/monitor-approve-start.png` });
      await approve.click();
      await approve.waitFor({ state: 'detached' });
      await waiting.getByText('Awaits approval').waitFor({ state: 'detached' });

      await student.getByRole('heading', { name: 'The proctor has let you in' }).waitFor();
      await student.getByRole('button', { name: 'Start the exam' }).click();
      await student.frameLocator('iframe[title="Test content"]').getByRole('heading', { name: 'Demo test' }).waitFor();
      expect((await api.as('admin', '{ session(id: "approved-b") { status approvedBy } }')).session).toEqual({ status: 'in_progress', approvedBy: 'proctor1' });
    });

    it('blocks copying on the exam page and says so, with the chat there', async () => {
      await student.getByRole('region', { name: 'Chat' }).waitFor();
      const prevented = await student.evaluate(() => {
        const copy = new ClipboardEvent('copy', { bubbles: true, cancelable: true });
        const menu = new MouseEvent('contextmenu', { bubbles: true, cancelable: true });
        document.body.dispatchEvent(copy);
        document.body.dispatchEvent(menu);
        return [copy.defaultPrevented, menu.defaultPrevented];
      });
      expect(prevented).toEqual([true, true]);
      await student.getByRole('status').filter({ hasText: 'blocked in this exam' }).waitFor();
      await shoot(student, 'exam-content-protection');
    });
  });
});
