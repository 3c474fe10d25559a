import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));
const seconds = (clock: string) => clock.split(':').reduce((total, part) => total * 60 + Number(part), 0);

describeWithServer('a test-taker who comes before check-in opens', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let student: Page;
  let releaseChromium: (() => void) | undefined;

  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    releaseChromium = await holdChromium();
    browser = await launchChromium();
    student = await (await newContext(browser, api.server.url)).newPage();
    await signIn(student, 'student1');
    await student.getByText('My sessions').waitFor();
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  it('sees when check-in opens, counting down, and cannot check in yet', async () => {
    // Check-in opens 15 minutes before the start: here, in 25 seconds.
    const start = new Date(Date.now() + 15 * 60_000 + 25_000);
    await api.createSession('early-1', { name: 'Algebra final exam', scheduledAt: start.toISOString(), url: `${api.server.url}/demo-test.html` });
    await student.goto('/#/exam/early-1');
    await student.getByRole('heading', { name: 'Check-in has not opened yet' }).waitFor();
    expect(await student.getByRole('button', { name: 'I accept the rules' }).count()).toBe(0);
    const timer = student.getByRole('timer', { name: 'Check-in opens in' });
    const first = seconds((await timer.textContent())!);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(25);
    await expect.poll(async () => seconds((await timer.textContent())!), { timeout: 5000 }).toBeLessThan(first);
    expect(await api.errorCode('student1', `mutation { checkIn(id: "early-1", userAgent: "ua") { id } }`)).toBe('CONFLICT');
    await student.screenshot({ path: `${SHOTS}/check-in-countdown.png` });
    await student.setViewportSize({ width: 390, height: 844 });
    await student.screenshot({ path: `${SHOTS}/check-in-countdown-390.png` });
    await student.setViewportSize({ width: 1440, height: 900 });
  });

  it('lets the test-taker through on the same page once it opens', async () => {
    await student.getByRole('button', { name: 'I accept the rules' }).waitFor({ timeout: 40_000 });
    await student.getByRole('button', { name: 'I accept the rules' }).click();
    await student.getByRole('button', { name: 'Start the check' }).click();
    await expect.poll(() => student.locator('.checks li.ok, .checks li.failed').count(), { timeout: 30_000 }).toBe(6);
    await student.getByRole('button', { name: 'Continue' }).click();
    await student.getByRole('button', { name: 'Take face photo' }).waitFor();
    expect((await api.as('student1', `{ session(id: "early-1") { status } }`)).session.status).toBe('waiting');
  });
});
