import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/core/decider.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, signIn } from '../support/browser.js';
import { installProbe, measure, type Probe } from '../support/playback-probe.js';
import { CODE_BANDS, encodeStretch, FIXTURE_FPS, HAS_FFMPEG, type FixtureSegment } from '../support/recording-fixture.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));
/**
 * The recording's length. 3 minutes by default (45 s of watching at 4×, ≈330 segment boundaries: the suite's time is
 * short, and a stall at a boundary shows within a few); PLAYBACK_TEST_MINUTES=30 for the full measure.
 */
const MINUTES = Number(process.env.PLAYBACK_TEST_MINUTES ?? 3);
const L = MINUTES * 60;
const student: Actor = { id: 'student1', role: 'student' };

/** Where nothing is recorded on any track (skipped), where the camera has no sound, where the phone is missing. */
const GAP = { from: Math.round(L * 0.4), to: Math.round(L * 0.4) + 20 };
const MUTE = { from: Math.round(L * 0.55), to: Math.round(L * 0.55) + 4.5 };
const PHONE_GAP = { from: Math.round(L * 0.7), to: Math.round(L * 0.7) + 15 };
const RED_MINUTE = Math.floor(MINUTES * 0.6);

/** What the page's player was doing (for a failure's message): the last samples of the probe and what it says. */
async function playerState(page: Page): Promise<string> {
  return page.evaluate(() => {
    const probe = (window as unknown as { __probe?: Probe }).__probe;
    const text = document.querySelector('.player')?.textContent?.replace(/\s+/g, ' ') ?? '';
    const videos = [...document.querySelectorAll<HTMLVideoElement>('video[data-track]')].map((v) => {
      const ranges = [...Array(v.buffered.length).keys()].map((i) => `${v.buffered.start(i).toFixed(2)}-${v.buffered.end(i).toFixed(2)}`).join(' ');
      return `${v.dataset.track}: t=${v.currentTime.toFixed(2)} paused=${v.paused} seeking=${v.seeking} ready=${v.readyState} err=${v.error?.message ?? ''} buffered=${ranges}`;
    });
    return [text, ...videos, JSON.stringify(probe?.samples.slice(-3))].join('\n');
  });
}

