import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, intoRunningExam, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const url = testPostgresUrl();

const frames = (proctor: Page, sessionId: string) => proctor.locator(`.tile[data-session="${sessionId}"]`).getAttribute('data-frames').then(Number);

describeWithServer(
  'live video between a test-taker on one node and a proctor on another (signalling through PostgreSQL)',
  HAS_CHROMIUM && Boolean(url),
  HAS_CHROMIUM ? NO_POSTGRES_REASON : NO_CHROMIUM_REASON,
  () => {
    let a: TestApi;
    let b: TestApi;
    let browser: Browser;
    let student: Page;
    let proctor: Page;
    let releaseChromium: (() => void) | undefined;

    beforeAll(async () => {
      a = await startTestApi({}, { webDir: WEB_DIR, postgresUrl: url });
      const [{ schema }] = await a.core.db.query<{ schema: string }>(`SELECT current_schema() AS schema`);
      b = await startTestApi({}, { webDir: WEB_DIR, postgresUrl: url, joinSchema: schema });
      releaseChromium = await holdChromium();
      await a.createSession('cross-media', { name: 'Cross-node exam', url: `${a.server.url}/demo-test.html`, student: 'student1' });
      browser = await launchChromium();
      student = await (await newContext(browser, a.server.url)).newPage();
      proctor = await (await newContext(browser, b.server.url)).newPage();
      await intoRunningExam(a, student, 'student1', 'cross-media');
      await signIn(proctor, 'proctor1');
      await proctor.locator('.tile[data-session="cross-media"]').waitFor();
    }, 300_000);

    afterAll(async () => {
      releaseChromium?.();
      await browser?.close();
      await b?.close();
      await a?.close();
    });

    it('shows the proctor on node B the live camera of the test-taker on node A', async () => {
      await expect.poll(() => frames(proctor, 'cross-media'), { timeout: 30_000 }).toBeGreaterThan(10);
      const before = await frames(proctor, 'cross-media');
      await expect.poll(() => frames(proctor, 'cross-media'), { timeout: 10_000 }).toBeGreaterThan(before);
    });
  },
);
