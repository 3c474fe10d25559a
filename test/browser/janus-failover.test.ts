import { fileURLToPath } from 'node:url';
import { beforeAll, afterAll, expect, it } from 'vitest';
import { holdChromium } from '../support/browser.js';
import { janusInNetns, runInNetns } from '../support/netns.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';

const SCENARIO = fileURLToPath(new URL('./janus/failover-scenario.ts', import.meta.url));
const url = testPostgresUrl();
const NEEDS = janusInNetns([[Boolean(url), NO_POSTGRES_REASON]]);

interface Segment { track: string; seq: number; start: string; durationMs: number }
interface Findings {
  urls: string[];
  crossNodeFrames: number;
  routed: { feeds: string[]; qualityThroughA: string; someoneElseThroughA: string; stopThroughA: string; qualityAfterStop: string; watchesOnB: number };
  placedOn: string;
  movedTo: string | null;
  msToMoved: number;
  framesBeforeKill: number;
  framesAgain: number;
  msToPictureAgain: number;
  publishers: { before: number; a: number; b: number; lostOnA: number };
  republished: { afterMs: number; earlier: string[]; onSignal: boolean } | null;
  killedAt: string;
  stoppedAt: string;
  segments: Segment[];
  lost: Array<Segment & { reason: string }>;
}

describeWithServer('two app nodes and two Janus instances: a proctor on one node, the test-taker on the other, the Janus holding the room killed (in a network namespace)', NEEDS.available, NEEDS.reason, () => {
  let found: Findings;
  let releaseChromium: (() => void) | undefined;

  beforeAll(async () => {
    releaseChromium = await holdChromium();
    found = await runInNetns<Findings>(SCENARIO, [], { timeoutMs: 280_000, env: { TEST_DATABASE_URL: url } });
  }, 300_000);
  afterAll(() => releaseChromium?.());

  it('shows the proctor on node B the camera the test-taker publishes through node A (the publisher found in Janus, not in A\'s memory)', () => {
    expect(found.crossNodeFrames).toBeGreaterThan(10);
  });

  it('serves a watch held by node B through node A: its owner may change and end it there, nobody else may touch it', () => {
    expect(found.routed.feeds).toEqual(expect.arrayContaining(['camera:video']));
    expect(found.routed.qualityThroughA).toBe('ok');
    expect(found.routed.someoneElseThroughA).toBe('FORBIDDEN');
    expect(found.routed.stopThroughA).toBe('ok');
    expect(found.routed.qualityAfterStop).toBe('NOT_FOUND');
  });

  it('moves the room to the other Janus when its Janus dies, and the proctor sees the camera again', () => {
    expect(found.urls).toContain(found.placedOn);
    expect(found.movedTo).not.toBeNull();
    expect(found.movedTo).not.toBe(found.placedOn);
    expect(found.urls).toContain(found.movedTo);
    expect(found.framesAgain).toBeGreaterThan(found.framesBeforeKill + 30);
    // On the node's word (the `republish` signal), before the page's own connection failed.
    expect(found.republished?.onSignal, JSON.stringify(found.republished)).toBe(true);
    expect(found.publishers.a).toBeGreaterThanOrEqual(1); // node A holds the new publishers
    expect(found.publishers.b).toBe(0);
    // Node A cut every publisher it had (the camera, and the screen once it is up) when their Janus went away, and
    // told the page to publish each again.
    expect(found.publishers.before).toBeGreaterThanOrEqual(1);
    expect(found.publishers.lostOnA).toBe(found.publishers.before);
  });

  it('keeps the recording from before and after, with the time Janus was away left as a gap between them', () => {
    const killedAt = Date.parse(found.killedAt);
    const camera = found.segments.filter((s) => s.track === 'camera');
    const before = camera.filter((s) => Date.parse(s.start) < killedAt);
    const after = camera.filter((s) => Date.parse(s.start) > killedAt);
    expect(before.length, JSON.stringify(found.segments)).toBeGreaterThanOrEqual(1);
    expect(after.length, JSON.stringify(found.segments)).toBeGreaterThanOrEqual(2);
    const lastBefore = Math.max(...before.map((s) => Date.parse(s.start) + s.durationMs));
    const firstAfter = Math.min(...after.map((s) => Date.parse(s.start)));
    // The piece being written when Janus died is kept as far as it was written.
    expect(lastBefore).toBeGreaterThan(killedAt - 5_000);
    expect(lastBefore).toBeLessThanOrEqual(killedAt + 1_000);
    // The new publisher starts after the last piece of the old one ended: a gap, however short (the server tells the
    // page at once, so it is a fraction of a second to a few), never an overlap.
    expect(firstAfter).toBeGreaterThan(lastBefore);
    // The gap is said, with its cause: from when the node saw Janus gone to when the page published again.
    const gaps = found.lost.filter((l) => l.track === 'camera');
    expect(gaps, JSON.stringify(found.lost)).toHaveLength(1);
    expect(gaps[0].reason).toMatch(/media server \(Janus\).*went away/);
    expect(Date.parse(gaps[0].start)).toBeGreaterThanOrEqual(killedAt - 1_000);
    expect(Date.parse(gaps[0].start)).toBeLessThan(firstAfter);
    expect(Date.parse(gaps[0].start) + gaps[0].durationMs).toBeLessThanOrEqual(firstAfter + 1_000);
    // Numbered on without a hole: the segments and the gap together.
    expect([...camera, ...gaps].map((s) => s.seq).sort((x, y) => x - y)).toEqual([...camera, ...gaps].map((_, i) => i));
  });
});
