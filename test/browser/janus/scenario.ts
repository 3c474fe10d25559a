/**
 * The janus-mode scenario, run by test/browser/janus.test.ts inside a network namespace of its own (`unshare -n`):
 * Janus, our API server and Chromium all live in it, so every packet stays there. Prints its findings as one JSON
 * line on stdout (progress goes to stderr); the test asserts on them.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { LocalBlobStore } from '../../../src/media/blob-store.js';
import { JanusEngine } from '../../../src/media/janus/engine.js';
import { RecordingWatchdog } from '../../../src/app/recordings/recording-watchdog.js';
import { eventually, startTestApi } from '../../support/api.js';
import { probeStreams } from '../../support/ffprobe.js';
import { captureState, intoRunningExam, launchChromium, newContext, signIn } from '../../support/browser.js';
import { setUpNamespaceNetwork } from '../../support/netns.js';

const WEB_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));
const SESSION = 'janus-1';
const RUN_MS = Number(process.env.JANUS_SCENARIO_MS ?? 40_000);
const log = (message: string) => console.error(`[janus scenario] ${message}`);
/** A log object as JSON, with an error's message (JSON.stringify gives `{}` for an Error). */
const said = (o: object) => JSON.stringify(o, (_key, value: unknown) => (value instanceof Error ? { ...value, name: value.name, message: value.message } : value));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

