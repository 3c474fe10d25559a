import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

describeWithServer('the proctor\'s monitoring screen in Chromium', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;

  let releaseChromium: (() => void) | undefined;
  beforeAll(async () => {
    releaseChromium = await holdChromium('pages');
    api = await startTestApi({}, { webDir: WEB_DIR });
    for (const [id, student] of [['mon-1', 'student1'], ['mon-2', 'student2'], ['mon-3', 'student1']] as const) {
      await api.createSession(id, { name: `Exam ${id}`, student });
      await api.as(student, `mutation { checkIn(id: "${id}", userAgent: "ua") { id } }`);
      await api.as(student, `mutation { startSession(id: "${id}") { id } }`);
    }
    await api.as('student1', `mutation { recordMetrics(sessionId: "mon-1", minute: 0, values: [{ code: "c2", value: 35 }]) { id } }`);
    browser = await launchChromium();
    const context = await newContext(browser, api.server.url);
    page = await context.newPage();
    await signIn(page, 'proctor1');
    await page.locator('.tile').nth(2).waitFor();
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  it('puts live sessions on the grid with the last minute\'s event icons and their meaning', async () => {
    const icon = page.locator('.tile[data-session="mon-1"] .icon[data-code="c2"]');
    await icon.waitFor();
    expect(await icon.getAttribute('title')).toBe('c2: Face invisible or not looking into the camera');
  });

  it('shows a new violation on the tile as soon as it is recorded', async () => {
    await api.as('student2', `mutation { recordViolation(sessionId: "mon-2", code: "b2") { id } }`);
    await page.locator('.tile[data-session="mon-2"] .icon[data-code="b2"]').waitFor();
  });

  it('moves between tiles with the arrow keys and activates with a click or Enter', async () => {
    await page.locator('.tile').first().click();
    const active = () => page.locator('.tile.active').getAttribute('data-session');
    const first = await active();
    await page.keyboard.press('ArrowRight');
    await expect.poll(active).not.toBe(first);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(active).toBe(first);
    expect(await page.locator('.tile.active').evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('focuses the search with /, explains a bad query with its column, and completes field names', async () => {
    await page.locator('body').press('/');
    const search = page.getByRole('searchbox').or(page.getByLabel('Search sessions'));
    expect(await search.evaluate((el) => el === document.activeElement)).toBe(true);
    await search.fill('nme=3');
    await search.press('Enter');
    const problem = page.locator('#search-problem');
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/nme.*name.*column 1/);
    await search.fill('stud');
    await search.press('End');
    await search.dispatchEvent('input');
    const option = page.getByRole('option', { name: 'student', exact: true });
    await option.waitFor();
    await option.click();
    expect(await search.inputValue()).toBe('student');
  });

  it('filters the list with the search language', async () => {
    const search = page.getByLabel('Search sessions');
    await search.fill('student=student2');
    await search.press('Enter');
    await expect.poll(() => page.locator('nav[aria-label="Sessions"] li').allTextContents()).toEqual([expect.stringContaining('Exam mon-2')]);
    await search.fill('');
    await search.press('Enter');
    await expect.poll(() => page.locator('nav[aria-label="Sessions"] li').count()).toBe(3);
  });

  it('keeps its layout from 1280×720 to 2560×1440', async () => {
    for (const [width, height] of [[1280, 720], [2560, 1440]]) {
      await page.setViewportSize({ width, height });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${width}×${height}`).toBeLessThanOrEqual(0);
      expect(await page.locator('.right').isVisible()).toBe(true);
    }
  });

  it('shows a banner while the connection is lost, and recovers', async () => {
    await page.context().setOffline(true); // reconnect attempts fail from now on …
    for (const socket of api.server.sockets.clients) socket.terminate(); // … and the live socket drops, as in a network cut
    const banner = page.getByRole('alert').filter({ hasText: 'Connection to the server lost' });
    await banner.waitFor({ timeout: 5000 });
    await page.context().setOffline(false);
    await banner.waitFor({ state: 'detached', timeout: 15_000 });
    // After the reconnect the list is live again.
    await api.as('admin', `mutation { createSession(input: { id: "mon-4", name: "Exam mon-4", student: "student2", proctor: "proctor1", duration: 30 }) { id } }`);
    await page.locator('nav[aria-label="Sessions"]').getByText('Exam mon-4').waitFor();
  }, 30_000);
});
