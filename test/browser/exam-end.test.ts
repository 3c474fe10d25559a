import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/core/decider.js';
import { SessionTimer } from '../../src/app/sessions/session-timer.js';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { captureState, HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
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
      const uploads: Array<{ track: string; start: string; status: number | null; said?: string }> = [];
      let open = 0;
      const notRecorded: string[] = [];

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
        context = await newContext(browser, api.server.url, { watched: true });
        page = await context.newPage();
        page.on('console', (m) => m.text().startsWith('nothing recorded') && notRecorded.push(m.text()));
        page.on('request', (r) => {
          if (r.method() !== 'POST' || !r.url().includes('/recordings?')) return;
          const q = new URL(r.url()).searchParams;
          const upload: (typeof uploads)[number] = { track: q.get('track')!, start: q.get('start')!, status: null };
          uploads.push(upload);
          open += 1;
          const settle = (status: number, said?: string) => {
            upload.status = status;
            if (said) upload.said = said;
            open -= 1;
          };
          void r.response().then(
            async (res) => settle(res?.status() ?? 0, res && !res.ok() ? await res.text().catch(() => '') : undefined),
            () => settle(0),
          );
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
        // Pictures reach the proctor, so both recorders have been given some to write before the session ends.
        const tile = proctor.locator(`.tile[data-session="${id}"]`);
        await expect.poll(() => tile.getAttribute('data-frames').then(Number), { timeout: 20_000 }).toBeGreaterThan(10);
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

      it('stores no segment that starts after the end; the last one of each track, begun before it, is kept', async () => {
        await eventually(() => open === 0, 20_000);
        const read = async () => (await api.as('admin', `{ session(id: "${id}") { finishedBy stoppedAt recordings { track start } } }`)).session;
        // The last segment of each track, as the page uploaded it, is among those stored. Polled: a segment refused
        // on the way is sent again after a pause in which no upload is open.
        const lastOnes = async () => {
          const stored = (await read()).recordings.map((s: { track: string; start: string }) => `${s.track} ${new Date(s.start).toISOString()}`);
          const last = (track: string) => `${track} ${uploads.filter((u) => u.track === track).map((u) => u.start).sort().at(-1) ?? '(none uploaded)'}`;
          const missing = ['camera', 'screen'].map(last).filter((s) => !stored.includes(s));
          return missing.length ? `missing ${JSON.stringify(missing)} of uploads ${JSON.stringify(uploads)}; stored ${JSON.stringify(stored)}; ${JSON.stringify(notRecorded)}` : 'all stored';
        };
        await expect.poll(lastOnes).toBe('all stored');
        const session = await read();
        expect(session.finishedBy).toBe(finishedBy);
        const end = Date.parse(session.stoppedAt);
        for (const u of uploads) expect(Date.parse(u.start), `upload of a segment begun at ${u.start}`).toBeLessThanOrEqual(end);
        for (const s of session.recordings) expect(Date.parse(s.start)).toBeLessThanOrEqual(end);
      });
    });
  }
});
