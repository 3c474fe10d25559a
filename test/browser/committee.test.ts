import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../src/app/accounts/passwords.js';
import { SYSTEM_ACTOR } from '../../src/domain/core/decider.js';
import { PASSWORD, startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));
const MEMBERS = ['alice', 'bob', 'carol'] as const;

/** The position a page's committee room is at, in seconds from the session's start. */
const seconds = async (page: Page) => Number(await page.getByTestId('committee-position').getAttribute('data-seconds'));

/** Resolves once every follower is within 0.5 s of the presenter's position; answers how long that took (ms). */
async function followed(presenter: Page, followers: readonly Page[]): Promise<number> {
  const started = performance.now();
  const target = await seconds(presenter);
  await Promise.all(followers.map((f) => f.waitForFunction(
    (t) => Math.abs(Number(document.querySelector('[data-testid="committee-position"]')?.getAttribute('data-seconds')) - t) <= 0.5, target, { timeout: 15_000 },
  )));
  return performance.now() - started;
}

describeWithServer('the examination committee\'s room in Chromium', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  const pages: Record<string, Page> = {};
  let releaseChromium: (() => void) | undefined;

  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    const passwordHash = await hashPassword(PASSWORD);
    for (const username of MEMBERS) await api.core.account(username, 'RegisterAccount', { username, role: 'committee', passwordHash }, SYSTEM_ACTOR);
    await api.createSession('cmt-b', { name: 'Disputed exam', metrics: ['b2', 'c2', 'm2'] });
    await api.as('student1', `mutation { checkIn(id: "cmt-b", userAgent: "ua") { id } }`);
    await api.as('student1', `mutation { startSession(id: "cmt-b") { id } }`);
    for (let minute = 0; minute < 10; minute++) await api.as('student1', `mutation { recordMetrics(sessionId: "cmt-b", minute: ${minute}, values: [{ code: "c2", value: ${minute === 4 ? 90 : 5} }]) { id } }`);
    await api.as('proctor1', `mutation { finishSession(id: "cmt-b", conclusion: negative, comment: "Phone at minute 4") { id } }`);
    releaseChromium = await holdChromium();
    browser = await launchChromium();
    for (const who of ['admin', ...MEMBERS]) {
      pages[who] = await (await newContext(browser, api.server.url)).newPage();
      await signIn(pages[who], who);
    }
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  it('lets an administrator send a concluded session to a committee from its protocol', async () => {
    const admin = pages.admin;
    await admin.getByRole('navigation', { name: 'Sessions' }).waitFor();
    await admin.goto('/#/protocol/cmt-b');
    await admin.getByRole('button', { name: 'Send to committee' }).click();
    for (const m of MEMBERS) await admin.getByRole('checkbox', { name: m, exact: true }).check();
    await admin.getByLabel('Chair').selectOption('alice');
    await admin.getByRole('button', { name: 'Appoint the committee' }).click();
    await admin.getByText('Sent to the committee.').waitFor();
    expect((await api.as('admin', `{ committeeReview(sessionId: "cmt-b") { members chair witness } }`)).committeeReview).toEqual({ members: [...MEMBERS], chair: 'alice', witness: 'proctor1' });
  }, 120_000);

  it('shows each member their reviews at home, and the room with who is in it', async () => {
    for (const m of MEMBERS) {
      await pages[m].getByRole('heading', { name: 'Your reviews' }).waitFor();
      await pages[m].reload(); // signed in before the appointment: the list is read as the page opens
      await pages[m].getByRole('link', { name: 'Disputed exam' }).click();
      await pages[m].getByRole('slider', { name: 'Playback position (minutes)' }).waitFor();
    }
    for (const m of MEMBERS) await pages.alice.locator(`li.present[data-member="${m}"]`).waitFor();
    expect(await pages.alice.locator('.conference').count()).toBe(1);
  }, 120_000);

  it('brings members into one call with camera and microphone from the room, and out of it', async () => {
    const { alice, bob } = pages;
    // What the two pages said of the call, for the message of a call that never carried a picture.
    const said: string[] = [];
    for (const [who, page] of Object.entries({ alice, bob })) page.on('console', (m) => /conference/i.test(m.text()) && said.push(`${who}: ${m.text().slice(0, 200)}`));
    for (const page of [alice, bob]) await page.getByRole('button', { name: 'Join with camera and microphone' }).click();
    const frames = (page: Page, from: string) => page.locator(`.conference-tile[data-member="${from}"]`).getAttribute('data-frames', { timeout: 2000 }).then(Number).catch(() => 0);
    const connection = (page: Page, from: string) => page.locator(`.conference-tile[data-member="${from}"]`).getAttribute('data-connection', { timeout: 2000 }).catch(() => 'no tile');
    const explain = async (e: Error) => {
      throw new Error(`${e.message}\nalice ← bob: ${await connection(alice, 'bob')}; bob ← alice: ${await connection(bob, 'alice')}\n${said.join('\n')}`);
    };
    await expect.poll(() => frames(alice, 'bob'), { timeout: 60_000 }).toBeGreaterThan(0).catch(explain);
    await expect.poll(() => frames(bob, 'alice'), { timeout: 60_000 }).toBeGreaterThan(0).catch(explain);
    await alice.screenshot({ path: `${SHOTS}/committee-call.png` });
    for (const page of [alice, bob]) await page.getByRole('button', { name: 'Leave' }).click();
    await alice.locator('.conference-tile[data-member="bob"]').waitFor({ state: 'detached' });
    await alice.getByText('You left the call.').waitFor();
    expect(await alice.locator('.conference-tile').count()).toBe(0);
  }, 120_000);

  it('shows the member their own picture again when they rejoin', async () => {
    const { alice } = pages;
    await alice.getByRole('button', { name: 'Rejoin' }).click();
    await alice.waitForFunction(() => (document.querySelector<HTMLVideoElement>('.conference-tile.self video')?.videoWidth ?? 0) > 0, null, { timeout: 30_000 });
    await alice.getByText('Nobody else is in the room yet.').waitFor();
    await alice.setViewportSize({ width: 390, height: 844 });
    await alice.screenshot({ path: `${SHOTS}/committee-call-390.png` });
    await alice.setViewportSize({ width: 1440, height: 900 });
    await alice.getByRole('button', { name: 'Leave' }).click();
    await alice.getByRole('button', { name: 'Rejoin' }).waitFor();
  }, 120_000);

  it('shows the test-taker invited to a hearing the way in from their sessions, and no protocol there', async () => {
    await api.as('admin', `mutation { inviteToHearing(sessionId: "cmt-b") { hearing } }`);
    const student = await (await newContext(browser, api.server.url)).newPage();
    await signIn(student, 'student1');
    await student.getByRole('link', { name: 'Join the hearing' }).click();
    await student.getByText('You are invited to a hearing of the examination committee.').waitFor();
    await student.getByRole('button', { name: 'Join with camera and microphone' }).waitFor();
    expect(await student.getByRole('slider', { name: 'Playback position (minutes)' }).count()).toBe(0);
    await student.close();
  }, 120_000);

  it('moves the others with the presenter, and with whoever takes over', async () => {
    const { alice, bob, carol } = pages;
    await alice.getByRole('button', { name: 'Take over presenting' }).click();
    await bob.getByText('Following alice.').waitFor();
    await carol.getByText('Following alice.').waitFor();
    const slider = alice.getByRole('slider', { name: 'Playback position (minutes)' });
    const box = (await slider.boundingBox())!;
    await slider.click({ position: { x: box.width * 0.45, y: box.height / 2 } });
    const first = await followed(alice, [bob, carol]);
    expect(await seconds(alice)).toBeGreaterThan(200);
    await slider.press('ArrowRight');
    const second = await followed(alice, [bob, carol]);
    expect(Math.abs((await seconds(bob)) - (await seconds(alice)))).toBeLessThanOrEqual(0.5);
    await bob.getByRole('button', { name: 'Take over presenting' }).click();
    await alice.getByText('Following bob.').waitFor();
    const bobSlider = bob.getByRole('slider', { name: 'Playback position (minutes)' });
    await bobSlider.press('ArrowLeft');
    await bobSlider.press('ArrowLeft');
    const third = await followed(bob, [alice, carol]);
    console.log(`committee: followers within 0.5 s after ${Math.round(first)}, ${Math.round(second)}, ${Math.round(third)} ms`);
  }, 120_000);

  it('takes votes with comments, hides them until the chair closes, then shows the decision everywhere', async () => {
    const vote = async (page: Page, choice: 'Uphold' | 'Overturn', comment: string) => {
      await page.getByRole('radio', { name: new RegExp(`^${choice}`) }).check();
      await page.getByLabel('Comment on your vote').fill(comment);
      await page.getByRole('button', { name: 'Vote' }).click();
      await page.getByText(/Your vote \(now:/).waitFor();
    };
    await vote(pages.alice, 'Overturn', 'The object is a calculator.');
    await vote(pages.bob, 'Overturn', 'Agreed: allowed aid.');
    await vote(pages.carol, 'Uphold', 'It looks like a phone.');
    await pages.carol.getByLabel('Message to the room').fill('Look at minute 4 again, please');
    await pages.carol.getByRole('button', { name: 'Send' }).click();
    await pages.alice.getByText('Look at minute 4 again, please').waitFor();
    await pages.alice.locator('li[data-vote="carol"]', { hasText: 'has voted' }).waitFor();
    expect(await pages.bob.getByRole('button', { name: 'Close review' }).count()).toBe(0);

    await pages.alice.screenshot({ path: `${SHOTS}/committee.png` });
    await pages.alice.setViewportSize({ width: 390, height: 844 });
    await pages.alice.screenshot({ path: `${SHOTS}/committee-390.png`, fullPage: true });
    await pages.alice.setViewportSize({ width: 1440, height: 900 });

    await pages.alice.getByRole('button', { name: 'Close review' }).click();
    await pages.alice.getByRole('button', { name: 'Close for good' }).click();
    for (const m of MEMBERS) await pages[m].getByText(/The committee overturned the conclusion: the session's final conclusion is positive/).waitFor();
    await pages.carol.locator('li[data-vote="alice"]', { hasText: 'overturn — “The object is a calculator.”' }).waitFor();

    await pages.admin.goto('/#/protocol/cmt-b');
    await pages.admin.reload();
    await pages.admin.locator('.summary .conclusion', { hasText: 'positive' }).waitFor();
    const decided = pages.admin.locator('.event-list li', { hasText: 'examination committee overturned the conclusion: final conclusion positive' });
    await decided.waitFor();
    expect(await decided.textContent()).toContain('carol: uphold “It looks like a phone.”');
    await pages.admin.getByRole('region', { name: 'Events' }).scrollIntoViewIfNeeded();
    await pages.admin.screenshot({ path: `${SHOTS}/committee-protocol.png` });
  }, 120_000);
});
