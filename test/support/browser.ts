import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { PASSWORD, type TestApi } from './api.js';
import { alive, endShare, logLockWait } from './quiet.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const NO_CHROMIUM_REASON = `no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`;

const LOCK = join(tmpdir(), 'proctor-chromium.lock');

/**
 * One Chromium at a time across the test workers: on two cores two browsers encoding video starve each other (a
 * MediaRecorder then writes segments without frames). A directory is the lock (mkdir is atomic); a dead holder's lock
 * is taken over. Each browser test file holds it from its beforeAll to its afterAll, taking it once its server has
 * started: a start needs no browser, and the files waiting for Chromium wait in one line.
 *
 * A file whose pages capture and send no media (`'pages'`: no exam, phone or conference page, no live video) takes no
 * lock: it loads the machine like any other test file beside a media one, which the media tests bear anyway, and the
 * browser files no longer all wait in one line.
 *
 * A file that loads the machine as much without a browser (`'machine'`: several app nodes under load) takes the lock
 * too: beside one, the media files' pages got a frame every few seconds (measured: the p2p tiles took 17 s to their
 * tenth frame beside the cluster kill test, 10 s alone; a CI run beside a heavy file had 6 frames in 20 s).
 *
 * With CHROMIUM_LOCK_LOG set to a file, each file appends when it asked, got and gave the browser back (JSON lines):
 * how long the workers waited, for tuning the order of the files (test/support/sequencer.ts).
 */
export async function holdChromium(kind: 'media' | 'pages' | 'machine' = 'media'): Promise<() => void> {
  const calledAt = Date.now();
  const log = (acquiredAt: number) => {
    logLockWait(expect.getState().testPath ?? '?', kind, calledAt, acquiredAt, Date.now());
  };
  if (kind === 'pages') {
    cspViolations.length = 0;
    return () => {
      log(calledAt);
      if (cspViolations.length) throw new Error(`the Content-Security-Policy refused something the app does:\n${[...new Set(cspViolations)].join('\n')}`);
    };
  }
  endShare(); // waiting for Chromium, and holding it, this file cannot run beside the one that keeps the machine quiet
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      cspViolations.length = 0;
      const acquiredAt = Date.now();
      return () => {
        rmSync(LOCK, { recursive: true, force: true });
        log(acquiredAt);
        // Every browser test file checks, as it ends, that the pages it drove broke no rule of our security policy.
        if (cspViolations.length) throw new Error(`the Content-Security-Policy refused something the app does:\n${[...new Set(cspViolations)].join('\n')}`);
      };
    } catch {
      let holder = 0;
      try {
        holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {
        // the holder has not written its pid yet
      }
      // Test files run one after another in a worker process (they share its modules): a lock this process holds was
      // left by a file before this one, which can only have failed to let it go.
      if (holder && (holder === process.pid || !alive(holder))) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Debian's Chromium, headless, with fake camera, microphone and screen, and nothing that reaches past loopback.
 * `videoFile` feeds a .y4m to the fake camera instead of the test pattern.
 */
export async function launchChromium(options: { videoFile?: string; args?: string[] } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--auto-select-desktop-capture-source=Entire screen',
      '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
      ...(options.videoFile ? [`--use-file-for-fake-video-capture=${options.videoFile}`] : []),
      ...(options.args ?? []),
    ],
  });
}

/** What Chromium refused under our Content-Security-Policy, in the pages of the test file holding the browser. */
const cspViolations: string[] = [];

