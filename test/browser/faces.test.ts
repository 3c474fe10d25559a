import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, intoRunningExam } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { startFaceVerifier, type FaceVerifier } from '../../src/app/faces/verifier.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const FACES = fileURLToPath(new URL('../fixtures/faces/', import.meta.url));
const HAS_FFMPEG = existsSync('/usr/bin/ffmpeg');
const FIT = 'scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2';
const HALF = 'scale=320:480:force_original_aspect_ratio=decrease,pad=320:480:(ow-iw)/2:(oh-ih)/2';

/** Still photos (from face-api's demo pictures) as .y4m videos for Chromium's fake camera. */
function videos(dir: string) {
  const ff = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
  const out = (name: string) => join(dir, `${name}.y4m`);
  ff('-loop', '1', '-i', `${FACES}person-a.jpg`, '-t', '2', '-r', '5', '-vf', `${FIT},format=yuv420p`, out('one'));
  ff('-loop', '1', '-i', `${FACES}no-face.jpg`, '-t', '2', '-r', '5', '-vf', `${FIT},format=yuv420p`, out('none'));
  ff('-loop', '1', '-i', `${FACES}person-a.jpg`, '-loop', '1', '-i', `${FACES}person-b.jpg`, '-t', '2', '-r', '5',
    '-filter_complex', `[0]${HALF}[a];[1]${HALF}[b];[a][b]hstack,format=yuv420p`, out('two'));
  // Person A for the first 8 s (the face the exam starts with), then person B.
  ff('-loop', '1', '-t', '8', '-i', `${FACES}person-a.jpg`, '-loop', '1', '-t', '30', '-i', `${FACES}person-b.jpg`, '-r', '2',
    '-filter_complex', `[0]${FIT},setsar=1[a];[1]${FIT},setsar=1[b];[a][b]concat=n=2:v=1,format=yuv420p`, out('switch'));
  return out;
}

describeWithServer('face metrics in the participant\'s browser (face-api on WebAssembly)', HAS_CHROMIUM && HAS_FFMPEG, `${NO_CHROMIUM_REASON}; and ffmpeg`, () => {
  let api: TestApi;
  let video: (name: string) => string;
  let verifier: FaceVerifier;
  let n = 0;

  let releaseChromium: (() => void) | undefined;
  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    releaseChromium = await holdChromium();
    verifier = startFaceVerifier(api.core, new LocalBlobStore(join(api.config.dataDir, 'blobs'))); // as main.ts does
    video = videos(mkdtempSync(join(tmpdir(), 'faces-')));
  }, 300_000);
  afterAll(async () => {
    releaseChromium?.();
    await verifier?.stop();
    await api?.close();
  });

  type Seen = { codes: string[]; faces: string[] };
  /**
   * Runs an exam with `file` as the camera and answers the violations the server recorded, and detection time: after
   * `seconds`, or, given `until`, as soon as what the server recorded satisfies it (at most `seconds`).
   */
  async function examWith(file: string, seconds: number, metrics = ['c2', 'c3', 'c4'], until?: (seen: Seen) => boolean) {
    n += 1;
    const id = `faces-${n}`;
    await api.createSession(id, { url: `${api.server.url}/demo-test.html`, student: 'student1', metrics });
    const browser = await launchChromium({ videoFile: video(file) });
    try {
      const page = await (await newContext(browser, api.server.url)).newPage();
      await intoRunningExam(api, page, 'student1', id);
      const detects = metrics.some((m) => ['c2', 'c3', 'c4'].includes(m));
      const self = page.locator('video.self');
      const ms = detects ? await eventually(async () => Number(await self.getAttribute('data-detection-ms')) || null, 30_000) : null;
      const seen = async (): Promise<Seen> => {
        const events = await api.as('auditor1', `{ sessionEvents(id: "${id}") { type data } }`);
        const codes = events.sessionEvents.filter((e: { type: string }) => e.type === 'ViolationDetected').map((e: { data: { code: string } }) => e.data.code);
        const faces = await api.as('proctor1', `{ session(id: "${id}") { faces { result } } }`);
        return { codes: [...new Set(codes)].sort() as string[], faces: faces.session.faces.map((f: { result: string }) => f.result) as string[] };
      };
      const deadline = Date.now() + seconds * 1000;
      let latest = await seen();
      while (Date.now() < deadline && !until?.(latest)) {
        await new Promise((r) => setTimeout(r, until ? 500 : deadline - Date.now()));
        latest = await seen();
      }
      // The latest reading, past the first one's warm-up.
      const where = detects ? await self.getAttribute('data-detection-where') : null;
      const pageMs = detects ? Number(await self.getAttribute('data-detection-page-ms')) : null;
      const steadyMs = detects ? Number(await self.getAttribute('data-detection-ms')) : null;
      return { ...latest, ms, steadyMs, where, pageMs };
    } finally {
      await browser.close();
    }
  }

  it('sees one face looking at the camera as no violation, detecting in a worker', async () => {
    const { codes, ms, steadyMs, where, pageMs } = await examWith('one', 6);
    expect(codes).toEqual([]);
    console.log(`face detection in the browser: first frame ${ms} ms, then ${steadyMs} ms per frame in the ${where} (tiny detector, 320 px, WASM), once every 1.5 s; the page's own thread busy ${pageMs} ms per frame`);
    expect(ms).toBeGreaterThan(0);
    expect(where).toBe('worker'); // Chromium runs it off the page's thread
  });

  it('c2: no face in front of the camera', async () => {
    expect((await examWith('none', 20, undefined, (s) => s.codes.length > 0)).codes).toEqual(['c2']);
  }, 60_000);

  it('c3: two faces in front of the camera', async () => {
    expect((await examWith('two', 20, undefined, (s) => s.codes.length > 0)).codes).toEqual(['c3']);
  }, 60_000);

  it('c4: another person takes the place of the one who started the exam', async () => {
    expect((await examWith('switch', 40, undefined, (s) => s.codes.includes('c4'))).codes).toContain('c4');
  }, 300_000);

  it('takes face photos during the exam that the server verifies against the profile (c6 for another person)', async () => {
    // The first exam's snapshot of person A becomes student1's reference; person B then does not match it.
    const first = await examWith('one', 40, ['c2', 'c5', 'c6'], (s) => s.faces.includes('green'));
    expect(first.faces).toContain('green');
    const second = await examWith('switch', 60, ['c5', 'c6'], (s) => s.faces.includes('red') && s.codes.includes('c6'));
    expect(second.faces).toContain('red');
    expect(second.codes).toContain('c6');
  }, 240_000);
});
