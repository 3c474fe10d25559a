import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const final = {
  name: 'Final exam', metrics: ['b2', 'c2'], weights: [], threshold: 60, autoConclude: false, rules: 'Alone.',
  stages: { compatibilityCheck: true, facePhoto: true, idPhoto: false, proctorApproval: false },
  addons: { screen: false, secondCamera: false, chat: true, calls: false, contentProtection: false },
  checkInBefore: 15, checkInAfter: 10, duration: 90, scoreVisibleToStudent: false, retentionDays: 30,
};

describeWithServer('an administrator creates fifty sessions from a template by CSV in the console', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let releaseChromium: (() => void) | undefined;

  beforeAll(async () => {
    releaseChromium = await holdChromium('pages');
    api = await startTestApi({}, { webDir: WEB_DIR });
    await api.as('admin', `mutation($input: TemplateInput!) { createTemplate(id: "final", input: $input) { id } }`, { input: final });
    const takers = Array.from({ length: 50 }, (_, i) => `pupil${i + 1},Pupil ${i + 1},,student`);
    await api.as('admin', `mutation($csv: String!) { importAccounts(csv: $csv, dryRun: false) { created } }`, { csv: ['username,name,email,role', ...takers].join('\n') });
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

  it('pastes a 50-row CSV, checks it, creates it, and the console search shows the fifty', async () => {
    const start = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const csv = ['student,proctor,scheduledAt', ...Array.from({ length: 50 }, (_, i) => `pupil${i + 1},proctor1,${start}`)].join('\n');
    await page.getByText('Import sessions from CSV').click();
    const panel = page.locator('[data-session-import]');
    await panel.getByRole('option', { name: /Final exam/ }).waitFor({ state: 'attached' });
    await panel.getByLabel('Template').selectOption('final');
    await panel.getByLabel('or paste it').fill(csv);
    await panel.getByRole('button', { name: 'Check (dry run)' }).click();
    await panel.getByRole('status').filter({ hasText: 'All 50 rows are good.' }).waitFor();
    await panel.getByRole('button', { name: 'Create 50 sessions' }).click();
    await panel.getByRole('status').filter({ hasText: 'Created: 50 new' }).waitFor({ timeout: 120_000 });

    const search = page.getByRole('combobox', { name: 'Search sessions' });
    await search.fill('session ~ "^final-pupil"');
    await search.press('Enter');
    await page.getByText('50 sessions match · showing 1–50').waitFor();
    const { session } = await api.as('admin', `{ session(id: "final-pupil7-${start.replace(/[-:]|\.\d{3}/g, '')}") { template duration proctor } }`);
    expect(session).toEqual({ template: 'Final exam', duration: 90, proctor: 'proctor1' });
  }, 180_000);
});