process.on('unhandledRejection', (e) => log(`unhandled: ${(e as Error)?.stack ?? e}`));
setUpNamespaceNetwork();
const api = await startTestApi({ media: 'janus' }, {
  webDir: WEB_DIR,
  janus: (core, dataDir) => JanusEngine.start({
    core, blobs: new LocalBlobStore(join(dataDir, 'blobs')), dir: join(dataDir, 'janus'), port: 8188, segmentMs: 10_000,
    log: { info() {}, warn: (o, m) => log(`${m} ${said(o)}`), error: (o, m) => log(`${m} ${said(o)}`) },
  }),
});
const browser = await launchChromium();
try {
  const url = `${api.server.url}/demo-test.html`;
  await api.createSession(SESSION, { name: 'Janus exam', url, student: 'student1', metrics: ['b2', 'c2', 'm2', 'n3'] });
  const studentContext = await newContext(browser, api.server.url, { watched: true });
  const student = await studentContext.newPage();
  const proctor = await (await newContext(browser, api.server.url)).newPage();
  const engine = await proctor.goto('/').then(() => proctor.evaluate(async () => (await (await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ mediaEngine }"}' })).json()).data.mediaEngine));
  const startedAt = Date.now();
  await intoRunningExam(api, student, 'student1', SESSION);
  log('the participant is in the exam');
  await signIn(proctor, 'proctor1');
  const tile = proctor.locator(`.tile[data-session="${SESSION}"]`);
  await tile.waitFor();
  const frames = async () => Number(await tile.getAttribute('data-frames'));
  const width = (page: Page) => page.locator(`.tile[data-session="${SESSION}"] video`).evaluate((v) => (v as HTMLVideoElement).videoWidth).catch(() => 0);

  await eventually(async () => (await frames()) > 10, 30_000);
  const framesSeen = [await frames()];
  log(`the proctor decodes the camera: ${framesSeen[0]} frames, ${await width(proctor)} px wide`);
  // Janus forwards the layer it has until the tile's configure (small layer) meets a keyframe of that layer: under
  // load the first frames may still be the full ones (seen in a full run: 640 read at once). Wait for the switch.
  const tileWidth = await eventually(async () => {
    const w = await width(proctor);
    return w > 0 && w < 640 ? w : 0;
  }, 20_000).catch(() => width(proctor));
  await sleep(3000);
  framesSeen.push(await frames());

  await tile.click();
  const activeWidth = await eventually(async () => ((await width(proctor)) >= 640 ? width(proctor) : 0), 20_000).catch(() => width(proctor));
  const audioTracks = await tile.locator('video').evaluate((v) => ((v as HTMLVideoElement).srcObject as MediaStream).getAudioTracks().length);
  const muted = await tile.locator('video').evaluate((v) => (v as HTMLVideoElement).muted);
  framesSeen.push(await frames());
  log(`tile ${tileWidth}px wide, active ${activeWidth}px`);

  // A recording cycled again 150 ms after the engine's own cycle: the keyframe Janus asked for then has come (into
  // the piece that cycle started), and the browser drops the request this cycle sends (libwebrtc acts on one in
  // 300 ms; a watcher switching layers asks the same way). The new piece must still get its picture at once, not at
  // Janus's next regular request 10 s later (seen in CI: a 10 s hole in the camera; a screen piece that converted to
  // a broken WebM). Right after the engine's cycle, so that this piece runs ~10 s: a hole cannot hide behind a cycle.
  const recordingsDir = join(api.janus!.recordingsDir, encodeURIComponent(SESSION));
  const cameraPieces = () => readdirSync(recordingsDir).filter((n) => /^camera-([0-9a-f]{6}-)?\d+-video-/.test(n));
  const piecesBefore = new Set(cameraPieces());
  await eventually(() => cameraPieces().some((n) => !piecesBefore.has(n)), 15_000);
  await sleep(150);
  const recycledAt = Date.now();
  await api.janus!.cycle();
  log(`cycled again at ${new Date(recycledAt).toISOString()}`);

  // The recording keeps up while the exam runs: the watchdog (n3 after 25 s without a segment here) stays quiet.
  await sleep(Math.max(0, 30_000 - (Date.now() - startedAt)));
  const watchdogRaised = await new RecordingWatchdog(api.core, 25_000).tick();
  await sleep(Math.max(0, RUN_MS - (Date.now() - startedAt)));
  framesSeen.push(await frames());

  // The server must stop recording whatever the browser does. This page does nothing at all: its script is paused
  // (its connections to Janus stay up and keep sending), and when it runs again it is not let to unpublish.
  let unpublishBlocked = 0;
  await student.route('**/graphql', (route) => {
    if (!route.request().postData()?.includes('unpublishMedia')) return route.continue();
    unpublishBlocked += 1;
    return route.abort();
  });
  const debug = await studentContext.newCDPSession(student);
  await debug.send('Debugger.enable');
  await debug.send('Debugger.pause');
  const publishersBefore = api.janus!.stats().publishers;
  const finishedAt = performance.now();
  await api.as('proctor1', `mutation { finishSession(id: "${SESSION}") { id } }`);
  await eventually(() => api.janus!.stats().publishers === 0, 10_000).catch(() => false);
  const msToNoPublishers = Math.round(performance.now() - finishedAt);
  const publishersWhilePaused = api.janus!.stats().publishers;
  await debug.send('Debugger.resume');
  await debug.detach();
  await student.getByRole('heading', { name: 'The session has ended' }).waitFor();
  const capture = await eventually(async () => {
    const c = await captureState(student);
    return c.live === 0 && c.connected === 0 && c.waiting === 0 ? c : null;
  }, 10_000).catch(() => captureState(student));
  const afterEnd = { publishersBefore, publishers: publishersWhilePaused, msToNoPublishers, unpublishBlocked, capture };
  log(`finished; ${JSON.stringify(afterEnd)}; waiting for the last segments`);

  type Seg = { track: string; seq: number; start: string; durationMs: number; sha256: string; size: number };
  const query = `{ session(id: "${SESSION}") { startedAt stoppedAt recordings { track seq start durationMs sha256 size } } }`;
  const session = await eventually(async () => {
    const s = (await api.as('admin', query)).session as { startedAt: string; stoppedAt: string; recordings: Seg[] };
    const last = (track: string) => s.recordings.filter((r) => r.track === track).at(-1);
    const ends = (track: string) => {
      const l = last(track);
      return l ? Date.parse(l.start) + l.durationMs : 0;
    };
    return ends('camera') >= Date.parse(s.stoppedAt) - 3000 && ends('screen') >= Date.parse(s.stoppedAt) - 3000 ? s : null;
  }, 60_000).catch(async () => (await api.as('admin', query)).session as { startedAt: string; stoppedAt: string; recordings: Seg[] });

  const dir = mkdtempSync(join(tmpdir(), 'janus-segments-'));
  const token = await api.login('admin');
  const segments = [];
  for (const seg of session.recordings) {
    const res = await fetch(`${api.server.url}/recordings/${SESSION}/${seg.track}/${seg.seq}`, { headers: { authorization: `Bearer ${token}` } });
    const body = Buffer.from(await res.arrayBuffer());
    const file = join(dir, `${seg.track}-${seg.seq}.webm`);
    writeFileSync(file, body);
    let streams: string[] = [];
    try {
      streams = (await probeStreams(file)).map((s) => `${s.codec_type}:${s.codec_name}${s.width ? `:${s.width}x${s.height}` : ''}`);
    } catch {
      streams = [];
    }
    segments.push({ ...seg, status: res.status, bodySha256: createHash('sha256').update(body).digest('hex'), streams });
  }

  // The protocol page plays the recording the server made.
  await proctor.goto(`/#/protocol/${SESSION}`);
  const player = proctor.locator('video[data-track="camera"]');
  await player.waitFor({ timeout: 20_000 });
  const lanes = proctor.getByRole('slider', { name: /Playback position/ });
  await lanes.scrollIntoViewIfNeeded();
  const box = (await lanes.boundingBox())!;
  await proctor.mouse.click(box.x + box.width * 0.3, box.y + box.height - 5);
  const protocolPlays = await eventually(() => player.evaluate((v) => (v as HTMLVideoElement).readyState >= 1 && Boolean((v as HTMLVideoElement).currentSrc)), 20_000).catch(() => false);

  const events = (await api.as('auditor1', `{ sessionEvents(id: "${SESSION}") { type data } }`)).sessionEvents as Array<{ type: string; data: { code?: string } }>;
  const result = {
    engine,
    framesSeen,
    tileWidth,
    activeWidth,
    activeAudioTracks: audioTracks,
    activeMuted: muted,
    watchdogRaised,
    n3: events.filter((e) => e.type === 'ViolationDetected' && e.data.code === 'n3').length,
    session: { startedAt: session.startedAt, stoppedAt: session.stoppedAt },
    recycledAt: new Date(recycledAt).toISOString(),
    keyframesAsked: api.janus!.stats().keyframesAsked,
    segments,
    protocolPlays,
    afterEnd,
  };
  console.log(JSON.stringify(result));
} finally {
  await browser.close().catch(() => {});
  await api.close();
}