/** A signed-out browser context on `baseURL` at 1440×900 with camera and microphone granted; `watched`: with `watchCapture`. */
export async function newContext(browser: Browser, baseURL: string, options: { watched?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  if (options.watched) await context.addInitScript(watchCapture);
  context.on('console', (message) => {
    if (/Content Security Policy|Refused to (load|execute|connect|frame|apply|create|evaluate|compile)/.test(message.text())) cspViolations.push(message.text().slice(0, 300));
  });
  await context.grantPermissions(['camera', 'microphone'], { origin: baseURL });
  return context;
}

/** Signs `username` in through the login page. */
export async function signIn(page: Page, username: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Checks `student` in and starts the session through the API, signs in in `page` and opens the exam page, waiting
 * for the LMS test content: the state every live-exam test starts from.
 */
export async function intoRunningExam(api: TestApi, page: Page, student: string, sessionId: string): Promise<void> {
  await api.as(student, `mutation { checkIn(id: "${sessionId}", userAgent: "Chromium") { id } }`);
  await api.as(student, `mutation { startSession(id: "${sessionId}") { id } }`);
  await signIn(page, student);
  await page.getByText('My sessions').waitFor();
  await page.goto(`/#/exam/${sessionId}`);
  await page.frameLocator('iframe[title="Test content"]').getByRole('heading', { name: 'Demo test' }).waitFor();
}

/**
 * Watches a page's capture from inside (add it with `context.addInitScript` before the app loads): every
 * MediaRecorder and RTCPeerConnection it makes, every track camera, microphone and screen give it, and requests for
 * them still waiting for the browser. `captureState` reads it.
 */
export function watchCapture(): void {
  const seen = { recorders: [] as MediaRecorder[], peers: [] as RTCPeerConnection[], tracks: [] as MediaStreamTrack[], waiting: 0, asked: 0 };
  (window as unknown as { capture: typeof seen }).capture = seen;
  const Recorder = window.MediaRecorder;
  window.MediaRecorder = class extends Recorder {
    constructor(...args: ConstructorParameters<typeof MediaRecorder>) {
      super(...args);
      seen.recorders.push(this);
    }
  };
  const Peer = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Peer {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args);
      seen.peers.push(this);
    }
  };
  const devices = navigator.mediaDevices;
  for (const name of ['getUserMedia', 'getDisplayMedia'] as const) {
    const original = devices[name].bind(devices) as (c?: MediaStreamConstraints) => Promise<MediaStream>;
    devices[name] = async (constraints?: MediaStreamConstraints) => {
      seen.waiting += 1;
      seen.asked += 1;
      try {
        const stream = await original(constraints);
        seen.tracks.push(...stream.getTracks());
        return stream;
      } finally {
        seen.waiting -= 1;
      }
    };
  }
}

export interface CaptureState {
  /** MediaRecorders not stopped. */
  recording: number;
  /** Camera, microphone and screen tracks still live. */
  live: number;
  /** Requests for camera or screen the browser has not answered yet. */
  waiting: number;
  /** Requests for camera or screen so far. */
  asked: number;
  /** Peer connections not closed. */
  connected: number;
}

/** One peer connection of a page (watched by `watchCapture`) as far as it got: what a stalled picture is waiting for. */
export interface PeerState {
  signaling: RTCSignalingState;
  ice: RTCIceConnectionState;
  gathering: RTCIceGatheringState;
  connection: RTCPeerConnectionState;
  /** The DTLS and ICE state of each transport, and the candidate pairs ICE has tried and their states. */
  transports: string[];
  pairs: string[];
}

/** The peer connections of `page` not closed yet (the page must have `watchCapture` as an init script). */
export function peerStates(page: Page): Promise<PeerState[]> {
  return page.evaluate(async (): Promise<PeerState[]> => {
    const c = (window as unknown as { capture: { peers: RTCPeerConnection[] } }).capture;
    return Promise.all(c.peers.filter((p) => p.connectionState !== 'closed').map(async (p) => {
      const transports: string[] = [];
      const pairs: string[] = [];
      (await p.getStats()).forEach((r) => {
        if (r.type === 'transport') transports.push(`dtls ${r.dtlsState} ice ${r.iceState ?? '?'}`);
        if (r.type === 'candidate-pair') pairs.push(`${r.state}${r.nominated ? ' nominated' : ''} sent ${r.requestsSent ?? 0} got ${r.responsesReceived ?? 0}`);
      });
      return { signaling: p.signalingState, ice: p.iceConnectionState, gathering: p.iceGatheringState, connection: p.connectionState, transports, pairs };
    }));
  });
}

/**
 * What live video was doing, for a failure's message: each tile of `watcher`'s monitor (its session, state and frames)
 * and the peer connections of every page in `pages` (opened with `newContext(…, { watched: true })`).
 */
export async function liveVideoState(watcher: Page, pages: Record<string, Page>): Promise<string> {
  const tiles = await watcher.locator('.tile').evaluateAll((ts) => ts.map((t) => {
    const { session, media, frames } = (t as HTMLElement).dataset;
    return `${session}: ${media}, ${frames} frames`;
  }));
  const peers = await Promise.all(Object.entries(pages).map(async ([name, page]) => `${name}: ${page.isClosed() ? 'closed' : JSON.stringify(await peerStates(page))}`));
  return [tiles.join('; '), ...peers].join('\n');
}

export function captureState(page: Page): Promise<CaptureState> {
  return page.evaluate((): CaptureState => {
    type Seen = { recorders: MediaRecorder[]; peers: RTCPeerConnection[]; tracks: MediaStreamTrack[]; waiting: number; asked: number };
    const c = (window as unknown as { capture: Seen }).capture;
    return {
      recording: c.recorders.filter((r) => r.state !== 'inactive').length,
      live: c.tracks.filter((t) => t.readyState === 'live').length,
      waiting: c.waiting,
      asked: c.asked,
      connected: c.peers.filter((p) => p.connectionState !== 'closed').length,
    };
  });
}
