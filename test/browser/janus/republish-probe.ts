import type { Page } from 'playwright-core';

/**
 * Watches the test-taker's page publish: for each RTCPeerConnection it makes, when, and whether any made before
 * had failed by then. A publication made again while the earlier connection was not yet `failed` was made because
 * the server said so (the `republish` signal); the page's own way, without it, waits for `failed` (or 5 s of
 * `disconnected`). Installed before the page loads.
 */
export async function watchPublications(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    const made: Array<{ at: number; earlier: string[] }> = [];
    // Each connection's worst state so far: closing one (as the page does before publishing again) hides a failure.
    const worst: string[] = [];
    (window as unknown as { __publications: typeof made }).__publications = made;
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        made.push({ at: Date.now(), earlier: [...worst] });
        const i = worst.push('new') - 1;
        this.addEventListener('connectionstatechange', () => {
          if (worst[i] !== 'failed') worst[i] = this.connectionState;
        });
      }
    } as typeof RTCPeerConnection;
  });
}

/**
 * The first publication the page made after `since` (ms since the epoch): how long after, the states of the
 * connections made before, and whether none of them had failed or lost its peer then (so it was made on the
 * server's word). Null if none.
 */
export async function publicationAfter(page: Page, since: number): Promise<{ afterMs: number; earlier: string[]; onSignal: boolean } | null> {
  const made = await page.evaluate(() => (window as unknown as { __publications: Array<{ at: number; earlier: string[] }> }).__publications);
  const first = made.find((m) => m.at >= since);
  return first ? { afterMs: first.at - since, earlier: first.earlier, onSignal: first.earlier.length > 0 && !first.earlier.some((s) => s === 'failed' || s === 'disconnected') } : null;
}
