import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HAS_CHROMIUM, holdChromium, NO_CHROMIUM_REASON } from '../support/browser.js';
import { canUnshare, runInNetns } from '../support/netns.js';
import { describeWithServer } from '../support/servers.js';

const SCENARIO = fileURLToPath(new URL('./janus/scenario.ts', import.meta.url));
const HAS_JANUS = existsSync('/usr/bin/janus') && existsSync('/usr/bin/janus-pp-rec');
const HAS_FFPROBE = existsSync('/usr/bin/ffprobe');
const CAN_UNSHARE = canUnshare();
const REASON = [
  !HAS_JANUS && 'no Janus (apt-get install janus janus-tools)',
  !HAS_CHROMIUM && NO_CHROMIUM_REASON,
  !HAS_FFPROBE && 'no ffprobe (apt-get install ffmpeg)',
  !CAN_UNSHARE && 'cannot make a network namespace (unshare -n needs root; Janus gathers no ICE candidates on loopback)',
].filter(Boolean).join('; ');

interface Segment {
  track: string;
  seq: number;
  start: string;
  durationMs: number;
  size: number;
  sha256: string;
  status: number;
  bodySha256: string;
  streams: string[];
}

interface Findings {
  engine: string;
  framesSeen: number[];
  tileWidth: number;
  activeWidth: number;
  activeAudioTracks: number;
  activeMuted: boolean;
  watchdogRaised: string[];
  n3: number;
  session: { startedAt: string; stoppedAt: string };
  recycledAt: string;
  keyframesAsked: number;
  segments: Segment[];
  protocolPlays: boolean;
  afterEnd: {
    publishersBefore: number;
    publishers: number;
    msToNoPublishers: number;
    unpublishBlocked: number;
    capture: { recording: number; live: number; waiting: number; asked: number; connected: number };
  };
}

