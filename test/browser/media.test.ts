import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { probeStreams } from '../support/ffprobe.js';
import { HAS_CHROMIUM, holdChromium, launchChromium, newContext, NO_CHROMIUM_REASON, liveVideoState, signIn, intoRunningExam } from '../support/browser.js';
import { quietMachine } from '../support/quiet.js';
import { describeWithServer } from '../support/servers.js';

const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const HAS_FFPROBE = existsSync('/usr/bin/ffprobe');

/**
 * Logs in the page, as each MediaRecorder stops, what its video track delivered meanwhile (MediaStreamTrack.stats) and
 * what the recorder handed over: a segment recorded empty then says whether the camera gave no frames or the encoder
 * wrote none.
 */
function countRecordedFrames(): void {
  const Recorder = window.MediaRecorder;
  const t0 = performance.now();
  window.MediaRecorder = class extends Recorder {
    constructor(...args: ConstructorParameters<typeof MediaRecorder>) {
      super(...args);
      const [stream] = args;
      const video = stream.getVideoTracks()[0] as MediaStreamTrack & { stats?: { deliveredFrames: number; discardedFrames: number; totalFrames: number } };
      const what = stream.getAudioTracks().length ? 'camera' : 'screen';
      let begun = { d: 0, x: 0, t: 0, at: 0 };
      let bytes = 0;
      let chunks = 0;
      const start = this.start.bind(this);
      this.start = (timeslice?: number) => {
        begun = { d: video?.stats?.deliveredFrames ?? 0, x: video?.stats?.discardedFrames ?? 0, t: video?.stats?.totalFrames ?? 0, at: performance.now() };
        start(timeslice);
      };
      this.addEventListener('start', () => console.info(`recorder (${what}) of ${((begun.at - t0) / 1000).toFixed(1)} s: start event after ${((performance.now() - begun.at) / 1000).toFixed(1)} s`));
      this.addEventListener('dataavailable', (e) => ((bytes += e.data.size), (chunks += 1)));
      this.addEventListener('stop', () => {
        const s = video?.stats;
        console.info(`recorder (${what}) of ${((begun.at - t0) / 1000).toFixed(1)}+${((performance.now() - begun.at) / 1000).toFixed(1)} s stopped: ${bytes} B in ${chunks} chunks; its video track delivered ${(s?.deliveredFrames ?? 0) - begun.d} frames, discarded ${(s?.discardedFrames ?? 0) - begun.x}, of ${(s?.totalFrames ?? 0) - begun.t}; ${video?.readyState}${video?.muted ? ', muted' : ''}`);
      });
    }
  };
}

const frames = (proctor: Page, sessionId: string) => proctor.locator(`.tile[data-session="${sessionId}"]`).getAttribute('data-frames').then(Number);

