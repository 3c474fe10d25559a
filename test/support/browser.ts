import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const NO_CHROMIUM_REASON = `no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`;

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
