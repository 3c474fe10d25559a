import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/core/decider.js';
import { SessionTimer } from '../../src/app/sessions/session-timer.js';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { captureState, HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn, watchCapture } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

const student: Actor = { id: 'student1', role: 'student' };
const lms: Actor = { id: 'lms', role: 'integrator' };

/** Each way a session ends while the test-taker's page records it. */
const WAYS: Array<[string, string, (api: TestApi, id: string) => Promise<unknown>]> = [
  ['the test-taker', 'student', async () => {}], // by the page's own Finish button, below
  ['the proctor', 'proctor', (api, id) => api.as('proctor1', `mutation { finishSession(id: "${id}", conclusion: positive) { id } }`)],
  ['an administrator', 'admin', (api, id) => api.as('admin', `mutation { finishSession(id: "${id}") { id } }`)],
  ['the LMS that created it', 'integrator', (api, id) => api.as('lms', `mutation { finishSession(id: "${id}") { id } }`)],
  ['the time running out', 'timeout', async (api, id) => expect(await new SessionTimer(api.core).tick()).toContain(id)],
];

describeWithServer('capture stops the moment a session ends, however it ends (p2p: the browser records)', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let proctor: Page;
  let releaseChromium: (() => void) | undefined;

  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    releaseChromium = await holdChromium();
    browser = await launchChromium();
    // The proctor watches: each running exam also streams to the proctor's tile.
    proctor = await (await newContext(browser, api.server.url)).newPage();
    await signIn(proctor, 'proctor1');
    await proctor.getByRole('navigation', { name: 'Sessions' }).waitFor();
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  for (const [who, finishedBy, end] of WAYS) {
    describe(`when ${who} ends it`, () => {
      const id = `stop-${finishedBy}`;
      let context: BrowserContext;
      let page: Page;
      const uploads: Array<{ start: string; status: number | null }> = [];
      let open = 0;

      beforeAll(async () => {
        // Created by the LMS (so it may end it), started half a minute ago; the time-out case has one minute allowed
        // and started two minutes ago, so the time-out process finds it overdue.
        const minutes = finishedBy === 'timeout' ? 1 : 60;
        const ago = (m: number) => ({ now: new Date(Date.now() - m * 60_000) });
        await api.core.session(id, 'CreateSession', {
          sessionId: id, name: `Exam ended by ${who}`, student: 'student1', proctor: 'proctor1', durationMinutes: minutes, metrics: ['b2', 'm2'], url: `${api.server.url}/demo-test.html`,
        }, lms, ago(3));
        await api.core.session(id, 'CheckIn', { userAgent: 'Chromium', browserSupported: true }, student, ago(2.5));
        await api.core.session(id, 'StartSession', {}, student, ago(finishedBy === 'timeout' ? 2 : 0.5));
        context = await newContext(browser, api.server.url);
        await context.addInitScript(watchCapture);
        page = await context.newPage();
        page.on('request', (r) => {
          if (r.method() !== 'POST' || !r.url().includes('/recordings?')) return;
          const upload = { start: new URL(r.url()).searchParams.get('start')!, status: null as number | null };
          uploads.push(upload);
          open += 1;
          const settle = (status: number) => {
            upload.status = status;
            open -= 1;
          };
          void r.response().then((res) => settle(res?.status() ?? 0), () => settle(0));
        });
      });
      afterAll(async () => {
        await context?.close();
      });

      it('records camera and screen, and streams them to the proctor, while the exam runs', async () => {
        await signIn(page, 'student1');
        await page.getByText('My sessions').waitFor();
        await page.goto(`/#/exam/${id}`);
        await page.frameLocator('iframe[title="Test content"]').getByRole('heading', { name: 'Demo test' }).waitFor();
        await proctor.getByRole('checkbox', { name: `Watch Exam ended by ${who}` }).check();
        await expect.poll(() => captureState(page), { timeout: 20_000 }).toMatchObject({ recording: 2, waiting: 0, connected: 1 });
        expect((await captureState(page)).live).toBeGreaterThanOrEqual(3); // camera, microphone, screen
      });

      it('tells the test-taker the session has ended, and stops recording, streaming, camera, microphone and screen', async () => {
        const before = await captureState(page);
        if (finishedBy === 'student') {
          await page.getByRole('button', { name: 'Finish', exact: true }).click();
          await page.getByRole('button', { name: 'Yes, finish' }).click();
        } else {
          await end(api, id);
        }
        await page.getByRole('heading', { name: 'The session has ended' }).waitFor();
        // Nothing records, nothing is captured, nothing is being asked for: no segment can come after this.
        await expect.poll(() => captureState(page), { timeout: 10_000 }).toEqual({ recording: 0, live: 0, waiting: 0, asked: before.asked, connected: 0 });
      });

      it('stores no segment that starts after the end; the last one, begun before it, is kept', async () => {
        await eventually(() => open === 0, 20_000);
        const { session } = await api.as('admin', `{ session(id: "${id}") { finishedBy stoppedAt recordings { track start } } }`);
        expect(session.finishedBy).toBe(finishedBy);
        const end = Date.parse(session.stoppedAt);
        expect(uploads.length, 'the segments cut at the end were uploaded').toBeGreaterThanOrEqual(2);
        for (const u of uploads) expect(Date.parse(u.start), `upload of a segment begun at ${u.start}`).toBeLessThanOrEqual(end);
        for (const s of session.recordings) expect(Date.parse(s.start)).toBeLessThanOrEqual(end);
        expect(new Set(session.recordings.map((s: { track: string }) => s.track))).toEqual(new Set(['camera', 'screen']));
      });
    });
  }
});
