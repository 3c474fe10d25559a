import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { boxOf, pageOverflow } from '../support/layout.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));

describeWithServer('an administrator creates sessions on screen', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let admin: Page;
  let releaseChromium: (() => void) | undefined;
  const form = () => admin.getByRole('form', { name: 'New session' });

  beforeAll(async () => {
    releaseChromium = await holdChromium('pages');
    api = await startTestApi({}, { webDir: WEB_DIR });
    browser = await launchChromium();
    await api.as('admin', `mutation { registerAccount(username: "student3", displayName: "Uma Student", role: "student", password: "secret-pass") { username } }`);
    admin = await (await newContext(browser, api.server.url)).newPage();
    await signIn(admin, 'admin');
  }, 300_000); // it may wait for the one Chromium at a time

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  it('creates a session with a proctor, a start time and a second camera, and opens its page', async () => {
    await admin.getByRole('link', { name: 'New session' }).click();
    await form().getByLabel('Name', { exact: true }).fill('Algebra entrance exam');
    await form().getByRole('combobox', { name: /^Test-taker/ }).selectOption('student2');
    await form().getByRole('combobox', { name: /^Proctor/ }).selectOption('proctor2');
    await form().getByLabel('Starts').fill('2030-06-01T09:30');
    await form().getByLabel('Minutes allowed').fill('45');
    await form().getByLabel('Tags').fill('math, entrance');
    await form().getByLabel('Ask for a second (mobile) camera').check();
    await form().getByRole('button', { name: 'Create session' }).click();
    await admin.waitForURL(/#\/protocol\/algebra-entrance-exam-\d{12}$/);
    const id = decodeURIComponent(admin.url().split('#/protocol/')[1]);
    await admin.getByText('Algebra entrance exam').first().waitFor();
    const { session } = await api.as('admin', `query($id: ID!) { session(id: $id) { name student proctor duration scheduledAt tags secondCamera selfScheduling status } }`, { id });
    expect(session).toEqual({
      name: 'Algebra entrance exam', student: 'student2', proctor: 'proctor2', duration: 45,
      scheduledAt: new Date(2030, 5, 1, 9, 30).toISOString(), tags: ['math', 'entrance'], secondCamera: true, selfScheduling: false, status: 'scheduled',
    });
  }, 60_000);

  it('creates a self-scheduled session without a proctor or time, and shows what the server refuses', async () => {
    await admin.goto('/#/new-session');
    await form().getByLabel('Name', { exact: true }).fill('Statistics retake');
    await form().getByLabel('Id', { exact: true }).fill('bad id!');
    await form().getByLabel('The test-taker chooses the time from the proctors\' calendars').check();
    expect(await form().getByRole('combobox', { name: /^Proctor/ }).count()).toBe(0);
    await form().getByRole('button', { name: 'Create session' }).click();
    await form().getByRole('alert').filter({ hasText: 'session id "bad id!"' }).waitFor();
    await form().getByLabel('Id', { exact: true }).fill('stats-retake');
    await form().getByRole('button', { name: 'Create session' }).click();
    await admin.waitForURL(/#\/protocol\/stats-retake$/);
    const { session } = await api.as('admin', `{ session(id: "stats-retake") { student proctor selfScheduling booked } }`);
    expect(session).toEqual({ student: 'student1', proctor: null, selfScheduling: true, booked: false });
  }, 60_000);

  it('lines each checkbox up with its label and the fields above, at 1440 px and at 390 px', async () => {
    for (const width of [1440, 390]) {
      await admin.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await admin.goto('/#/new-session');
      const name = await boxOf(form().getByLabel('Name', { exact: true }));
      for (const label of ['The test-taker chooses the time from the proctors\' calendars', 'Ask for a second (mobile) camera']) {
        const box = await boxOf(form().getByLabel(label));
        const text = await boxOf(form().getByText(label));
        expect(box.width, `${label} at ${width}`).toBeLessThanOrEqual(24);
        expect(Math.abs(box.x - name.x), `${label} starts where the fields start, at ${width}`).toBeLessThanOrEqual(2);
        expect(text.x, `${label}: its text follows the box`).toBeGreaterThan(box.x + box.width);
        expect(text.x - (box.x + box.width)).toBeLessThanOrEqual(12);
        // The box sits on the first line of its text, not above or below it.
        expect(box.y + box.height / 2).toBeGreaterThan(text.y);
        expect(box.y + box.height / 2).toBeLessThan(text.y + 24);
      }
      expect((await pageOverflow(admin)).x, `${width}`).toBeLessThanOrEqual(0);
      await admin.screenshot({ path: `${SHOTS}/${width === 390 ? 'new-session-390' : 'new-session'}.png`, fullPage: true });
    }
    await admin.setViewportSize({ width: 1440, height: 900 });
  });

  it('names the test-taker by their name, on the form and on the session it creates', async () => {
    await admin.goto('/#/new-session');
    const student = form().getByRole('combobox', { name: /^Test-taker/ });
    await student.locator('option', { hasText: 'Uma Student' }).waitFor({ state: 'attached' });
    await student.selectOption('student3');
    expect(await student.evaluate((el) => (el as HTMLSelectElement).selectedOptions[0].textContent)).toMatch(/^Uma Student/);
    await form().getByLabel('Name', { exact: true }).fill('Chemistry quiz');
    await form().getByLabel('Id', { exact: true }).fill('chem-quiz');
    await form().getByRole('button', { name: 'Create session' }).click();
    await admin.waitForURL(/#\/protocol\/chem-quiz$/);
    const { session } = await api.as('admin', `{ session(id: "chem-quiz") { student studentName } }`);
    expect(session).toEqual({ student: 'student3', studentName: 'Uma Student' });
    await admin.goto('/#/monitor');
    await expect.poll(() => admin.getByRole('navigation', { name: 'Sessions' }).locator('li', { hasText: 'Chemistry quiz' }).textContent()).toContain('Uma Student');
  });
});