describeWithServer('watching a whole recorded session in the protocol (Media Source Extensions)', HAS_CHROMIUM && HAS_FFMPEG, `${NO_CHROMIUM_REASON}; and ffmpeg (apt-get install ffmpeg)`, () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let releaseChromium: (() => void) | undefined;
  let dir: string;
  let segments: FixtureSegment[] = [];
  const sessionStart = new Date(Math.floor((Date.now() - (L + 300) * 1000) / 1000) * 1000);
  const at = (seconds: number) => new Date(sessionStart.getTime() + seconds * 1000);
  const events = async (id: string) => (await api.as('admin', `{ sessionEvents(id: "${id}") { type data } }`)).sessionEvents as Array<{ type: string; data: Record<string, unknown> }>;

  async function upload(sessionId: string, s: { track: string; seq: number; start: Date; durationMs: number }, body: Buffer) {
    const q = new URLSearchParams({ sessionId, track: s.track, seq: String(s.seq), start: s.start.toISOString(), durationMs: String(s.durationMs) });
    const res = await fetch(`${api.server.url}/recordings?${q}`, { method: 'POST', headers: { authorization: `Bearer ${await api.login('student1')}` }, body: new Uint8Array(body) });
    if (res.status !== 201) throw new Error(`upload ${s.track}/${s.seq}: ${res.status} ${await res.text()}`);
  }

  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    dir = mkdtempSync(join(tmpdir(), 'playback-'));
    await api.createSession('long-1', { name: 'Recorded exam', secondCamera: true, metrics: ['b2', 'c2', 'c3', 'm2'], duration: MINUTES + 10 });
    await api.core.session('long-1', 'CheckIn', { userAgent: 'Chromium', browserSupported: true }, student, { now: at(-60) });
    await api.core.session('long-1', 'StartSession', {}, student, { now: at(0) });
    for (let minute = 0; minute < MINUTES; minute++) {
      const values = minute === RED_MINUTE ? { c3: 80 } : { c2: 5 };
      await api.core.session('long-1', 'RecordMetrics', { minute, values }, student, { now: at(minute * 60 + 60) });
    }
    await api.core.session('long-1', 'FinishSession', {}, student, { now: at(L) });

    const stretch = (track: FixtureSegment['track'], from: number, to: number, firstSeq: number, o: { segmentS: number; audio: boolean; live: boolean; frozenTailEvery?: number }) =>
      encodeStretch({ dir, track, sessionStart, from, to, firstSeq, ...o });
    const camera = { segmentS: 1.5, audio: true, live: true };
    const screen = { segmentS: 2, audio: false, live: false, frozenTailEvery: 5 };
    const phone = { segmentS: 1, audio: false, live: true };
    const made = await Promise.all([
      stretch('camera', 2, GAP.from, 0, camera),
      stretch('camera', GAP.to, MUTE.from, 10_000, camera),
      // A few camera segments without sound (janus mode when the microphone's recording failed): one track fewer.
      stretch('camera', MUTE.from, MUTE.to, 20_000, { segmentS: 1.5, audio: false, live: false }),
      stretch('camera', MUTE.to, L - 1, 30_000, camera),
      stretch('screen', 2.3, GAP.from, 0, screen),
      stretch('screen', GAP.to + 0.3, L - 1, 10_000, screen),
      stretch('mobile', 30, GAP.from, 0, phone),
      stretch('mobile', GAP.to, PHONE_GAP.from, 10_000, phone),
      stretch('mobile', PHONE_GAP.to, L - 1, 20_000, phone),
    ]);
    segments = made.flat().sort((a, b) => a.start.getTime() - b.start.getTime());
    for (const s of segments) await upload('long-1', s, readFileSync(s.file));

    // The browser is taken only now: encoding the recording needs none, and other test files may be waiting for it.
    releaseChromium = await holdChromium();
    browser = await launchChromium({ args: ['--autoplay-policy=no-user-gesture-required'] });
    page = await (await newContext(browser, api.server.url)).newPage();
    await signIn(page, 'proctor1');
    await page.getByRole('navigation', { name: 'Sessions' }).waitFor();
    await page.goto('/#/protocol/long-1');
    await page.getByRole('heading', { name: 'Recorded exam' }).waitFor();
  }, 1_800_000); // encoding minutes of three tracks, then waiting for the one Chromium other files may hold

  afterAll(async () => {
    releaseChromium?.();
    await browser?.close();
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fetches nothing and logs no viewing while the protocol is only read', async () => {
    await expect.poll(() => page.locator('.player video').count()).toBe(3);
    expect(await page.locator('.player .overlay').allTextContents()).toEqual(['Press Play', 'Press Play', 'Press Play']);
    expect((await events('long-1')).filter((e) => e.type === 'RecordingViewed' || e.type === 'RecordingPlayed')).toEqual([]);
  });

  it(`plays the ${MINUTES}-minute recording at 4× from 0:00 to its end without stalling at any of its ${'segment'} boundaries, tracks in step, the gap skipped and marked`, async () => {
    await page.evaluate(installProbe, CODE_BANDS);
    await page.getByRole('group', { name: 'Speed' }).getByRole('button', { name: '4×' }).click();
    const play = page.locator('.player button.play');
    await play.click();
    await expect.poll(() => play.textContent()).toBe('Pause');
    await expect.poll(() => play.textContent(), { timeout: (L / 4 + 120) * 1000, interval: 1000 }).toBe('Play').catch(async (e: Error) => {
      throw new Error(`${e.message}\nthe player when it did not end:\n${await playerState(page)}`);
    });
    const probe = (await page.evaluate(() => (window as unknown as { __probe: Probe }).__probe)) as Probe;
    const m = measure(probe, segments, sessionStart, [{ from: 0, to: 2 }, GAP, MUTE, { from: L - 1, to: L }]);
    const said = JSON.stringify(m); // in every figure's failure too: a run's log may be cut to its end
    console.log(`playback of ${MINUTES} min at 4×:`, said);

    // From the start to the end.
    const positions = probe.samples.map((s) => s.pos);
    expect(Math.min(...positions.filter((p) => p > 0))).toBeLessThan(3);
    expect(Math.max(...positions)).toBeGreaterThan(L - 1.5);
    // Nothing recorded was jumped over: the camera showed pictures of every 5 s of its recording (how long that took
    // is printed above, not asserted).
    const shown = new Set(probe.frames.filter(([t]) => t === 'camera').map(([, , code]) => Math.floor(code / FIXTURE_FPS / 5)));
    const cameraStretches = [[2, GAP.from], [GAP.to, L - 1]];
    const unseen = cameraStretches.flatMap(([a, b]) => [...Array(Math.floor(b / 5) - Math.ceil(a / 5)).keys()].map((i) => Math.ceil(a / 5) + i)).filter((w) => !shown.has(w));
    expect(unseen.map((w) => `${w * 5}–${w * 5 + 5} s`)).toEqual([]);
    // No stall: the leading track's time never stood still at a segment boundary (a quarter of a second would be
    // seen), nor anywhere for half a second (brief `waiting` blips of a CPU-starved decoder are counted, not failed).
    expect(m.longestFreezeAtBoundaryMs, said).toBeLessThan(250);
    expect(m.longestFreezeMs, said).toBeLessThan(500);
    // In step: where tracks have pictures for the moment, they are at most 0.2 s apart nearly all the time, and a
    // lapse (one decoder falling behind on a busy machine) is caught up within half a second.
    expect(m.apartSamples, said).toBeGreaterThan(L * 2);
    expect(m.apartP99S, said).toBeLessThanOrEqual(0.2);
    expect(m.apartOver02Share, said).toBeLessThanOrEqual(0.02);
    expect(m.apartOver02LongestMs, said).toBeLessThan(500);
    // Each picture is of its own moment: the session time drawn in it is the time it was shown at (to a frame). Frames
    // the probe could only read once the next one was up are left out: a few in a hundred at most.
    expect(m.frames, said).toBeGreaterThan(L * 3);
    expect(m.framesDrawnLate + m.framesAheadAlone, said).toBeLessThan(m.frames / 5);
    expect(m.pictureOffP99S, said).toBeLessThanOrEqual(0.051);
    expect(m.picturesOffByMoreThanAFrame, said).toBeLessThanOrEqual(Math.ceil(m.frames / 1000));
    // Every track was seen playing, the camera's silent piece included.
    for (const track of ['camera', 'screen', 'mobile']) expect(probe.frames.some(([t]) => t === track), track).toBe(true);
    expect(probe.frames.some(([t, mediaTime]) => t === 'camera' && mediaTime > MUTE.from + 0.5 && mediaTime < MUTE.to - 0.5)).toBe(true);
    // The phone's own gap is not skipped: its picture says "not recorded" while camera and screen play on.
    const inPhoneGap = probe.samples.filter((s) => s.playing && s.pos > PHONE_GAP.from + 1 && s.pos < PHONE_GAP.to - 1);
    expect(inPhoneGap.length).toBeGreaterThan(30);
    for (const s of inPhoneGap) {
      expect(s.nr).toEqual(['mobile']);
      expect(s.v.find((v) => v.track === 'camera')!.paused).toBe(false);
    }
    // The gaps skipped, and said so.
    const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
    expect(probe.notices.map((n) => n.text)).toEqual([
      'Skipped 0:00–0:02: nothing was recorded',
      `Skipped ${clock(GAP.from)}–${clock(GAP.to)}: nothing was recorded`,
    ]);
  }, (L / 4 + 300) * 1000);

  it('logs the whole watch as one viewing, not one event per segment', async () => {
    const log = (await events('long-1')).filter((e) => e.type === 'RecordingViewed' || e.type === 'RecordingPlayed');
    expect(log).toEqual([{ type: 'RecordingViewed', data: expect.objectContaining({ by: 'proctor1' }) }]);
  });

  it('jumps to the next violation and shows the picture of that moment', async () => {
    const lanes = page.getByRole('slider', { name: /Playback position/ });
    await lanes.scrollIntoViewIfNeeded();
    const box = (await lanes.boundingBox())!;
    await page.mouse.click(box.x + 2, box.y + box.height - 5);
    await page.getByRole('button', { name: 'Next violation' }).click();
    expect(await page.getByTestId('player-time').textContent()).toBe(`${RED_MINUTE}:00`);
    await page.evaluate(() => {
      (window as unknown as { __probe: Probe }).__probe.frames.length = 0;
    });
    await page.locator('.player button.play').click();
    await expect
      .poll(async () => (await page.evaluate(() => (window as unknown as { __probe: Probe }).__probe.frames.filter(([t]) => t === 'camera').length)) > 3)
      .toBe(true);
    await page.locator('.player button.play').click();
    const first = (await page.evaluate(() => (window as unknown as { __probe: Probe }).__probe.frames.find(([t]) => t === 'camera')))!;
    expect(Math.abs(first[2] / FIXTURE_FPS - RED_MINUTE * 60)).toBeLessThan(1);
  });

  it('fits the player, its controls and the timeline at 1440×900 and at 390 px', async () => {
    const player = page.locator('.player');
    // Each picture shown is the one of the position (no video still seeking or waiting for its frames there).
    await expect
      .poll(() => page.evaluate(() => [...document.querySelectorAll<HTMLVideoElement>('video[data-track]')].every((v) => !v.seeking && v.readyState >= 2)))
      .toBe(true);
    await page.locator('h1').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/protocol-player.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    await player.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/protocol-player-390.png` });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // The pictures and the controls together fit on the phone's screen.
    expect((await player.boundingBox())!.height).toBeLessThanOrEqual(844 - 60);
    for (const control of [page.locator('.player button.play'), page.getByRole('group', { name: 'Speed' })]) {
      const box = (await control.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('plays and pauses with Space and steps with the arrows', async () => {
    // From the red minute the steps cross the gap and the camera's stretch without sound (another MediaSource) when
    // the recording is 3 minutes long: there the camera's element was once left seeking where its buffer held nothing,
    // and Play stood still at "Loading…".
    const play = page.locator('.player button.play');
    const seconds = async () => Number(await page.getByTestId('player-time').getAttribute('data-seconds'));
    await page.locator('h1').click(); // focus on nothing in particular
    const before = await seconds();
    await page.keyboard.press('ArrowRight');
    await expect.poll(seconds).toBeCloseTo(before + 5, 0);
    await page.keyboard.press('Shift+ArrowRight');
    await expect.poll(seconds).toBeCloseTo(before + 65, 0);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(seconds).toBeCloseTo(before + 60, 0);
    await page.keyboard.press(' ');
    await expect.poll(() => play.textContent()).toBe('Pause');
    await expect.poll(seconds).toBeGreaterThan(before + 61).catch(async (e: Error) => {
      throw new Error(`${e.message}\nthe player when it did not move:\n${await playerState(page)}`);
    });
    await play.focus();
    await page.keyboard.press(' '); // on the focused Play button: one toggle, not two
    await expect.poll(() => play.textContent()).toBe('Play');
    const paused = await seconds();
    await expect.poll(async () => (await page.evaluate(() => [...document.querySelectorAll('video')].every((v) => v.paused)))).toBe(true);
    expect(await seconds()).toBeCloseTo(paused, 0);
  });

  it('shows each track\'s picture when paused where a still screen sent no frames', async () => {
    // (The phone has no recording before 0:30: it says so.) The screen's 6th segment (12.3–14.3 s) has frames until 13.7 only: the screen did not change after that.
    const tail = { from: 13.7, to: 14.3 };
    const seconds = async () => Number(await page.getByTestId('player-time').getAttribute('data-seconds'));
    const lanes = page.getByRole('slider', { name: /Playback position/ });
    await lanes.scrollIntoViewIfNeeded();
    const box = (await lanes.boundingBox())!;
    // A pixel of the timeline is a quarter of a second or so: try the pixels around 14.0 s until one lands in the tail.
    const x = box.x + box.width * (14 / L);
    for (const dx of [0, -1, 1, -2, 2, -3, 3]) {
      await page.mouse.click(x + dx, box.y + box.height - 5);
      const t = await seconds();
      if (t > tail.from + 0.02 && t < tail.to - 0.02) break;
    }
    const t = await seconds();
    expect(t > tail.from && t < tail.to, `position ${t}`).toBe(true);
    await expect
      .poll(() => page.evaluate(() => [...document.querySelectorAll<HTMLVideoElement>('video[data-track="camera"], video[data-track="screen"]')].every((v) => !v.seeking && v.readyState >= 2)), { timeout: 15_000 })
      .toBe(true)
      .catch(async (e: Error) => {
        throw new Error(`${e.message}\n${await playerState(page)}`);
      });
    // The screen shows its last frame before the moment (what was on the screen then), not one from elsewhere.
    const screenAt = await page.locator('video[data-track="screen"]').evaluate((v) => (v as HTMLVideoElement).currentTime);
    expect(screenAt).toBeGreaterThan(tail.from - 0.3);
    expect(screenAt).toBeLessThanOrEqual(tail.from + 0.001);
    // Playing on from there goes past the still stretch.
    await page.locator('.player button.play').click();
    await expect.poll(seconds, { timeout: 20_000 }).toBeGreaterThan(tail.to + 1);
    await page.locator('.player button.play').click();
  });

  it('plays what Chromium’s own MediaRecorder recorded (1 s pieces of camera with sound, and screen) at 4× across every boundary', async () => {
    await api.createSession('real-1', { name: 'Recorded by the browser' });
    await api.as('student1', `mutation { checkIn(id: "real-1", userAgent: "Chromium") { id } }`);
    await api.as('student1', `mutation { startSession(id: "real-1") { id } }`);
    const recorder = await (await newContext(browser, api.server.url)).newPage();
    await recorder.goto('/');
    // The recorder's way (web/src/lib/media/recorder.ts): a new MediaRecorder per piece, stopped and restarted at once.
    const uploaded = await recorder.evaluate(
      async ({ token, pieces }) => {
        const camera = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
        // The screen: a moving picture drawn on a canvas. Headless Chromium's fake screen stands still, and a still
        // screen sends no frames, so every piece after the first would hold none (a 110-byte header, refused).
        const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 180 });
        const g = canvas.getContext('2d')!;
        const draw = () => {
          g.fillStyle = `hsl(${(performance.now() / 10) % 360} 60% 50%)`;
          g.fillRect(0, 0, 320, 180);
          requestAnimationFrame(draw);
        };
        draw();
        const screen = canvas.captureStream(10);
        const refused: string[] = [];
        const record = async (stream: MediaStream, track: string) => {
          let done = 0;
          const uploads: Promise<void>[] = [];
          for (let seq = 0; seq < pieces; seq++) {
            const recorder = new MediaRecorder(stream, { mimeType: 'video/webm;codecs=vp8,opus', videoBitsPerSecond: 400_000 });
            const chunks: Blob[] = [];
            const startedAt = new Date();
            recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
            const stopped = new Promise<void>((resolve) => (recorder.onstop = () => resolve()));
            recorder.start();
            await new Promise((r) => setTimeout(r, 1000));
            recorder.stop();
            uploads.push(stopped.then(async () => {
              const q = new URLSearchParams({ sessionId: 'real-1', track, seq: String(seq), start: startedAt.toISOString(), durationMs: String(Date.now() - startedAt.getTime()) });
              const body = new Blob(chunks);
              const res = await fetch(`/recordings?${q}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body });
              if (res.status === 201) done++;
              else {
                // What the browser wrote, to tell a broken recording from a refusal of a good one.
                const head = [...new Uint8Array(await body.slice(0, 64).arrayBuffer())].map((b) => b.toString(16).padStart(2, '0')).join('');
                refused.push(`${track} ${seq}: ${res.status} ${await res.text()} (${chunks.length} chunks, ${body.size} bytes: ${head})`);
              }
            }));
          }
          await Promise.all(uploads);
          return done;
        };
        const counts = await Promise.all([record(camera, 'camera'), record(screen, 'screen')]);
        [...camera.getTracks(), ...screen.getTracks()].forEach((t) => t.stop());
        return { counts, refused };
      },
      { token: await api.login('student1'), pieces: 20 },
    );
    expect(uploaded).toEqual({ counts: [20, 20], refused: [] });
    await recorder.close();
    await api.as('student1', `mutation { finishSession(id: "real-1") { id } }`);
    const { session } = await api.as('proctor1', `{ session(id: "real-1") { startedAt recordings { track seq start durationMs } } }`);
    const recorded = (session.recordings as Array<{ track: 'camera' | 'screen'; seq: number; start: string; durationMs: number }>).map((r) => ({
      ...r, start: new Date(r.start), file: '', codecs: 'vp8' as const,
    }));

    await page.goto('/#/protocol/real-1');
    await page.getByRole('heading', { name: 'Recorded by the browser' }).waitFor();
    await page.evaluate(installProbe, CODE_BANDS);
    await page.getByRole('group', { name: 'Speed' }).getByRole('button', { name: '4×' }).click();
    const play = page.locator('.player button.play');
    await play.click();
    await expect.poll(() => play.textContent(), { timeout: 60_000, interval: 500 }).toBe('Play');
    const probe = (await page.evaluate(() => (window as unknown as { __probe: Probe }).__probe)) as Probe;
    const sessionStarted = new Date(session.startedAt);
    const last = Math.max(...recorded.map((r) => (r.start.getTime() - sessionStarted.getTime() + r.durationMs) / 1000));
    const first = Math.min(...recorded.map((r) => (r.start.getTime() - sessionStarted.getTime()) / 1000));
    const m = measure(probe, recorded, sessionStarted, [{ from: 0, to: first + 0.5 }, { from: last - 1, to: last + 1 }]);
    const said = JSON.stringify({ ...m, pictureOffMaxS: undefined, pictureOffP99S: undefined, picturesOffByMoreThanAFrame: undefined, picturesAhead: undefined, picturesBehind: undefined, framesAheadAlone: undefined });
    console.log('playback of 20 MediaRecorder pieces at 4×:', said);
    expect(Math.max(...probe.samples.map((s) => s.pos))).toBeGreaterThan(last - 1.2);
    expect(m.longestFreezeAtBoundaryMs, said).toBeLessThan(250);
    expect(m.apartP99S, said).toBeLessThanOrEqual(0.2);
    expect(probe.frames.filter(([t]) => t === 'camera').length).toBeGreaterThan(40);
    expect(probe.frames.filter(([t]) => t === 'screen').length).toBeGreaterThan(5);
  }, 120_000);
});
