import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../src/app/accounts/passwords.js';
import { SYSTEM_ACTOR } from '../../src/domain/core/decider.js';
import { PASSWORD, startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const NAME = 'Robin Example-Person';

describeWithServer("an administrator exports a person's data and erases them on the accounts page", HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let admin: Page;
  let releaseChromium: (() => void) | undefined;
  const row = () => admin.locator('tr[data-username="robin.e"]');

  beforeAll(async () => {
    releaseChromium = await holdChromium('pages');
    api = await startTestApi({ masterKey: randomBytes(32) }, { webDir: WEB_DIR });
    await api.core.account('robin.e', 'RegisterAccount', { username: 'robin.e', role: 'student', displayName: NAME, passwordHash: await hashPassword(PASSWORD) }, SYSTEM_ACTOR);
    await api.createSession('robin-1', { student: 'robin.e', studentName: NAME });
    await api.as('robin.e', `mutation { checkIn(id: "robin-1", userAgent: "ua") { id } }`);
    await api.as('robin.e', `mutation { sendMessage(sessionId: "robin-1", text: "Robin here, ready") { id } }`);
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

  it('downloads everything held about the person as a ZIP', async () => {
    const [download] = await Promise.all([admin.waitForEvent('download'), row().getByRole('button', { name: 'Export the data of robin.e' }).click()]);
    const files = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['account.json', 'index.json', 'sessions/robin-1/events.json']));
    expect(Buffer.from(files['sessions/robin-1/events.json']).toString()).toContain('Robin here, ready');
    await row().getByRole('status').filter({ hasText: 'Data exported' }).waitFor();
  }, 120_000);

  it('erases the person only once their username is typed out, and shows them erased', async () => {
    await row().getByRole('button', { name: 'Erase robin.e' }).click();
    await row().getByLabel('Reason to erase robin.e').fill('Erasure request of 30 November');
    const erase = row().getByRole('button', { name: 'Erase for good' });
    expect(await erase.isDisabled()).toBe(true);
    await row().getByLabel('Type robin.e to confirm the erasure').fill('robin');
    expect(await erase.isDisabled()).toBe(true);
    await row().getByLabel('Type robin.e to confirm the erasure').fill('robin.e');
    await admin.screenshot({ path: `${SHOTS}accounts-erase.png` });
    await admin.setViewportSize({ width: 390, height: 844 });
    await row().scrollIntoViewIfNeeded();
    await admin.screenshot({ path: `${SHOTS}accounts-erase-390.png`, fullPage: false });
    await admin.setViewportSize({ width: 1440, height: 900 });
    await erase.click();
    await row().getByRole('status').filter({ hasText: 'Erased: 1 session(s)' }).waitFor({ timeout: 30_000 });
    await expect.poll(() => row().innerText()).toContain('erased person');
    expect(await row().innerText()).not.toContain(NAME);
    const session = await api.as('admin', `{ session(id: "robin-1") { studentName messages { text } } }`);
    expect(session.session).toEqual({ studentName: null, messages: [{ text: '(erased)' }] });
  }, 120_000);
});
