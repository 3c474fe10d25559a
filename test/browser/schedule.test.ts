import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
/** The grid's first row is 07:00. */
const FIRST_HOUR = 7;

describeWithServer('a proctor opens slots in the calendar and a test-taker books one', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let proctor: Page;
  let student: Page;
  let releaseChromium: (() => void) | undefined;
  /** The hour cell of next week's Monday at `hour` (the page shows next week: every cell is in the future). */
  const cell = (hour: number) => proctor.locator('table.week tbody tr').nth(hour - FIRST_HOUR).locator('td').nth(0);

  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    releaseChromium = await holdChromium();
    await api.createSession('book-1', { name: 'History finals', student: 'student1', proctor: null, duration: 90, selfScheduling: true });
    browser = await launchChromium();
    proctor = await (await newContext(browser, api.server.url)).newPage();
    student = await (await newContext(browser, api.server.url)).newPage();
  }, 120_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  it('opens two hours as one slot from the weekly calendar', async () => {
    await signIn(proctor, 'proctor1');
    await proctor.getByRole('link', { name: 'Calendar' }).click();
    await proctor.getByRole('button', { name: 'Next week' }).click();
    await cell(10).getByRole('button').click();
    await cell(11).getByRole('button').click();
    expect(await cell(10).getByRole('button').getAttribute('aria-pressed')).toBe('true');
    await proctor.getByLabel('Seats per slot').fill('2');
    await proctor.getByRole('button', { name: 'Open 2 hours as slots' }).click();
    await proctor.getByRole('status').filter({ hasText: '1 slot opened' }).waitFor();
    await expect.poll(() => cell(10).innerText()).toContain('10:00 AM–12:00 PM · open · 0/2 booked'); // Chromium's en-US times
    const slots = await api.as('proctor1', `query($f: DateTimeISO!, $t: DateTimeISO!) { slots(from: $f, to: $t) { start end seats } }`, {
      f: new Date().toISOString(), t: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    });
    expect(slots.slots).toHaveLength(1);
    expect(Date.parse(slots.slots[0].end) - Date.parse(slots.slots[0].start)).toBe(2 * 3_600_000);
  }, 60_000);

  it('lets the test-taker choose that time; the session is booked with the proctor, and the calendar counts it', async () => {
    await signIn(student, 'student1');
    const card = student.locator('li.card').filter({ hasText: 'History finals' });
    await card.getByRole('button', { name: 'Choose a time' }).click();
    const book = card.getByRole('button', { name: /^Book .* 10:00 AM with proctor1$/ });
    await book.waitFor();
    await student.screenshot({ path: `${SHOTS}sessions-booking.png` });
    await book.click();
    await card.getByText('booked with proctor1').waitFor();
    const session = await api.as('admin', `{ session(id: "book-1") { proctor booked scheduledAt status } }`);
    expect(session.session).toMatchObject({ proctor: 'proctor1', booked: true, status: 'scheduled' });
    expect(new Date(session.session.scheduledAt).getHours()).toBe(10);

    await proctor.reload();
    await proctor.getByRole('button', { name: 'Next week' }).click();
    await expect.poll(() => cell(10).innerText()).toContain('1/2 booked');
    await proctor.screenshot({ path: `${SHOTS}calendar.png` });
  }, 60_000);

  it('closes the slot: nobody else can book it, and the booking stays', async () => {
    await cell(10).getByRole('button').click();
    const dialog = proctor.getByRole('dialog', { name: 'Close the slot' });
    await dialog.getByRole('button', { name: 'Close slot' }).click();
    await proctor.getByRole('status').filter({ hasText: 'Slot closed; its 1 booking stay' }).waitFor();
    await expect.poll(() => cell(10).innerText()).toContain('closed');
    expect((await api.as('admin', `{ session(id: "book-1") { booked proctor } }`)).session).toEqual({ booked: true, proctor: 'proctor1' });
    await api.createSession('book-2', { name: 'Law finals', student: 'student1', proctor: null, duration: 60, selfScheduling: true });
    expect((await api.as('student1', `{ availableSlots(sessionId: "book-2") { start } }`)).availableSlots).toEqual([]);
  }, 60_000);

  it('asks for a time on the exam page of a self-scheduled session opened before it was booked', async () => {
    const start = new Date(Date.now() + 3 * 86_400_000);
    start.setUTCMinutes(0, 0, 0);
    await api.as('proctor2', `mutation($s: [SlotInput!]!) { openSlots(slots: $s) { start } }`, { s: [{ start: start.toISOString(), end: new Date(start.getTime() + 3_600_000).toISOString() }] });
    await student.goto('/#/exam/book-2');
    await student.getByRole('heading', { name: 'Choose when you take this exam' }).waitFor();
    await student.getByRole('button', { name: /^Book .* with proctor2$/ }).click();
    // Booked three days ahead: the page now says when check-in opens (15 minutes before the booked start).
    await student.getByRole('heading', { name: 'Check-in has not opened yet' }).waitFor();
    expect((await api.as('admin', `{ session(id: "book-2") { booked proctor scheduledAt } }`)).session).toEqual({ booked: true, proctor: 'proctor2', scheduledAt: start.toISOString() });
  }, 60_000);
});
