import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const NO_CHROMIUM_REASON = `no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`;

const LOCK = join(tmpdir(), 'proctor-chromium.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * One Chromium at a time across the test workers: on two cores two browsers encoding video starve each other (a
 * MediaRecorder then writes segments without frames). A directory is the lock (mkdir is atomic); a dead holder's lock
 * is taken over. Each browser test file holds it from its beforeAll to its afterAll.
 */
export async function holdChromium(): Promise<() => void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch {
      let holder = 0;
      try {
        holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {
        // the holder has not written its pid yet
      }
      if (holder && holder !== process.pid && !alive(holder)) rmSync(LOCK, { recursive: true, force: true });
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

export async function newContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  await context.grantPermissions(['camera', 'microphone'], { origin: baseURL });
  return context;
}
