import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, intoRunningExam, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { boxOf, inViewport, overlaps, pageOverflow, reachable } from '../support/layout.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));

describeWithServer('the exam page laid out for the test-taker, from 390 px to 1440×900', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let student: Page;
  let proctor: Page;
  let releaseChromium: (() => void) | undefined;

  // The demo's entrance exam: LMS content and a second camera, whose QR code takes room in the proctoring panel.
  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    releaseChromium = await holdChromium();
    await api.createSession('layout-1', { name: 'Entrance exam in mathematics', url: `${api.server.url}/demo-test.html`, secondCamera: true });
    browser = await launchChromium();
    student = await (await newContext(browser, api.server.url)).newPage();
    proctor = await (await newContext(browser, api.server.url)).newPage();
    await intoRunningExam(api, student, 'student1', 'layout-1');
    await student.getByRole('img', { name: 'QR code of the phone link' }).waitFor();
    await signIn(proctor, 'proctor1');
    await proctor.locator('.tile[data-session="layout-1"]').click();
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  const controls = (page: Page) => ({
    test: page.locator('iframe[title="Test content"]'),
    camera: page.getByLabel('Your camera'),
    timer: page.getByLabel('Time left'),
    phone: page.getByRole('img', { name: 'QR code of the phone link' }),
    messages: page.getByRole('region', { name: 'Chat' }).getByRole('list'),
    message: page.getByLabel('Message'),
    attach: page.getByRole('button', { name: 'Attach a file' }),
    send: page.getByRole('button', { name: 'Send' }),
    finish: page.getByRole('button', { name: 'Finish' }),
  });

  it('shows the test, the camera, the phone\'s QR code, the chat with its box and Finish at once at 1440×900 and 1366×768, none over another', async () => {
    for (const [width, height] of [[1440, 900], [1366, 768]]) {
      await student.setViewportSize({ width, height });
      const size = `${width}×${height}`;
      expect(await pageOverflow(student), size).toEqual({ x: 0, y: 0 });
      const boxes: Record<string, Awaited<ReturnType<typeof boxOf>>> = {};
      for (const [name, locator] of Object.entries(controls(student))) {
        boxes[name] = await boxOf(locator);
        expect(await inViewport(student, boxes[name]), `${name} at ${size}`).toBe(true);
      }
      expect(overlaps(boxes), size).toEqual([]);
      expect(boxes.test.width, `the test keeps most of the width at ${size}`).toBeGreaterThan(width * 0.6);
      expect(boxes.messages.height, `room for messages at ${size}`).toBeGreaterThanOrEqual(120);
      if (width === 1366) await student.screenshot({ path: `${SHOTS}/exam-1366.png` });
    }
    await student.setViewportSize({ width: 1440, height: 900 });
  });

  it('lets a blocked test-taker answer the incident in the chat beside the test, and clears the proctor\'s Incident box after sending', async () => {
    await proctor.getByLabel('Message').fill('Put your phone away');
    await proctor.getByLabel('Incident').check();
    await proctor.getByRole('button', { name: 'Send' }).click();
    await proctor.getByRole('region', { name: 'Chat' }).getByText('Put your phone away').waitFor();
    expect(await proctor.getByLabel('Incident').isChecked(), 'the next message is a normal one unless ticked again').toBe(false);

    const blocker = student.getByRole('alertdialog');
    await blocker.waitFor();
    await blocker.getByRole('button', { name: 'Answer in the chat' }).click();
    const box = student.getByLabel('Message');
    expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await inViewport(student, await boxOf(box))).toBe(true);
    expect(overlaps({ blocker: await boxOf(blocker), box: await boxOf(box), send: await boxOf(student.getByRole('button', { name: 'Send' })) })).toEqual([]);
    await box.pressSequentially('It is in my bag');
    await box.press('Enter');
    await student.getByRole('region', { name: 'Chat' }).getByText('It is in my bag').waitFor();
    expect(await box.inputValue()).toBe('');
    await proctor.getByRole('region', { name: 'Chat' }).getByText('It is in my bag').waitFor();
    expect(await blocker.isVisible(), 'answering does not unblock the test').toBe(true);
  });

  it('stacks the test first and the proctoring panel with the chat below it at 390 px, never over the test', async () => {
    await student.setViewportSize({ width: 390, height: 844 });
    expect((await pageOverflow(student)).x, 'no sideways scrolling').toBeLessThanOrEqual(0);
    const c = controls(student);
    const test = await boxOf(c.test);
    expect(test.x).toBeLessThanOrEqual(1);
    expect(test.width).toBeGreaterThanOrEqual(370);
    expect(test.height, 'the test fills most of the first screen').toBeGreaterThanOrEqual(450);
    const panel = await boxOf(student.getByRole('complementary', { name: 'Proctoring' }));
    expect(panel.y, 'the panel starts below the test').toBeGreaterThanOrEqual(test.y + test.height - 1);

    // Still blocked: the way to the chat is on the blocker.
    await student.getByRole('alertdialog').getByRole('button', { name: 'Answer in the chat' }).click();
    expect(await c.message.evaluate((el) => el === document.activeElement)).toBe(true);
    await student.waitForFunction(() => {
      const r = document.activeElement!.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    });
    await student.screenshot({ path: `${SHOTS}/exam-blocked-390.png` });
    // Every control can be reached and pointed at; the test itself is under the blocker until the proctor lifts it.
    for (const [name, locator] of Object.entries(c)) if (name !== 'test') expect(await reachable(locator), name).toBe(true);
    const boxes: Record<string, Awaited<ReturnType<typeof boxOf>>> = {};
    for (const [name, locator] of Object.entries(c)) boxes[name] = await boxOf(locator);
    expect(overlaps(boxes)).toEqual([]);

    await proctor.getByLabel('Message').fill('Thank you, carry on');
    await proctor.getByRole('button', { name: 'Send' }).click();
    await student.getByRole('alertdialog').waitFor({ state: 'detached' });
    expect(await reachable(c.test)).toBe(true);
    await student.evaluate(() => window.scrollTo(0, 0));
    await student.screenshot({ path: `${SHOTS}/exam-390.png`, fullPage: true });
  });
});
