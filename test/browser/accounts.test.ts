import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadFaceModels } from '../../src/media/faces/analyzer.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const FACES = fileURLToPath(new URL('../fixtures/faces/', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

describeWithServer('an administrator manages reference faces on the accounts page', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let admin: Page;
  let releaseChromium: (() => void) | undefined;
  const row = () => admin.locator('tr[data-username="student2"]');

  beforeAll(async () => {
    releaseChromium = await holdChromium();
    await loadFaceModels();
    api = await startTestApi({}, { webDir: WEB_DIR });
    browser = await launchChromium();
    admin = await (await newContext(browser, api.server.url)).newPage();
    await signIn(admin, 'admin');
    await admin.getByRole('link', { name: 'Accounts' }).click();
    await row().waitFor();
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  it('uploads a reference photo, refuses one without a face, and clears it with a reason', async () => {
    await expect.poll(() => row().locator('.reference').innerText()).toContain('None yet');
    await row().getByLabel('Reference photo for student2').setInputFiles(`${FACES}person-b.jpg`);
    await row().getByRole('status').filter({ hasText: 'Reference face set' }).waitFor({ timeout: 60_000 });
    await expect.poll(() => row().locator('.reference').innerText()).toContain('from an upload');
    const reference = await api.as('admin', `{ faceReference(username: "student2") { photoId } }`);
    expect(reference.faceReference.photoId).toMatch(/^upload:[0-9a-f]{64}$/);
    await admin.screenshot({ path: `${SHOTS}accounts.png` });

    await row().getByLabel('Reference photo for student2').setInputFiles(`${FACES}no-face.jpg`);
    await row().getByRole('alert').filter({ hasText: 'exactly one face, not 0' }).waitFor({ timeout: 60_000 });
    expect((await api.as('admin', `{ faceReference(username: "student2") { photoId } }`)).faceReference.photoId).toBe(reference.faceReference.photoId);

    await row().getByRole('button', { name: 'Clear reference' }).click();
    await row().getByLabel('Reason to clear the reference face of student2').fill('the upload showed the wrong person');
    await row().getByRole('button', { name: 'Clear', exact: true }).click();
    await row().getByRole('status').filter({ hasText: 'Reference face cleared' }).waitFor();
    expect((await api.as('admin', `{ faceReference(username: "student2") { photoId } }`)).faceReference).toBeNull();
    const events = await api.core.store.readStream('profile-student2');
    expect(events.map((e) => [e.type, (e.data as { by: string }).by])).toEqual([['ProfileReferenceSet', 'admin'], ['ProfileReferenceCleared', 'admin']]);
  }, 180_000);

  it('shows an auditor the accounts without the actions', async () => {
    const auditor = await (await newContext(browser, api.server.url)).newPage();
    await signIn(auditor, 'auditor1');
    await auditor.getByRole('link', { name: 'Accounts' }).click();
    await auditor.locator('tr[data-username="student1"]').waitFor();
    expect(await auditor.getByRole('columnheader', { name: 'Actions' }).count()).toBe(0);
    expect(await auditor.getByText('Upload reference photo').count()).toBe(0);
  }, 60_000);
});
