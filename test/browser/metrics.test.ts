import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, intoRunningExam } from '../support/browser.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const BROWSER_METRICS = ['b1', 'b2', 'b3', 'c1', 'm1', 'm2', 'n1', 's1', 's2'];

/**
 * Test-side hooks, installed before the page's own scripts: keep a handle on the media tracks the page gets (to end
 * them as a camera unplugged or a stopped screen share would), and mix a tone of adjustable loudness into the
 * microphone (a noisy room). Everything else is the real page in the real browser.
 */
const HOOKS = () => {
  const w = window as unknown as Record<string, unknown>;
  const media = navigator.mediaDevices;
  const getUserMedia = media.getUserMedia.bind(media);
  const getDisplayMedia = media.getDisplayMedia.bind(media);
  media.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    if (!constraints?.audio || !constraints?.video) return stream;
    const ctx = new AudioContext();
    const dest = ctx.createMediaStreamDestination();
    ctx.createMediaStreamSource(stream).connect(dest);
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    gain.gain.value = 0;
    osc.connect(gain).connect(dest);
    osc.start();
    w.__noise = gain;
    const mixed = new MediaStream([...stream.getVideoTracks(), ...dest.stream.getAudioTracks()]);
    w.__camera = mixed;
    return mixed;
  };
  media.getDisplayMedia = async (constraints) => {
    const stream = await getDisplayMedia(constraints);
    w.__screen = stream;
    return stream;
  };
};

async function openExam(context: BrowserContext, api: TestApi, student: string, sessionId: string): Promise<Page> {
  const page = await context.newPage();
  await page.addInitScript(HOOKS);
  await intoRunningExam(api, page, student, sessionId);
  return page;
}

describeWithServer('violation detection in the participant\'s browser', HAS_CHROMIUM, NO_CHROMIUM_REASON, () => {
  let api: TestApi;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const violations = async (id: string) => {
    const data = await api.as('auditor1', `{ sessionEvents(id: "${id}") { type data } }`);
    return data.sessionEvents.filter((e: { type: string }) => e.type === 'ViolationDetected').map((e: { data: { code: string } }) => e.data.code) as string[];
  };
  const reported = (id: string, code: string) => eventually(async () => (await violations(id)).includes(code), 10_000);
  const warning = (code: string) => page.locator(`.warnings li[data-code="${code}"]`);

  let releaseChromium: (() => void) | undefined;
  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    releaseChromium = await holdChromium();
    const url = `${api.server.url}/demo-test.html`;
    await api.createSession('det-1', { name: 'Detection exam', url, student: 'student1', metrics: BROWSER_METRICS });
    await api.createSession('det-2', { name: 'Old browser', url, student: 'student2', metrics: BROWSER_METRICS });
    browser = await launchChromium({ args: ['--autoplay-policy=no-user-gesture-required'] });
    context = await newContext(browser, api.server.url);
    page = await openExam(context, api, 'student1', 'det-1');
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  it('b3: reports that full screen is off at once, and clears it in full screen', async () => {
    await warning('b3').waitFor();
    await reported('det-1', 'b3');
    await page.getByRole('button', { name: 'Full screen' }).click();
    await warning('b3').waitFor({ state: 'detached' });
  });

  it('b2: reports focus moving to another window', async () => {
    // Playwright makes every headless page believe it has focus; turn that off so focus really moves.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
    const other = await context.newPage();
    await other.goto('/demo-test.html');
    await other.bringToFront();
    await reported('det-1', 'b2');
    await other.close();
    await page.bringToFront();
    await page.locator('body').click({ position: { x: 5, y: 60 } });
    await warning('b2').waitFor({ state: 'detached' });
    await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
  });

  it('m2: reports loud sound in the room, m1 a silent microphone', async () => {
    expect(await warning('m1').count()).toBe(0); // Chromium's fake microphone beeps softly: neither silent nor loud
    expect(await warning('m2').count()).toBe(0);
    await page.evaluate(() => ((window as unknown as { __noise: GainNode }).__noise.gain.value = 1));
    await reported('det-1', 'm2');
    await page.evaluate(() => ((window as unknown as { __noise: GainNode }).__noise.gain.value = 0));
    await page.evaluate(() => (window as unknown as { __camera: MediaStream }).__camera.getAudioTracks().forEach((t) => (t.enabled = false)));
    await reported('det-1', 'm1');
  });

  it('s2: reports a second display (screen.isExtended, the Window Management API)', async () => {
    await page.evaluate(() => Object.defineProperty(window.screen, 'isExtended', { configurable: true, get: () => true }));
    await reported('det-1', 's2');
  });

  it('c1 and s1: report the camera and the screen share ending', async () => {
    await page.evaluate(() => (window as unknown as { __camera: MediaStream }).__camera.getVideoTracks().forEach((t) => t.stop()));
    await reported('det-1', 'c1');
    await page.evaluate(() => (window as unknown as { __screen: MediaStream }).__screen.getTracks().forEach((t) => t.stop()));
    await reported('det-1', 's1');
  });

  it('n1: counts time offline in the minute sent after reconnect', async () => {
    await context.setOffline(true);
    await warning('n1').waitFor();
    await new Promise((r) => setTimeout(r, 3000));
    await context.setOffline(false);
    await warning('n1').waitFor({ state: 'detached' });
  });

  it('sends the minute in progress when the test-taker finishes, with every metric provoked', async () => {
    await page.getByRole('button', { name: 'Finish' }).click();
    await page.getByRole('button', { name: 'Yes, finish' }).click();
    await page.getByRole('heading', { name: 'The session has ended' }).waitFor();
    const minutes = await eventually(async () => {
      const data = await api.as('proctor1', `{ session(id: "det-1") { minutes { minute values { code value } } } }`);
      return data.session.minutes.length ? data.session.minutes : null;
    }, 15_000);
    const inViolation = new Set(minutes.flatMap((m: { values: { code: string; value: number }[] }) => m.values.filter((v) => v.value > 0).map((v) => v.code)));
    expect([...inViolation].sort()).toEqual(['b2', 'b3', 'c1', 'm1', 'm2', 'n1', 's1', 's2']);
  });

  it('b1: reports a browser that is not supported', async () => {
    const old = await browser.newContext({
      baseURL: api.server.url,
      userAgent: 'Mozilla/5.0 (Windows NT 6.1; rv:60.0) Gecko/20100101 Firefox/60.0',
      viewport: { width: 1280, height: 800 },
    });
    await old.grantPermissions(['camera', 'microphone'], { origin: api.server.url });
    await openExam(old, api, 'student2', 'det-2');
    await reported('det-2', 'b1');
    await old.close();
  });
});