describeWithServer('live video and recordings through Janus (janus mode, in a network namespace of its own)', HAS_JANUS && HAS_CHROMIUM && HAS_FFPROBE && CAN_UNSHARE, REASON, () => {
  let found: Findings;
  let releaseChromium: (() => void) | undefined;

  beforeAll(async () => {
    releaseChromium = await holdChromium();
    // Janus, the API server and Chromium run in the scenario's own namespace (lo + a veth pair in 198.18.0.0/24).
    try {
      found = await runInNetns<Findings>(SCENARIO, [], { timeoutMs: 200_000 });
    } catch (error) {
      // Seen once in six runs: the scenario died before reporting anything (no JSON, no output). Such a crash of the
      // harness gets one more run, said loudly; a scenario that reports and fails an assertion never does.
      if (!/without a JSON result/.test((error as Error).message)) throw error;
      console.warn(`janus scenario crashed without a result, running it once more: ${(error as Error).message}`);
      found = await runInNetns<Findings>(SCENARIO, [], { timeoutMs: 200_000 });
    }
  }, 420_000);

  afterAll(() => releaseChromium?.());

  it('tells the web client that the engine is janus', () => {
    expect(found.engine).toBe('janus');
  });

  it('shows the proctor the participant\'s live camera through Janus (frames decoded, read from getStats)', () => {
    expect(found.framesSeen[0]).toBeGreaterThan(10);
    for (let i = 1; i < found.framesSeen.length; i++) expect(found.framesSeen[i]).toBeGreaterThanOrEqual(found.framesSeen[i - 1]);
    expect(found.framesSeen.at(-1)!).toBeGreaterThan(found.framesSeen[0] + 100); // it kept coming for the whole exam
  });

  it('sends a tile the small simulcast layer and the active tile the full camera with its sound', () => {
    expect(found.tileWidth).toBe(320);
    expect(found.activeWidth).toBe(640);
    expect(found.activeAudioTracks).toBe(1);
    expect(found.activeMuted).toBe(false);
  });

  it('records camera+microphone and screen on the server in segments that cover the session, each playable and hashed as its event says', () => {
    const stopped = Date.parse(found.session.stoppedAt);
    const started = Date.parse(found.session.startedAt);
    for (const track of ['camera', 'screen']) {
      const segs = found.segments.filter((s) => s.track === track);
      expect(segs.length, track).toBeGreaterThanOrEqual(3);
      // Numbered in order from 0. One number may be missing, and only the piece the scenario's extra cycle cut to
      // ~150 ms: on a busy machine its first keyframe can come later than that, and a piece without a picture is
      // recorded lost (with why). The segment after it is the one that cycle started; the gap check below still holds
      // the time covered to within a second.
      const seqs = segs.map((s) => s.seq);
      expect(seqs[0], track).toBe(0);
      const skips = seqs.flatMap((q, i) => (i > 0 && q !== seqs[i - 1] + 1 ? [i] : []));
      const at = `${track}: ${JSON.stringify(segs.map((s) => [s.seq, s.start, s.durationMs]))}, cycled again at ${found.recycledAt}`;
      expect(skips.length, at).toBeLessThanOrEqual(1);
      for (const i of skips) {
        expect(seqs[i], at).toBe(seqs[i - 1] + 2);
        expect(Date.parse(segs[i].start) - Date.parse(found.recycledAt), at).toBeGreaterThanOrEqual(-100);
        expect(Date.parse(segs[i].start) - Date.parse(found.recycledAt), at).toBeLessThan(1500);
      }
      // From the first packet (the page needs a moment to publish) to the end, without holes.
      expect(Date.parse(segs[0].start) - started, `${track} starts late`).toBeLessThan(8000);
      const last = segs.at(-1)!;
      expect(Date.parse(last.start) + last.durationMs, `${track} ends early`).toBeGreaterThanOrEqual(stopped - 3000);
      for (let i = 1; i < segs.length; i++) {
        const gap = Date.parse(segs[i].start) - (Date.parse(segs[i - 1].start) + segs[i - 1].durationMs);
        expect(gap, `${track} ${i} in ${JSON.stringify(segs.map((s) => [s.seq, s.start, s.durationMs, s.size]))}`).toBeLessThan(1000);
      }
      for (const s of segs) {
        expect(s.status).toBe(200);
        expect(s.bodySha256).toBe(s.sha256);
        expect(s.streams.some((x) => x.startsWith('video:vp8')), `${track} ${s.seq}: ${s.streams}`).toBe(true);
        if (track === 'camera') expect(s.streams.some((x) => x.startsWith('audio:opus')), `camera ${s.seq}: ${s.streams}`).toBe(true);
      }
    }
  });

  it('gives a recording started right after another keyframe request its picture at once (the browser drops a second request within 300 ms)', () => {
    const asked = Date.parse(found.recycledAt);
    for (const track of ['camera', 'screen']) {
      const segs = found.segments.filter((s) => s.track === track);
      // The piece the scenario's cycle started runs until the next cycle, ~10 s: stored, and starting within a second.
      const piece = segs.find((s) => Date.parse(s.start) >= asked && Date.parse(s.start) < asked + 1500);
      expect(piece, `${track}: ${JSON.stringify(segs.map((s) => [s.seq, s.start, s.durationMs]))}, cycled at ${found.recycledAt}`).toBeDefined();
      expect(piece!.durationMs).toBeGreaterThan(7000);
    }
  });

  it('stops recording on the server the moment the session ends, while the test-taker\'s page does nothing', () => {
    expect(found.afterEnd.publishersBefore).toBe(2);
    expect(found.afterEnd.publishers).toBe(0);
    expect(found.afterEnd.msToNoPublishers).toBeLessThan(3000);
    const stopped = Date.parse(found.session.stoppedAt);
    for (const s of found.segments) expect(Date.parse(s.start), `${s.track} ${s.seq} starts after the end`).toBeLessThanOrEqual(stopped);
  });

  it('stops the page\'s camera, microphone, screen and connections when the proctor ends the session', () => {
    expect(found.afterEnd.capture).toMatchObject({ live: 0, connected: 0, waiting: 0 });
  });

  it('keeps the recording watchdog quiet (no n3) while the server records', () => {
    expect(found.watchdogRaised).toEqual([]);
    expect(found.n3).toBe(0);
  });

  it('plays the server\'s recording on the protocol page', () => {
    expect(found.protocolPlays).toBe(true);
  });
});
