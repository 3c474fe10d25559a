import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingAnalyser, type RecordingAnalyser } from '../../src/app/analysis/recording-analyser.js';
import { FaceAnalysisPool } from '../../src/media/faces/pool.js';
import { serverBlobs, timelineOf } from '../analysis/session.js';
import { photo, stillVideo } from '../faces/photos.js';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, intoRunningExam, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));
const T1_LINE = 't1: the browser’s report does not match the recording';

/**
 * What a test-taker who edits the page would add before the app loads (a userscript): every minute the Supervisor
 * sends goes out with all its values at 0, and every violation it reports is swallowed with a made-up success.
 */
function reportNothing(): void {
  const send = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const body = typeof init?.body === 'string' ? init.body : null;
    if (body?.includes('recordViolation')) return new Response(JSON.stringify({ data: { recordViolation: { id: 'ok' } } }), { headers: { 'content-type': 'application/json' } });
    if (body?.includes('recordMetrics')) {
      const operation = JSON.parse(body) as { variables: { v: Array<{ code: string; value: number }> } };
      operation.variables.v = operation.variables.v.map(({ code }) => ({ code, value: 0 }));
      return send(input, { ...init, body: JSON.stringify(operation) });
    }
    return send(input, init);
  };
}

/** Asks `list` every half second (the server is busy analysing) until it answers something, and answers that. */
async function someOf<T>(list: () => Promise<T[]>, ms: number): Promise<T[]> {
  const until = Date.now() + ms;
  for (;;) {
    const found = await list();
    if (found.length) return found;
    if (Date.now() > until) throw new Error(`nothing after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

type Analysed = { track: string; seconds: Array<{ faces: number | null }> };

describeWithServer('a tampered exam page in Chromium is caught from its recording', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let analyser: RecordingAnalyser;
  let releaseChromium: (() => void) | undefined;
  const pool = new FaceAnalysisPool({ threads: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'analysis-browser-'));

  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    // As main.ts starts it with ANALYSIS_WORKERS=1: one segment at a time, on the face threads.
    analyser = startRecordingAnalyser(api.core, await serverBlobs(api), { workers: 1, analyzer: pool });
    releaseChromium = await holdChromium();
    mkdirSync(SHOTS, { recursive: true });
  }, 600_000); // the wait includes its turn for the one Chromium (other browser test files may hold it)

  afterAll(async () => {
    releaseChromium?.();
    await analyser?.stop();
    await pool.close();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs an exam counting c2, c3 and t1 in a Chromium whose camera shows `picture`, with the page told to report nothing,
   * until the server has analysed 15 s or more of its camera; the test-taker then finishes it (the page sends its
   * last minute). Answers the analysed camera segments.
   */
  async function tamperedExam(id: string, picture: Buffer): Promise<Analysed[]> {
    await api.createSession(id, { name: `Tampered ${id}`, url: `${api.server.url}/demo-test.html`, metrics: ['c2', 'c3', 't1'] });
    const browser: Browser = await launchChromium({ videoFile: await stillVideo(picture, join(dir, `${id}.y4m`)) });
    try {
      const context = await newContext(browser, api.server.url);
      await context.addInitScript(reportNothing);
      const page = await context.newPage();
      let uploading = 0;
      page.on('request', (r) => {
        if (r.method() !== 'POST' || !r.url().includes('/recordings?')) return;
        uploading += 1;
        void r.response().finally(() => (uploading -= 1)).catch(() => {});
      });
      await intoRunningExam(api, page, 'student1', id);
      const camera = async () => (await timelineOf(api, id, 'RecordingAnalysed') as unknown as Analysed[]).filter((s) => s.track === 'camera');
      await someOf(async () => ((await camera()).reduce((n, s) => n + s.seconds.length, 0) >= 15 ? [true] : []), 150_000);
      await page.getByRole('button', { name: 'Finish', exact: true }).click();
      await page.getByRole('button', { name: 'Yes, finish' }).click();
      await page.getByRole('heading', { name: 'The session has ended' }).waitFor();
      // The page's last minute, as it was sent: the tampering worked, the browser claims a clean minute 0.
      const minutes = async () => (await api.as('proctor1', `query($id: ID!) { session(id: $id) { minutes { minute values { code value } } } }`, { id })).session.minutes as Array<{ minute: number; values: Array<{ code: string; value: number }> }>;
      const [minute] = await someOf(async () => (await minutes()).filter((m) => m.minute === 0), 30_000);
      expect(minute.values.filter((v) => v.code !== 't1')).toEqual([{ code: 'c2', value: 0 }, { code: 'c3', value: 0 }]);
      expect(await timelineOf(api, id, 'ViolationDetected')).toEqual([]); // and not one violation got through
      // The segments cut at the end are uploaded and analysed too: every finding is in before the test looks.
      await eventually(() => uploading === 0, 30_000);
      await analyser.idle();
      return camera();
    } finally {
      await browser.close();
    }
  }

  describe('when the camera shows an empty room and the page reports no violation', () => {
    let proctor: Page;
    let browser: Browser;
    afterAll(async () => browser?.close());

    it('raises t1 on c2 from the recording alone, with both values', async () => {
      const analysed = await tamperedExam('empty-room', photo.noFace);
      // A second without a picture (the sound ran a moment longer than the video) has no face count: null.
      const seen = analysed.flatMap((s) => s.seconds).filter((s) => s.faces !== null);
      expect(seen.length).toBeGreaterThanOrEqual(15);
      expect(seen.filter((s) => s.faces !== 0)).toEqual([]);
      const [t1] = await someOf(() => timelineOf(api, 'empty-room', 'ClientReportContradicted'), 30_000);
      expect(t1).toMatchObject({ kind: 'violation', minute: 0, code: 'c2', client: 0 });
      expect(t1.server).toBeGreaterThanOrEqual(50);
      expect(t1.seconds).toBeGreaterThanOrEqual(10);
      const data = await api.as('proctor1', `query { session(id: "empty-room") { minutes { minute values { code value } } } }`);
      expect(data.session.minutes[0].values).toContainEqual({ code: 't1', value: 100 });
    }, 300_000);

    it('shows the proctor the t1 line on the protocol page', async () => {
      browser = await launchChromium();
      proctor = await (await newContext(browser, api.server.url)).newPage();
      await signIn(proctor, 'proctor1');
      await proctor.getByRole('navigation', { name: 'Sessions' }).waitFor();
      await proctor.goto('/#/protocol/empty-room');
      // The first minute's line: an exam slowed by a busy machine runs into a second minute, which the recording
      // contradicts too (its own t1 line).
      const line = proctor.getByRole('region', { name: 'Events' }).locator('li', { hasText: T1_LINE }).filter({ hasText: 'minute 1, c2' });
      await line.waitFor();
      expect((await line.innerText()).replace(/\s+/g, ' ')).toMatch(/minute 1, c2 \(.+\): the recording shows \d+ %, the browser reported 0 % \(\d+ s compared\)/);
      await line.scrollIntoViewIfNeeded();
      await proctor.screenshot({ path: `${SHOTS}/protocol-t1.png` });
    }, 120_000);
  });

  describe('when the camera shows the test-taker\'s face and the page reports no violation', () => {
    it('raises no t1: the recording agrees with the clean report', async () => {
      const analysed = await tamperedExam('face', photo.a);
      const seconds = analysed.flatMap((s) => s.seconds).filter((s) => s.faces !== null);
      expect(seconds.filter((s) => s.faces === 1).length).toBeGreaterThanOrEqual(10);
      expect(seconds.filter((s) => s.faces !== 1).length).toBeLessThan(seconds.length / 2);
      // t1 is decided with the later of the two reports, both now recorded: none was raised.
      expect(await timelineOf(api, 'face', 'ClientReportContradicted')).toEqual([]);
    }, 300_000);
  });
});
