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

describeWithServer('an administrator manages accounts and reference faces on the accounts page', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let admin: Page;
  let releaseChromium: (() => void) | undefined;
  const row = () => admin.locator('tr[data-username="student2"]');

  beforeAll(async () => {
    releaseChromium = await holdChromium('pages');
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

  it('creates an account that signs in, resets its password, disables and enables it; its owner changes the password', async () => {
    const proctor7 = () => admin.locator('tr[data-username="proctor7"]');
    /** Signs in as proctor7 in a fresh context: the monitor when it worked, else the login page's error. */
    const tryToSignIn = async (password: string) => {
      const page = await (await newContext(browser, api.server.url)).newPage();
      await page.goto('/');
      await page.getByLabel('Username').fill('proctor7');
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const outcome = await Promise.race([
        page.getByRole('link', { name: 'Password' }).waitFor().then(() => 'in'),
        page.getByRole('alert').filter({ hasText: 'wrong username or password' }).waitFor().then(() => 'refused'),
      ]);
      return { page, outcome };
    };

    // Given the administrator creates a proctor account on the page
    const form = admin.getByRole('form', { name: 'New account' });
    await form.getByLabel('Login').fill('proctor7');
    await form.getByLabel('Name').fill('Seven Proctor');
    await form.getByLabel('Role').selectOption('proctor');
    await form.getByLabel('Password').fill('first-pass');
    await form.getByRole('button', { name: 'Create' }).click();
    await proctor7().getByRole('status').filter({ hasText: 'Account created' }).waitFor();
    expect(await proctor7().locator('td').nth(1).innerText()).toBe('Seven Proctor');
    expect((await tryToSignIn('first-pass')).outcome).toBe('in');
    // A second account with the same login is refused, and says why
    await form.getByLabel('Login').fill('proctor7');
    await form.getByLabel('Password').fill('other-pass');
    await form.getByRole('button', { name: 'Create' }).click();
    await form.getByRole('alert').filter({ hasText: 'taken' }).waitFor();

    // When it resets the password, only the new one signs in
    await proctor7().getByRole('button', { name: 'Reset the password of proctor7' }).click();
    await proctor7().getByLabel('New password for proctor7').fill('second-pass-7');
    await proctor7().getByRole('button', { name: 'Set password' }).click();
    await proctor7().getByRole('status').filter({ hasText: 'Password reset' }).waitFor();
    expect((await tryToSignIn('first-pass')).outcome).toBe('refused');

    // When it disables the account, it cannot sign in, and the row says so
    await proctor7().getByRole('button', { name: 'Disable proctor7' }).click();
    await proctor7().getByLabel('Reason to disable proctor7').fill('on leave');
    await proctor7().getByRole('button', { name: 'Disable', exact: true }).click();
    await proctor7().getByText('disabled', { exact: true }).waitFor();
    expect((await tryToSignIn('second-pass-7')).outcome).toBe('refused');
    // The administrator cannot disable their own account from here
    expect(await admin.locator('tr[data-username="admin"]').getByRole('button', { name: 'Disable admin' }).count()).toBe(0);

    // When it enables it again, the owner signs in and changes the password on the Password page
    await proctor7().getByRole('button', { name: 'Enable proctor7' }).click();
    await proctor7().getByRole('status').filter({ hasText: 'Enabled again' }).waitFor();
    const { page, outcome } = await tryToSignIn('second-pass-7');
    expect(outcome).toBe('in');
    await page.getByRole('link', { name: 'Password' }).click();
    const change = page.getByRole('form', { name: 'Change your password' });
    await change.getByLabel('Current password').fill('second-pass-7');
    await change.getByLabel('New password', { exact: true }).fill('third-pass-7');
    await change.getByLabel('New password again').fill('third-pass-7');
    await change.getByRole('button', { name: 'Change password' }).click();
    await change.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
    expect((await tryToSignIn('second-pass-7')).outcome).toBe('refused');
    expect((await tryToSignIn('third-pass-7')).outcome).toBe('in');
    const events = await api.core.store.readStream('account-proctor7');
    expect(events.map((e) => [e.type, (e.data as { by?: string }).by])).toEqual([
      ['AccountRegistered', 'admin'], ['PasswordChanged', 'admin'], ['AccountDisabled', 'admin'], ['AccountEnabled', 'admin'], ['PasswordChanged', 'proctor7'],
    ]);
  }, 120_000);

  it('shows an auditor the accounts without the actions', async () => {
    await api.as('admin', `mutation { registerAccount(username: "gone1", role: "proctor", password: "pass-gone-77") { username } }`);
    await api.as('admin', `mutation { disableAccount(username: "gone1", reason: "left") { username } }`);
    const auditor = await (await newContext(browser, api.server.url)).newPage();
    await signIn(auditor, 'auditor1');
    await auditor.getByRole('link', { name: 'Accounts' }).click();
    await auditor.locator('tr[data-username="student1"]').waitFor();
    expect(await auditor.getByRole('columnheader', { name: 'Actions' }).count()).toBe(0);
    expect(await auditor.getByText('Upload reference photo').count()).toBe(0);
    expect(await auditor.getByRole('form', { name: 'New account' }).count()).toBe(0);
    expect(await auditor.locator('tr[data-username="gone1"]').count()).toBe(0); // disabled ones are for administrators
  }, 60_000);
});
