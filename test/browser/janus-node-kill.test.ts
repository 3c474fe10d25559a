import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { holdChromium } from '../support/browser.js';
import { janusInNetns, runInNetns } from '../support/netns.js';
import { HAS_NGINX } from '../support/nginx.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';

const SCENARIO = fileURLToPath(new URL('./janus/node-kill-scenario.ts', import.meta.url));
const url = testPostgresUrl();
const NEEDS = janusInNetns([[Boolean(url), NO_POSTGRES_REASON], [HAS_NGINX, 'no nginx (apt-get install nginx)']]);

interface Findings {
  framesFirst: number;
  framesBeforeKill: number;
  framesAgain: number;
  msToPictureAgain: number;
  survivorTold: boolean;
  republished: { afterMs: number; earlier: string[]; onSignal: boolean } | null;
  tag: string;
  newTag: string | null;
  coveredKill: boolean;
  msToStored: number;
  /** After the SIGTERM of the node holding the publishers next (null when nothing was published again after the kill). */
  stop: {
    stopCode: number | null; framesBeforeStop: number; framesAfterStop: number; msToPictureAfterStop: number;
    republishedAfterStop: { afterMs: number; earlier: string[]; onSignal: boolean } | null; toldAfterStop: boolean;
    tagAfterStop: string | null; nodeStoppedAt: string;
  } | null;
  killedAt: string;
  lost: Array<{ track: string; seq: number; start: string; durationMs: number; reason: string }>;
  segments: Array<{ track: string; seq: number; start: string; durationMs: number }>;
  left: string[];
}

describeWithServer('MEDIA=janus: the node holding a test-taker\'s publishers is SIGKILLed, then the next one stopped, behind nginx (three node processes, in a network namespace)', NEEDS.available, NEEDS.reason, () => {
  let found: Findings;
  let releaseChromium: (() => void) | undefined;

  beforeAll(async () => {
    releaseChromium = await holdChromium();
    found = await runInNetns<Findings>(SCENARIO, [], { timeoutMs: 400_000, env: { TEST_DATABASE_URL: url } });
  }, 420_000);
  afterAll(() => releaseChromium?.());

  it('publishes again through the node left, told by it, and the proctor sees the camera again', () => {
    expect(found.framesFirst).toBeGreaterThan(10);
    expect(found.survivorTold).toBe(true);
    // On the word of the node left, before the page's own connection failed.
    expect(found.republished?.onSignal, JSON.stringify(found.republished)).toBe(true);
    expect(found.framesAgain).toBeGreaterThan(30);
    expect(found.newTag).not.toBeNull();
    expect(found.newTag).not.toBe(found.tag); // the recording is now written for the other node
  });

  it('stores what the killed node was recording: the node left takes its files from the shared folder', () => {
    // The killed node's files left the folder: stored by the other node's sweep (a piece it cannot convert is set
    // aside as .failed and recorded lost, so it would show below as a hole in the numbers).
    expect(found.coveredKill).toBe(true);
    expect(found.left.filter((n) => n.includes(`-${found.tag}-`))).toEqual([]);
    const killedAt = Date.parse(found.killedAt);
    const camera = found.segments.filter((s) => s.track === 'camera');
    const lastBefore = Math.max(...camera.filter((s) => Date.parse(s.start) < killedAt).map((s) => Date.parse(s.start) + s.durationMs));
    // The piece being written at the kill is kept up to it (Janus closes it when the node's connection goes).
    expect(lastBefore, JSON.stringify(found.segments)).toBeGreaterThan(killedAt - 1_500);
    expect(camera.filter((s) => Date.parse(s.start) > killedAt).length).toBeGreaterThanOrEqual(1);
    // Each cut is said as a gap with its cause: after the kill, and after the stop (from when the node left saw the
    // node gone to when the page published again).
    const gaps = found.lost.filter((l) => l.track === 'camera');
    expect(gaps, JSON.stringify(found.lost)).toHaveLength(2);
    for (const gap of gaps) expect(gap.reason).toMatch(/app node holding the publisher stopped/);
    expect(found.stop, "nothing was published again after the kill").not.toBeNull();
    const stoppedAt = Date.parse(found.stop!.nodeStoppedAt);
    const [afterKill, afterStop] = [...gaps].sort((x, y) => Date.parse(x.start) - Date.parse(y.start));
    expect(Date.parse(afterKill.start)).toBeGreaterThanOrEqual(killedAt);
    expect(Date.parse(afterKill.start)).toBeLessThan(stoppedAt);
    expect(Date.parse(afterStop.start)).toBeGreaterThanOrEqual(stoppedAt);
    // Numbered on without a hole: the segments and the gaps together.
    expect([...camera, ...gaps].map((s) => s.seq).sort((x, y) => x - y)).toEqual([...camera, ...gaps].map((_, i) => i));
  });
  it('publishes again through the last node when the one holding the publishers next is stopped (SIGTERM), told by the last', () => {
    const stop = found.stop!;
    expect(stop, 'nothing was published again after the kill').not.toBeNull();
    expect(stop.stopCode).toBe(0);
    expect(stop.toldAfterStop).toBe(true);
    expect(stop.republishedAfterStop?.onSignal, JSON.stringify(stop.republishedAfterStop)).toBe(true);
    expect(stop.framesAfterStop).toBeGreaterThan(30);
    expect(stop.tagAfterStop).not.toBeNull();
    expect([found.tag, found.newTag]).not.toContain(stop.tagAfterStop);
    // The stopped node stored what it recorded before it exited: none of its files is left.
    expect(found.left.filter((n) => n.includes(`-${found.newTag}-`))).toEqual([]);
  });
});
