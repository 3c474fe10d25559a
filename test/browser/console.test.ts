import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/core/decider.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const ADMIN: Actor = { id: 'admin', role: 'admin' };
const STUDENT: Actor = { id: 'student1', role: 'student' };
const name = (i: number) => `Console exam ${String(i).padStart(2, '0')}`;

describeWithServer('an administrator manages sessions in the console', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let releaseChromium: (() => void) | undefined;
  const rows = () => page.locator('tbody tr');
  const matches = (text: string) => page.getByText(text).waitFor();

  beforeAll(async () => {
    releaseChromium = await holdChromium('pages');
    api = await startTestApi({}, { webDir: WEB_DIR });
    for (let i = 0; i < 60; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, j) => api.core.session(`con-${i + j}`, 'CreateSession', {
        sessionId: `con-${i + j}`, name: name(i + j), student: 'student1', studentName: `Student ${i + j}`, proctor: 'proctor1', durationMinutes: 60,
      }, ADMIN)));
    }
    // One that has ended: cancelling it is refused.
    await api.core.session('con-done', 'CreateSession', { sessionId: 'con-done', name: 'Console exam finished', student: 'student1', proctor: 'proctor1', durationMinutes: 60 }, ADMIN);
    await api.core.session('con-done', 'CheckIn', { userAgent: 'Chromium', browserSupported: true }, STUDENT);
    await api.core.session('con-done', 'StartSession', {}, STUDENT);
    await api.core.session('con-done', 'FinishSession', {}, STUDENT);
    browser = await launchChromium();
    page = await (await newContext(browser, api.server.url)).newPage();
    await signIn(page, 'admin');
    await page.getByRole('link', { name: 'Console', exact: true }).click();
    await page.getByText('Sessions console', { exact: true }).waitFor();
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  it('searches with the monitor\'s language, sorts by a column and pages', async () => {
    const search = page.getByRole('combobox', { name: 'Search sessions' });
    await search.fill('name ~ "^Console exam"');
    await search.press('Enter');
    await matches('61 sessions match · showing 1–50');

    await page.getByRole('button', { name: 'Session', exact: true }).click();
    await expect.poll(() => rows().first().locator('td').nth(1).innerText()).toBe(name(0));
    expect(await page.locator('th[aria-sort="ascending"]').innerText()).toContain('Session');
    await page.getByRole('button', { name: 'Next' }).click();
    await matches('showing 51–61');
    expect(await rows().count()).toBe(11);
    expect(await rows().last().locator('td').nth(1).innerText()).toBe('Console exam finished');
    await page.getByRole('button', { name: /^Session/ }).click(); // again: Z to A, from the first page
    await expect.poll(() => rows().first().locator('td').nth(1).innerText()).toBe('Console exam finished');
    await matches('showing 1–50');
  }, 120_000);

  it('assigns a proctor to the rows ticked, and cancels with a reason, listing the session that refused', async () => {
    await page.getByLabel(`Select ${name(59)}`).check();
    await page.getByLabel(`Select ${name(58)}`).check();
    await page.getByRole('button', { name: 'Assign proctor…' }).click();
    await page.getByLabel('Proctor', { exact: true }).fill('proctor2');
    await page.screenshot({ path: `${SHOTS}console.png` });
    await page.getByRole('button', { name: 'Assign to 2 sessions' }).click();
    await page.getByRole('status').filter({ hasText: 'Done for 2.' }).waitFor();
    await expect.poll(() => page.locator('tr[data-session="con-59"] td').nth(3).innerText()).toBe('proctor2');
    const assigned = await api.as('admin', `{ sessions(query: "proctor = proctor2", first: 10) { edges { node { id } } } }`);
    expect(assigned.sessions.edges.map((e: { node: { id: string } }) => e.node.id).sort()).toEqual(['con-58', 'con-59']);

    await page.getByLabel('Select Console exam finished').check();
    await page.getByLabel(`Select ${name(57)}`).check();
    await page.getByRole('button', { name: 'Cancel…' }).click();
    await page.getByLabel('Reason', { exact: true }).fill('Exam room flooded');
    await page.getByRole('button', { name: 'Cancel 2 sessions' }).click();
    const outcome = page.getByRole('status').filter({ hasText: 'Refused for 1' });
    await outcome.waitFor();
    expect(await outcome.innerText()).toMatch(/Done for 1\.[\s\S]*con-done: cannot cancel: the session is finished/);
    await expect.poll(() => page.locator('tr[data-session="con-57"] td').nth(4).innerText()).toBe('Cancelled');
    const events = await api.core.store.readStream('session-con-57');
    expect(events.at(-1)).toMatchObject({ type: 'SessionCancelled', data: { reason: 'Exam room flooded', by: 'admin' } });
    await page.screenshot({ path: `${SHOTS}console-outcome.png` });
  }, 120_000);

  it('selects every session matching the search across pages and fits a phone', async () => {
    await page.getByLabel('Select this page').check();
    await page.getByRole('button', { name: 'Select all 61 matching the search' }).click();
    await page.getByText('61 sessions selected').waitFor();
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    // None is running: each refuses on its own, none stops the others.
    await page.getByRole('status').filter({ hasText: 'Done for 0. Refused for 61' }).waitFor();

    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByLabel(`Select ${name(50)}`).check();
    await page.getByRole('button', { name: 'Reschedule…' }).click();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${SHOTS}console-390.png`, fullPage: false });
    await page.setViewportSize({ width: 1440, height: 900 });
  }, 120_000);

  it('exports what the search of the console finds, and reaches every other page from its top bar', async () => {
    const search = page.getByRole('combobox', { name: 'Search sessions' });
    await search.fill('name ~ "^Console exam 0"');
    await search.press('Enter');
    await matches('10 sessions match · showing 1–10');
    await page.getByRole('button', { name: 'Export…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export sessions' });
    expect(await dialog.getByLabel('Search').inputValue()).toBe('name ~ "^Console exam 0"');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });

    const pages = page.getByRole('navigation', { name: 'Pages' });
    expect(await pages.getByRole('link', { name: 'Console', exact: true }).getAttribute('aria-current')).toBe('page');
    await pages.getByRole('link', { name: 'Templates', exact: true }).click();
    await page.getByText('Exam templates', { exact: true }).waitFor();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Integrations', exact: true }).click();
    await page.getByText('Integrations', { exact: true }).first().waitFor();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Console', exact: true }).click();
    await page.getByText('Sessions console', { exact: true }).waitFor();
  }, 120_000);
});
