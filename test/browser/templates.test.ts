import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { pageOverflow } from '../support/layout.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

describeWithServer('an administrator manages exam templates on screen', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let admin: Page;
  let releaseChromium: (() => void) | undefined;
  const form = () => admin.getByRole('form', { name: 'Template' });

  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    releaseChromium = await holdChromium('pages');
    browser = await launchChromium();
    admin = await (await newContext(browser, api.server.url)).newPage();
    await admin.setViewportSize({ width: 1440, height: 900 });
    await signIn(admin, 'admin');
  }, 300_000); // it may wait for the one Chromium at a time

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  it('creates a template with its rules and weights, previewing the rules page and the score formula', async () => {
    await admin.getByRole('link', { name: 'Templates' }).click();
    await admin.getByRole('link', { name: 'New template' }).click();
    await form().getByLabel('Name', { exact: true }).fill('Entrance exam');
    await form().getByLabel('Rules the test-taker accepts').fill('Show your ID to the camera.\nNo notes.');
    await form().getByLabel('ID photo').check();
    await form().getByLabel('Second camera (phone)').check();
    await form().getByLabel('Duration (minutes)').fill('120');
    for (const code of ['b1', 'b3', 'c1', 'c4', 'c5', 'c6', 'm1', 'm2', 'n1', 'n2', 'n3', 's1', 's2', 't1']) await form().getByLabel(`Count ${code}`).uncheck();
    await form().getByLabel('Weight of c3').fill('3');
    await form().getByLabel('Weight of c3').blur();
    await form().getByLabel('Threshold (0–100)').fill('70');
    await admin.getByRole('region', { name: 'Rules preview' }).getByText('No notes.').waitFor();
    await expect.poll(() => admin.getByTestId('formula').textContent()).toBe('score = 100 − (x(b2) + x(c2) + 3·x(c3)), within 0–100');
    await form().getByRole('button', { name: 'Create template' }).click();
    await admin.getByRole('status').filter({ hasText: 'Saved as version 1' }).waitFor();
    await admin.waitForURL(/#\/template\/[0-9a-f-]{36}$/);
    const { templates } = await api.as('admin', '{ templates { name metrics weights { code value } threshold duration stages { idPhoto } addons { secondCamera } rules } }');
    expect(templates).toEqual([{
      name: 'Entrance exam', metrics: ['b2', 'c2', 'c3'], weights: [{ code: 'c3', value: 3 }], threshold: 70, duration: 120,
      stages: { idPhoto: true }, addons: { secondCamera: true }, rules: 'Show your ID to the camera.\nNo notes.',
    }]);
  }, 120_000);

  it('saves an edit as the next version and says existing sessions keep theirs', async () => {
    await form().getByLabel('Threshold (0–100)').fill('60');
    await form().getByRole('button', { name: 'Save as a new version' }).click();
    await admin.getByRole('status').filter({ hasText: 'Saved as version 2. Sessions created before keep the version they were made with.' }).waitFor();
  }, 60_000);

  it('lets the new-session screen pick the template, which fills its duration and second camera', async () => {
    await admin.goto('/#/new-session');
    const newSession = admin.getByRole('form', { name: 'New session' });
    await newSession.getByRole('combobox', { name: 'Template' }).locator('option', { hasText: 'Entrance exam' }).waitFor({ state: 'attached' });
    await newSession.getByRole('combobox', { name: 'Template' }).selectOption({ label: 'Entrance exam' });
    expect(await newSession.getByLabel('Minutes allowed').inputValue()).toBe('120');
    expect(await newSession.getByLabel('Ask for a second (mobile) camera').isChecked()).toBe(true);
    await newSession.getByLabel('Name', { exact: true }).fill('Entrance exam, group A');
    await newSession.getByLabel('Id', { exact: true }).fill('entrance-a');
    await newSession.getByRole('button', { name: 'Create session' }).click();
    await admin.waitForURL(/#\/protocol\/entrance-a$/);
    const { sessionEvents } = await api.as('admin', '{ sessionEvents(id: "entrance-a", first: 1) { data } }');
    expect(sessionEvents[0].data).toMatchObject({ template: 'Entrance exam', threshold: 60, metrics: ['b2', 'c2', 'c3'], fromTemplate: { version: 2, stages: { idPhoto: true } } });
    // The test-taker accepts the template's rules, not the page's own.
    const student = await (await newContext(browser, api.server.url)).newPage();
    await signIn(student, 'student1');
    await student.getByRole('link', { name: 'Open' }).click();
    await student.waitForURL(/#\/exam\/entrance-a$/);
    const rules = student.getByRole('list', { name: 'Rules' });
    await rules.getByText('Show your ID to the camera.').waitFor();
    // Then what its addons ask of the test-taker (this exam has a second camera).
    expect(await rules.locator('li').allTextContents()).toEqual([
      'Show your ID to the camera.', 'No notes.', 'Have your phone at hand: it becomes a second camera during the exam.',
    ]);
    await student.close();
  }, 60_000);

  it('fits 1440×900 and a 390 px phone, then archives the template', async () => {
    await admin.goto('/#/templates');
    await admin.getByRole('link', { name: 'Entrance exam' }).click();
    await form().getByLabel('Name', { exact: true }).waitFor();
    await expect.poll(() => form().getByLabel('Name', { exact: true }).inputValue()).toBe('Entrance exam');
    for (const width of [1440, 390]) {
      await admin.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      expect((await pageOverflow(admin)).x, `${width}`).toBeLessThanOrEqual(0);
      await admin.screenshot({ path: `${SHOTS}${width === 390 ? 'template-editor-390' : 'template-editor'}.png`, fullPage: true });
    }
    await admin.setViewportSize({ width: 1440, height: 900 });
    await form().getByRole('button', { name: 'Archive' }).click();
    await admin.getByRole('status').filter({ hasText: 'Archived' }).waitFor();
    await admin.goto('/#/templates');
    await admin.getByRole('list', { name: 'Templates' }).getByText('No templates yet.').waitFor();
    await admin.getByLabel('Show archived templates').check();
    await admin.getByRole('link', { name: 'Entrance exam' }).waitFor();
    await admin.screenshot({ path: `${SHOTS}templates.png`, fullPage: true });
  }, 60_000);
});
