import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { probeStreams } from '../support/ffprobe.js';
import { HAS_CHROMIUM, holdChromium, intoRunningExam, launchChromium, liveVideoState, newContext, NO_CHROMIUM_REASON, signIn, watchCapture } from '../support/browser.js';
import { quietly } from '../support/quiet.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));
const HAS_FFPROBE = existsSync('/usr/bin/ffprobe');
// jsqr is CommonJS whose module.exports is the function itself; a default import types it as the namespace.
const jsQR = createRequire(import.meta.url)('jsqr') as typeof import('jsqr').default;
type Event = { type: string; data: Record<string, unknown> };

/** Reads the QR code on the page the way a phone would: from its pixels. */
async function scanQr(page: Page): Promise<string | null> {
  const image = await page.getByRole('img', { name: 'QR code of the phone link' }).evaluate(async (box) => {
    const svg = box.querySelector('svg')!;
    const img = new Image();
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(svg))}`;
    await img.decode();
    // A phone's camera sees the code at a few pixels per module: draw it at four times its size, as sharp.
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth * 4;
    canvas.height = img.naturalHeight * 4;
    const g = canvas.getContext('2d')!;
    g.imageSmoothingEnabled = false;
    g.fillStyle = 'white';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.drawImage(img, 0, 0, canvas.width, canvas.height);
    const data = g.getImageData(0, 0, canvas.width, canvas.height);
    // The pixels cross to the test as base64: as an array of numbers they took seconds to serialise.
    let binary = '';
    for (let i = 0; i < data.data.length; i += 0x8000) binary += String.fromCharCode(...data.data.subarray(i, i + 0x8000));
    return { width: data.width, height: data.height, pixels: btoa(binary) };
  });
  return jsQR(new Uint8ClampedArray(Buffer.from(image.pixels, 'base64')), image.width, image.height)?.data ?? null;
}

describeWithServer('the second (mobile) camera: QR code, phone publishing, proctor switching, recording, n2', HAS_CHROMIUM && HAS_FFPROBE, `${NO_CHROMIUM_REASON}; and ffprobe (apt-get install ffmpeg)`, () => {
  let api: TestApi;
  let browser: Browser;
  let student: Page;
  let proctor: Page;
  let phone: Page;
  let releaseChromium: (() => void) | undefined;
  let firstLink: string | null = null;

  const events = async (): Promise<Event[]> => (await api.as('admin', `{ sessionEvents(id: "mobile-1") { type data } }`)).sessionEvents;

  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    releaseChromium = await holdChromium();
    await api.createSession('mobile-1', { name: 'Exam with a phone', url: `${api.server.url}/demo-test.html`, student: 'student1', secondCamera: true, metrics: ['b2', 'n2'] });
    browser = await launchChromium();
    // Watched (their peer connections listed), so that a stalled picture says where it stalled.
    student = await (await newContext(browser, api.server.url, { watched: true })).newPage();
    proctor = await (await newContext(browser, api.server.url, { watched: true })).newPage();
    await intoRunningExam(api, student, 'student1', 'mobile-1');
  }, 300_000);

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  }, 120_000);

  it('shows the test-taker a QR code whose link opens the phone page, and the phone becomes the second camera', async () => {
    const panel = student.getByRole('region', { name: 'Mobile camera' });
    await panel.getByRole('img', { name: 'QR code of the phone link' }).waitFor();
    const scanned = await scanQr(student);
    firstLink = scanned;
    expect(scanned).toBe(await panel.getByRole('link', { name: /open the link on the phone/ }).getAttribute('href'));
    expect(scanned).toMatch(/^http:\/\/proctor\.test\/#\/mobile\/mobile-1\?token=/); // the deployment's PUBLIC_URL
    await student.screenshot({ path: join(SHOTS, 'exam-mobile-qr.png') });

    // The phone reaches the same server under its test address.
    const context = await browser.newContext({ baseURL: api.server.url, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
      userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36' });
    await context.grantPermissions(['camera'], { origin: api.server.url });
    await context.addInitScript(watchCapture);
    phone = await context.newPage();
    await phone.goto(`/${new URL(scanned!).hash}`);
    await phone.locator('main.mobile[data-state="live"]').waitFor({ timeout: 30_000 });
    expect(phone.url()).not.toContain('token='); // the spent link leaves the address bar
    await panel.getByText('Mobile camera connected').waitFor({ timeout: 15_000 });

    const connected = (await events()).filter((e) => e.type === 'MobileCameraConnected');
    expect(connected).toHaveLength(1);
    expect(String(connected[0].data.userAgent)).toContain('Android');
  }, 120_000);

  it('lets the proctor switch the active tile to the phone\'s camera (frames decoded)', async () => {
    await signIn(proctor, 'proctor1');
    const tile = proctor.locator('.tile[data-session="mobile-1"]');
    await tile.click();
    // Three pages (test-taker, phone, proctor) on two cores: beside another test file the tile decoded no frame in
    // 30 s in CI, so the other files wait for this check (test/support/quiet.ts).
    await quietly(async () => {
      await proctor.getByRole('button', { name: 'Show mobile camera' }).click();
      await expect.poll(() => tile.getAttribute('data-frames').then(Number), { timeout: 30_000 }).toBeGreaterThan(10).catch(async (e: Error) => {
        throw new Error(`${e.message}\n${await liveVideoState(proctor, { proctor, student, phone })}`);
      });
      await expect.poll(() => phone.getByText('The proctor is watching.').count(), { timeout: 10_000 }).toBe(1);
    });
    await proctor.getByRole('button', { name: 'Show computer' }).click();
    await proctor.getByRole('button', { name: 'Show mobile camera' }).waitFor();
  }, 300_000); // of which up to 180 s waiting for the quiet

  it('records the phone\'s camera as its own track, playable, with the right hash', async () => {
    await proctor.goto('about:blank'); // two cores: leave the CPU to the encoders
    const segment = await eventually(async () => {
      const data = await api.as('proctor1', `{ session(id: "mobile-1") { recordings { track seq sha256 size durationMs } } }`);
      return (data.session.recordings as Array<{ track: string; seq: number; sha256: string; size: number; durationMs: number }>).find((r) => r.track === 'mobile');
    }, 40_000);
    const res = await fetch(`${api.server.url}/recordings/mobile-1/mobile/${segment.seq}`, { headers: { authorization: `Bearer ${await api.login('proctor1')}` } });
    const body = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(segment.sha256);
    const file = join(mkdtempSync(join(tmpdir(), 'mobile-')), 'mobile.webm');
    writeFileSync(file, body);
    const video = (await probeStreams(file, ['-count_frames'])).find((s) => s.codec_type === 'video');
    expect(video?.codec_name).toBe('vp8');
    expect(Number(video?.nb_read_frames)).toBeGreaterThan(20);
  }, 120_000);

  it('reports n2 when the phone goes away, and shows a new QR code (the link it used is spent)', async () => {
    const before = (await events()).filter((e) => e.type === 'ViolationDetected' && e.data.code === 'n2').length;
    const closedAt = Date.now();
    await phone.close();
    const n2 = await eventually(async () => {
      const found = (await events()).filter((e) => e.type === 'ViolationDetected' && e.data.code === 'n2');
      return found.length > before ? found.at(-1)! : null;
    }, 20_000);
    expect(Date.parse(String(n2.data.at))).toBeGreaterThanOrEqual(closedAt);
    expect(Date.parse(String(n2.data.at)) - closedAt).toBeLessThan(12_000); // 6 s of silence, then the next one-second reading
    await student.getByRole('img', { name: 'QR code of the phone link' }).waitFor();
    await student.locator('.warnings li[data-code="n2"]').waitFor();
    await eventually(async () => (await scanQr(student)) !== firstLink, 15_000);
  });

  it('ends the phone\'s page when the proctor ends the exam, and a phone page opened again after it says so and does not start', async () => {
    const context = await browser.newContext({ baseURL: api.server.url, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await context.grantPermissions(['camera'], { origin: api.server.url });
    const again = await context.newPage();
    await again.goto(`/${new URL((await scanQr(student))!).hash}`);
    await again.locator('main.mobile[data-state="live"]').waitFor({ timeout: 30_000 });
    await api.as('proctor1', `mutation { finishSession(id: "mobile-1") { id } }`);
    await again.locator('main.mobile[data-state="ended"]').waitFor({ timeout: 15_000 });
    const connected = (await events()).filter((e) => e.type === 'MobileCameraConnected').length;
    // Reloaded (its token is kept in the tab): the exam is over before the page could hear it end.
    await again.reload();
    await again.locator('main.mobile[data-state="ended"]').waitFor({ timeout: 15_000 });
    await again.getByText('The exam has ended. You can close this page.').waitFor();
    await again.screenshot({ path: join(SHOTS, 'mobile-ended.png') });
    expect((await events()).filter((e) => e.type === 'MobileCameraConnected').length).toBe(connected);
    await context.close();
  }, 120_000);
});