describeWithServer('live video, calls and recordings between real browsers (p2p)', HAS_CHROMIUM && HAS_FFPROBE, `${NO_CHROMIUM_REASON}; and ffprobe (apt-get install ffmpeg)`, () => {
  let api: TestApi;
  let browser: Browser;
  let proctor: Page;
  let studentContext: BrowserContext;
  let student: Page;
  let student2: Page;
  let startedAt = 0;
  /** What the participant's page said about its recording (a failure prints it). */
  const recorderLog: string[] = [];

  let releaseChromium: (() => void) | undefined;
  /** The three browsers have the machine to themselves until the recording test (test/support/quiet.ts). */
  let releaseQuiet: (() => void) | undefined;
  beforeAll(async () => {
    api = await startTestApi({}, { webDir: WEB_DIR });
    releaseChromium = await holdChromium();
    releaseQuiet = await quietMachine();
    const url = `${api.server.url}/demo-test.html`;
    await api.createSession('media-1', { name: 'Media exam', url, student: 'student1' });
    await api.createSession('media-2', { name: 'Second exam', url, student: 'student2' });
    browser = await launchChromium();
    const watched = () => newContext(browser, api.server.url, { watched: true });
    studentContext = await watched();
    await studentContext.addInitScript(countRecordedFrames);
    student = await studentContext.newPage();
    student.on('console', (m) => {
      if (/record|segment|upload/i.test(m.text())) recorderLog.push(`${((Date.now() - startedAt) / 1000).toFixed(1)} s ${m.type()}: ${m.text().slice(0, 300)}`);
    });
    student2 = await (await watched()).newPage();
    proctor = await (await watched()).newPage();
    startedAt = Date.now();
    await intoRunningExam(api, student, 'student1', 'media-1');
    await intoRunningExam(api, student2, 'student2', 'media-2');
    await signIn(proctor, 'proctor1');
    await proctor.locator('.tile[data-session="media-1"]').waitFor();
    await proctor.locator('.tile[data-session="media-2"]').waitFor();
  }, 300_000);

  afterAll(async () => {
    releaseQuiet?.();
    releaseChromium?.();
    await browser?.close();
    await api?.close();
  });

  const explained = async (e: Error) => {
    throw new Error(`${e.message}\n${await liveVideoState(proctor, { proctor, student, student2 })}`);
  };

  it('shows the proctor each participant\'s live camera (frames decoded, read from getStats)', async () => {
    // Three pages capturing, encoding and decoding on two cores, beside another test worker: the tenth frame came after
    // 10 s alone, 16 s beside two busy loops, 17 s beside the cluster kill test (the tile gets 8 a second at most).
    await expect.poll(() => frames(proctor, 'media-1'), { timeout: 30_000 }).toBeGreaterThan(10).catch(explained);
    await expect.poll(() => frames(proctor, 'media-2'), { timeout: 30_000 }).toBeGreaterThan(10).catch(explained);
    const before = await frames(proctor, 'media-1');
    await expect.poll(() => frames(proctor, 'media-1'), { timeout: 10_000 }).toBeGreaterThan(before);
  }, 90_000);

  it('plays the sound of the active tile only, and switches it with the active tile', async () => {
    const muted = (id: string) => proctor.locator(`.tile[data-session="${id}"] video`).evaluate((v) => (v as HTMLVideoElement).muted);
    await proctor.locator('.tile[data-session="media-1"]').click();
    await expect.poll(() => muted('media-1')).toBe(false);
    expect(await muted('media-2')).toBe(true);
    await proctor.locator('.tile[data-session="media-2"]').click();
    await expect.poll(() => muted('media-2')).toBe(false);
    expect(await muted('media-1')).toBe(true);
    const audioTracks = await proctor.locator('.tile[data-session="media-2"] video').evaluate((v) => ((v as HTMLVideoElement).srcObject as MediaStream).getAudioTracks().length);
    expect(audioTracks).toBe(1);
  });

  it('places an audio call the participant hears and hangs up, then a video call', async () => {
    await proctor.locator('.tile[data-session="media-1"]').click();
    await proctor.getByRole('button', { name: 'Audio call' }).click();
    const audioCall = student.getByRole('region', { name: 'Audio call with the proctor' });
    await audioCall.waitFor();
    const tracks = () => student.locator('.call video').evaluate((v) => {
      const s = (v as HTMLVideoElement).srcObject as MediaStream | null;
      return { audio: s?.getAudioTracks().length ?? 0, video: s?.getVideoTracks().length ?? 0 };
    });
    // The tracks come with the offer the page takes once the call shows: a second or two alone, longer on a busy machine.
    await expect.poll(tracks, { timeout: 20_000 }).toEqual({ audio: 1, video: 0 });
    await audioCall.getByRole('button', { name: 'Hang up' }).click();
    await proctor.getByRole('button', { name: 'Audio call' }).waitFor();

    await proctor.getByRole('button', { name: 'Video call' }).click();
    await student.getByRole('region', { name: 'Video call with the proctor' }).waitFor();
    await expect.poll(tracks, { timeout: 20_000 }).toEqual({ audio: 1, video: 1 });
    await proctor.getByRole('button', { name: 'Hang up' }).click();
    await student.getByRole('region', { name: /call with the proctor/ }).waitFor({ state: 'detached' });

    const events = await api.as('auditor1', `{ sessionEvents(id: "media-1") { type data } }`);
    const calls = events.sessionEvents.filter((e: { type: string }) => e.type.startsWith('Call'));
    expect(calls.map((e: { type: string; data: { video?: boolean; by: string } }) => [e.type, e.data.video ?? null, e.data.by])).toEqual([
      ['CallStarted', false, 'proctor1'],
      ['CallEnded', null, 'student1'],
      ['CallStarted', true, 'proctor1'],
      ['CallEnded', null, 'proctor1'],
    ]);
  }, 90_000); // four negotiations between three browsers: 5–11 s alone, far more when the machine is busy

  /** Each track's stored segments as seconds into the session, what the server refused or gave up on, and what the page said. */
  const recordingState = async (id: string) => {
    const data = await api.as('admin', `{ session(id: "${id}") { startedAt stoppedAt recordings { track seq start durationMs size } } sessionEvents(id: "${id}", first: 5000) { type recordedAt data } }`);
    const s = data.session as { startedAt: string; stoppedAt: string | null; recordings: { track: string; start: string; durationMs: number; size: number }[] };
    const at = (iso: string) => ((Date.parse(iso) - Date.parse(s.startedAt)) / 1000).toFixed(1);
    const tracks = ['camera', 'screen'].map((track) => `${track}: ${s.recordings.filter((r) => r.track === track).map((r) => `${at(r.start)}+${(r.durationMs / 1000).toFixed(1)} (${r.size} B)`).join(', ')}`);
    const trouble = (data.sessionEvents as { type: string; recordedAt: string; data: unknown }[]).filter((e) => /Refused|Lost/.test(e.type)).map((e) => `${at(e.recordedAt)} ${e.type} ${JSON.stringify(e.data).slice(0, 200)}`);
    const waiting = await student.evaluate(`new Promise((resolve) => { const r = indexedDB.open('proctor-outbox-recordings'); r.onsuccess = () => { try { const c = r.result.transaction('items').objectStore('items').count(); c.onsuccess = () => resolve(c.result); } catch (e) { resolve(String(e)); } }; r.onerror = () => resolve('no outbox'); })`).catch((e: Error) => e.message);
    return [`stopped at ${s.stoppedAt ? at(s.stoppedAt) : '-'} s`, ...tracks, ...trouble, `segments waiting in the page: ${waiting}`, ...recorderLog].join('\n');
  };

  it('records a 40-second session through a 20-second network cut and loses no segment', async () => {
    // A session of its own, on the test-taker's computer alone: the other test-taker and the proctor are done, and the
    // rest of the suite may run again. Its first session ends, by the proctor.
    await student2.close();
    await proctor.goto('about:blank');
    await api.as('proctor1', `mutation { finishSession(id: "media-1") { id } }`);
    await student.getByRole('heading', { name: 'The session has ended' }).waitFor();
    releaseQuiet?.();
    releaseQuiet = undefined;
    await api.createSession('media-3', { name: 'Recorded exam', url: `${api.server.url}/demo-test.html`, student: 'student1' });
    await api.as('student1', `mutation { checkIn(id: "media-3", userAgent: "Chromium") { id } }`);
    await api.as('student1', `mutation { startSession(id: "media-3") { id } }`);
    const recordedFrom = Date.now();
    await student.goto('/#/exam/media-3');
    await student.frameLocator('iframe[title="Test content"]').getByRole('heading', { name: 'Demo test' }).waitFor();
    // Cut the participant off from 10 s to 30 s of the session: two 10 s segments are made offline.
    const sinceStart = () => Date.now() - recordedFrom;
    await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - sinceStart())));
    await studentContext.setOffline(true);
    await new Promise((r) => setTimeout(r, 20_000));
    await studentContext.setOffline(false);
    await new Promise((r) => setTimeout(r, Math.max(0, 40_000 - sinceStart())));
    await api.as('proctor1', `mutation { finishSession(id: "media-3") { id } }`);
    await student.getByRole('heading', { name: 'The session has ended' }).waitFor();

    type Seg = { track: string; seq: number; start: string; durationMs: number; sha256: string; size: number };
    const query = `{ session(id: "media-3") { startedAt stoppedAt recordings { track seq start durationMs sha256 size } } }`;
    const final = await eventually(async () => {
      const data = await api.as('admin', query);
      const s = data.session as { startedAt: string; stoppedAt: string; recordings: Seg[] };
      const covered = (track: string) => {
        const segs = s.recordings.filter((r) => r.track === track);
        const last = segs.at(-1);
        // Numbered by their start second (a reloaded page never reuses a number), so completeness is read from the
        // times: every segment follows the one before within a second (those made offline arrive after reconnect).
        const complete = segs.every((r, i) => i === 0 || (r.seq > segs[i - 1].seq && Date.parse(r.start) - (Date.parse(segs[i - 1].start) + segs[i - 1].durationMs) < 1000));
        return complete && last && Date.parse(last.start) + last.durationMs >= Date.parse(s.stoppedAt) - 2000 ? segs : null;
      };
      return covered('camera') && covered('screen') ? s : null;
    }, 60_000).catch(async (e: Error) => {
      throw new Error(`${e.message}: the recording does not cover the session\n${await recordingState('media-3')}`);
    });

    const duration = Date.parse(final.stoppedAt) - Date.parse(final.startedAt);
    expect(duration).toBeGreaterThanOrEqual(38_000);
    for (const track of ['camera', 'screen']) {
      const segs = final.recordings.filter((r) => r.track === track);
      // The segments follow each other: no hole longer than a second between one's end and the next's start.
      for (let i = 1; i < segs.length; i++) {
        const gap = Date.parse(segs[i].start) - (Date.parse(segs[i - 1].start) + segs[i - 1].durationMs);
        expect(gap, `${track} ${i}`).toBeLessThan(1000);
      }
      const coveredMs = segs.reduce((sum, r) => sum + r.durationMs, 0);
      expect(coveredMs / duration, track).toBeGreaterThan(0.9);
    }

    // Each segment plays on its own (ffprobe) and hashes to what the event says.
    const dir = mkdtempSync(join(tmpdir(), 'segments-'));
    const token = await api.login('admin');
    for (const seg of final.recordings) {
      const res = await fetch(`${api.server.url}/recordings/media-3/${seg.track}/${seg.seq}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const body = Buffer.from(await res.arrayBuffer());
      expect(createHash('sha256').update(body).digest('hex')).toBe(seg.sha256);
      const file = join(dir, `${seg.track}-${seg.seq}.webm`);
      writeFileSync(file, body);
      const streams = await probeStreams(file);
      expect(streams.some((s) => s.codec_type === 'video'), file).toBe(true);
      if (seg.track === 'camera') expect(streams.some((s) => s.codec_type === 'audio'), file).toBe(true);
    }
    const played = await api.as('auditor1', `{ sessionEvents(id: "media-3") { type } }`);
    expect(played.sessionEvents.filter((e: { type: string }) => e.type === 'RecordingPlayed')).toHaveLength(final.recordings.length);
  }, 150_000);

  it('plays the recording in the protocol at the minute clicked on the timeline', async () => {
    await proctor.goto('/#/protocol/media-3');
    await proctor.locator('video[data-track="camera"]').waitFor();
    const lanes = proctor.getByRole('slider', { name: /Playback position/ });
    await lanes.scrollIntoViewIfNeeded();
    const box = (await lanes.boundingBox())!;
    const minutes = Number(await lanes.getAttribute('aria-valuemax'));
    await proctor.mouse.click(box.x + box.width * (0.5 / minutes), box.y + box.height - 5); // 0:30
    const [m, sec] = (await proctor.getByTestId('player-time').textContent())!.split(':').map(Number);
    expect(Math.abs(m * 60 + sec - 30)).toBeLessThanOrEqual(2); // give or take a pixel
    // Each track's element holds the picture of that moment (the segments are fed to it through Media Source Extensions).
    // (When it does not, the message says where the element stands and what its buffer holds.)
    for (const track of ['camera', 'screen']) {
      const state = () => proctor.locator(`video[data-track="${track}"]`).evaluate((v) => {
        const video = v as HTMLVideoElement;
        const ranges = Array.from({ length: video.buffered.length }, (_, i) => `${video.buffered.start(i).toFixed(2)}-${video.buffered.end(i).toFixed(2)}`);
        return { ok: Boolean(video.currentSrc) && video.readyState >= 2, at: video.currentTime.toFixed(2), readyState: video.readyState, ranges };
      });
      await expect.poll(async () => (await state()).ok, { timeout: 15_000, message: track }).toBe(true)
        .catch(async (e: Error) => { throw new Error(`${e.message}: ${JSON.stringify(await state())}`); });
    }
  });
});
