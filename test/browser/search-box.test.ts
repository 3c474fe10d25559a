import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { boxOf, overlap } from '../support/layout.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));

describeWithServer('the monitor\'s search box in Chromium', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let releaseChromium: (() => void) | undefined;
  const search = () => page.getByLabel('Search sessions');
  const completions = () => page.getByRole('listbox', { name: 'Completions' });
  const listed = () => page.getByRole('navigation', { name: 'Sessions' }).locator('li').allTextContents();

  beforeAll(async () => {
    releaseChromium = await holdChromium('pages');
    api = await startTestApi({}, { webDir: WEB_DIR });
    for (const [id, student] of [['find-1', 'student1'], ['find-2', 'student2'], ['find-3', 'student1']] as const) {
      await api.createSession(id, { name: `Exam ${id}`, student });
      await api.as(student, `mutation { checkIn(id: "${id}", userAgent: "ua") { id } }`);
      await api.as(student, `mutation { startSession(id: "${id}") { id } }`);
    }
    browser = await launchChromium();
    page = await (await newContext(browser, api.server.url)).newPage();
    await signIn(page, 'proctor1');
    await page.locator('.tile').nth(2).waitFor();
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  async function openCompletions() {
    await search().fill('');
    await search().pressSequentially('stud');
    await completions().waitFor();
  }

  it('closes the completion list on Escape, keeping the text and the focus', async () => {
    await openCompletions();
    await search().press('Escape');
    await completions().waitFor({ state: 'detached' });
    expect(await search().getAttribute('aria-expanded')).toBe('false');
    expect(await search().inputValue()).toBe('stud');
    expect(await search().evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('closes the completion list when the focus leaves the box, so it never covers the session list', async () => {
    await openCompletions();
    expect(overlap(await boxOf(completions()), await boxOf(page.getByRole('navigation', { name: 'Sessions' })))).toBe(true); // it does while open
    await page.keyboard.press('Tab');
    await completions().waitFor({ state: 'detached' });
    await openCompletions();
    await page.getByRole('main', { name: 'Watched sessions' }).click({ position: { x: 5, y: 5 } });
    await completions().waitFor({ state: 'detached' });
  });

  it('picks a completion with the arrow keys and Enter', async () => {
    await openCompletions();
    expect(await search().getAttribute('role')).toBe('combobox');
    expect(await search().getAttribute('aria-expanded')).toBe('true');
    await search().press('ArrowDown');
    const option = page.getByRole('option', { selected: true });
    expect(await search().getAttribute('aria-activedescendant')).toBe(await option.getAttribute('id'));
    const chosen = (await option.textContent())!.trim();
    await search().press('Enter');
    await completions().waitFor({ state: 'detached' });
    expect(await search().inputValue()).toBe(chosen);
  });

  it('applies the query as it is typed, after a short pause, and says so', async () => {
    expect(await page.getByText('applies as you type').count(), 'the hint under the box').toBe(1);
    await search().fill('');
    await search().pressSequentially('student=student2', { delay: 20 });
    await expect.poll(listed, { timeout: 5000 }).toEqual([expect.stringContaining('Exam find-2')]);
    await search().fill('');
    await expect.poll(() => listed().then((l) => l.length), { timeout: 5000 }).toBe(3);
  });

  it('marks the results stale, on screen and for assistive technology, while the query has an error', async () => {
    const apply = async (q: string) => {
      await search().fill(q);
      await search().press('Enter');
    };
    await apply('student=student2');
    await expect.poll(listed).toEqual([expect.stringContaining('Exam find-2')]);
    await apply('nme=3');
    const nav = page.getByRole('navigation', { name: 'Sessions' });
    await expect.poll(() => nav.getAttribute('aria-describedby')).toBeTruthy();
    const note = page.locator(`#${await nav.getAttribute('aria-describedby')}`);
    expect(await note.textContent()).toContain('student=student2');
    expect(await nav.getAttribute('data-stale')).toBe('true');
    expect(Number(await nav.locator('ul').first().evaluate((el) => getComputedStyle(el).opacity))).toBeLessThan(1);
    expect(await search().getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: `${SHOTS}/monitor-search-stale.png` });
    await apply('student=student1');
    await expect.poll(() => nav.getAttribute('data-stale')).toBe('false');
    expect(await nav.getAttribute('aria-describedby')).toBeNull();
    await expect.poll(listed).toEqual([expect.stringContaining('Exam find-'), expect.stringContaining('Exam find-')]);
  });

  it('keeps the watched tiles when the filter no longer lists their session, and keeps them live', async () => {
    await search().fill('');
    await search().press('Enter');
    await expect.poll(() => listed().then((l) => l.length)).toBe(3);
    expect(await page.locator('.tile').count()).toBe(3);
    await search().fill('student=student2');
    await search().press('Enter');
    await expect.poll(listed).toEqual([expect.stringContaining('Exam find-2')]);
    expect(await page.locator('.tile').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('data-session')).sort())).toEqual(['find-1', 'find-2', 'find-3']);
    // find-1 is out of the list but still watched: what happens to it still shows.
    await api.as('student1', `mutation { recordViolation(sessionId: "find-1", code: "b2") { id } }`);
    await page.locator('.tile[data-session="find-1"] .icon[data-code="b2"]').waitFor();
    await page.locator('.tile[data-session="find-1"]').click();
    await expect.poll(() => page.getByRole('toolbar', { name: 'Active session' }).textContent()).toContain('Exam find-1');
    // They are listed apart, where they can still be unticked.
    const outside = page.getByRole('region', { name: 'Watched, not in this search' });
    expect(await outside.getByRole('checkbox').evaluateAll((boxes) => boxes.map((b) => b.getAttribute('aria-label')).sort())).toEqual(['Watch Exam find-1', 'Watch Exam find-3']);
    await outside.getByRole('checkbox', { name: 'Watch Exam find-3' }).click(); // unticked, it leaves this list at once
    await page.locator('.tile[data-session="find-3"]').waitFor({ state: 'detached' });
    expect(await page.locator('.tile').count()).toBe(2);
  });
});
