import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

describeWithServer('an administrator imports people from a CSV and manages integrations', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let admin: Page;
  let releaseChromium: (() => void) | undefined;

  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    releaseChromium = await holdChromium('pages');
    browser = await launchChromium();
    admin = await (await newContext(browser, api.server.url)).newPage();
    admin.on('pageerror', (e) => console.error('PAGEERROR', e.message));
    await signIn(admin, 'admin');
    await admin.getByRole('link', { name: 'Accounts' }).click();
    await admin.locator('tr[data-username="student1"]').waitFor();
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  it('checks a pasted CSV, shows the bad rows, then creates a corrected file and hands out set-password links once', async () => {
    await admin.getByText('Import accounts from a CSV').click();
    await admin.getByLabel('or paste it').fill('username,name,email,role\nyuki,山田 由紀,yuki@example.jp,student\nstudent1,Taken,,student\nx y,Bad,,king\n');
    await admin.getByRole('button', { name: 'Check (dry run)' }).click();
    await admin.locator('[data-import-summary]').filter({ hasText: '2 of 3 rows are bad' }).waitFor();
    await expect.poll(() => admin.locator('tr[data-line="3"]').innerText()).toContain('taken');
    expect(await admin.locator('details.import').getByRole('button', { name: /^Create/ }).isDisabled()).toBe(true);
    await admin.screenshot({ path: `${SHOTS}people-import-dry-run.png` });

    const dir = mkdtempSync(join(tmpdir(), 'people-'));
    writeFileSync(join(dir, 'people.csv'), '\uFEFFusername,name,email,role\r\nyuki,山田 由紀,yuki@example.jp,student\r\nolga,"Петрова, Ольга",,proctor\r\n');
    await admin.getByLabel('CSV file').setInputFiles(join(dir, 'people.csv'));
    await expect.poll(() => admin.getByLabel('or paste it').inputValue()).toContain('olga');
    await admin.getByRole('button', { name: 'Check (dry run)' }).click();
    await admin.locator('[data-import-summary]').filter({ hasText: 'All 2 rows are good' }).waitFor();
    await admin.getByRole('button', { name: 'Create 2 accounts' }).click();
    await admin.locator('[data-import-summary]').filter({ hasText: 'Created: 2 new' }).waitFor();
    await admin.locator('tr[data-username="olga"]').waitFor();
    await admin.locator('tr[data-link="olga"]').waitFor();
    await admin.screenshot({ path: `${SHOTS}people-import-created.png`, fullPage: true });

    const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByRole('link', { name: 'Download links (CSV)' }).click()]);
    const links = parse(readFileSync((await download.path())!, 'utf8'), { bom: true, columns: true }) as Array<{ username: string; link: string }>;
    expect(links.map((l) => l.username)).toEqual(['yuki', 'olga']);

    // The owner opens the link (its origin is the configured public URL; the page is ours) and sets a password.
    const owner = await (await newContext(browser, api.server.url)).newPage();
    await owner.goto(`/${new URL(links[1].link).hash}`);
    await owner.getByLabel('New password').fill('violet-harbour-lamp-7');
    await owner.getByLabel('The same again').fill('violet-harbour-lamp-7');
    await owner.getByRole('button', { name: 'Set password' }).click();
    await owner.getByRole('status').filter({ hasText: 'Your password is set' }).waitFor();
    const login = await api.gql(`mutation { login(username: "olga", password: "violet-harbour-lamp-7") { user { role } } }`);
    expect(login.data?.login.user.role).toBe('proctor');
    await owner.setViewportSize({ width: 390, height: 844 });
    await owner.screenshot({ path: `${SHOTS}set-password-390.png` });
    await admin.setViewportSize({ width: 390, height: 844 });
    await admin.screenshot({ path: `${SHOTS}people-import-390.png`, fullPage: true });
    await admin.setViewportSize({ width: 1440, height: 900 });
  }, 180_000);

  it('rotates an integration secret shown once, which signs links until it is revoked', async () => {
    await admin.getByRole('link', { name: 'Integrations' }).click();
    const lms2 = admin.locator('section[data-integration="lms2"]');
    await lms2.getByText('Secret set').waitFor();
    await lms2.getByRole('button', { name: 'Rotate secret' }).click();
    const field = lms2.getByRole('textbox', { name: 'New secret of lms2 (shown once)' });
    await field.waitFor();
    const secret = await field.inputValue();
    expect(secret.length).toBeGreaterThanOrEqual(43);
    const token = await new SignJWT({ username: 'kai', identifier: 'ui-1', subject: 'Quiz', timeout: 30 })
      .setProtectedHeader({ alg: 'HS256' }).setIssuer('lms2').setIssuedAt().setExpirationTime('5m').setJti(randomUUID()).sign(new TextEncoder().encode(secret));
    expect((await api.gql(`mutation($t: String!) { openIntegrationSession(token: $t) { session { id } } }`, { t: token })).errors).toBeUndefined();
    await expect.poll(() => lms2.locator('details.webhook').count()).toBe(1);
    expect(await admin.getByRole('link', { name: 'LMS page' }).getAttribute('href')).toBe('#/lms');
    await admin.screenshot({ path: `${SHOTS}integrations.png`, fullPage: true });
    await admin.setViewportSize({ width: 390, height: 844 });
    await admin.screenshot({ path: `${SHOTS}integrations-390.png`, fullPage: true });
    await admin.setViewportSize({ width: 1440, height: 900 });

    admin.once('dialog', (d) => void d.accept());
    await lms2.getByRole('button', { name: 'Revoke secret' }).click();
    await lms2.getByText('No secret: its links are refused').waitFor();
    expect(await field.count()).toBe(0);
    await admin.reload();
    await admin.locator('section[data-integration="lms2"]').getByText('No secret').waitFor();
    expect(await admin.content()).not.toContain(secret);
  }, 180_000);
});
