import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));

describeWithServer('the export dialog in Chromium', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let releaseChromium: (() => void) | undefined;
  const dialog = () => page.getByRole('dialog', { name: 'Export sessions' });

  beforeAll(async () => {
    releaseChromium = await holdChromium('pages');
    api = await startTestApi({}, { webDir: WEB_DIR });
    await api.createSession('low', { name: 'Exam "A", part 1', studentName: 'Зоя Иванова' });
    await api.createSession('high', { name: 'Exam B', studentName: 'Jan Novák' });
    // Scores as concluded sessions have them: the export reads the read model.
    await api.core.db.query(`UPDATE monitor_sessions SET score = CASE session_id WHEN 'low' THEN 31.5 ELSE 88 END`);
    browser = await launchChromium();
    page = await (await newContext(browser, api.server.url)).newPage();
    await signIn(page, 'admin');
    await page.getByRole('button', { name: 'Export…' }).waitFor();
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  it('lists every field of the search language with sensible ones checked, and downloads a CSV filtered by the search', async () => {
    await page.getByRole('button', { name: 'Export…' }).click();
    await dialog().getByRole('checkbox', { name: 'averages.b1' }).waitFor();
    const boxes = dialog().locator('input[name=field]');
    expect(await boxes.count()).toBe((await api.as('admin', '{ exportFields { name } }')).exportFields.length);
    expect(await dialog().getByRole('checkbox', { name: 'studentName' }).isChecked()).toBe(true);
    expect(await dialog().getByRole('checkbox', { name: 'averages.b1' }).isChecked()).toBe(false);
    await dialog().getByLabel('Search').fill('score<50');
    await page.screenshot({ path: `${SHOTS}/export-dialog.png` });
    const [download] = await Promise.all([page.waitForEvent('download'), dialog().getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^sessions-\d{8}T\d{4}\.csv$/);
    const rows = parse(await readFile((await download.path())!), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.session, r.name, r.studentName, r.score])).toEqual([['low', 'Exam "A", part 1', 'Зоя Иванова', '31.5']]);
    await dialog().waitFor({ state: 'detached' });
  });

  it('says why a search that does not parse cannot be exported, and fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    // On a phone the top bar's pages sit under one Menu button; picking one closes it.
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('button', { name: 'Export…' }).click();
    await page.getByRole('navigation', { name: 'Pages' }).waitFor({ state: 'hidden' });
    await dialog().getByLabel('Search').fill('score<<50');
    await dialog().getByRole('button', { name: 'Download' }).click();
    await dialog().getByRole('alert').waitFor();
    expect(await dialog().getByRole('alert').textContent()).toMatch(/./);
    const box = (await dialog().boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${SHOTS}/export-dialog-390.png` });
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    await dialog().waitFor({ state: 'detached' });
  });
});
