import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

describeWithServer('an administrator creates sessions on screen', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let admin: Page;
  let releaseChromium: (() => void) | undefined;
  const form = () => admin.getByRole('form', { name: 'New session' });

  beforeAll(async () => {
    releaseChromium = await holdChromium();
    api = await startTestApi({}, { webDir: WEB_DIR });
    browser = await launchChromium();
    admin = await (await newContext(browser, api.server.url)).newPage();
    await signIn(admin, 'admin');
  }, 120_000);

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
});
