import { describe, expect, it } from 'vitest';
import {
  evictable, followerAction, hasDataAt, holeAhead, leaderRate, mediaOf, nearestFrame, minutesOf, planPlayback, resumeAt, runsOut, segmentAt, segmentsAhead, stillMs, stretchAt,
} from './playback.js';

const start = Date.parse('2026-03-01T09:00:00.000Z');
const at = (seconds: number) => new Date(start + seconds * 1000).toISOString();

describe('planning the playback of a session’s segments', () => {
  // Camera: 2 s pieces from 1 s to 9 s, then from 40 s to 44 s. Screen: from 1.3 s, one piece overlapping the next.
  // Phone: only from 20 s to 30 s. Nothing at all from 9 s to 20 s and from 30 s to 40 s.
  const segments = [
    ...[1, 3, 5, 7].map((s, i) => ({ track: 'camera', seq: i, start: at(s), durationMs: 2000 })),
    ...[40, 42].map((s, i) => ({ track: 'camera', seq: 10 + i, start: at(s), durationMs: 2000 })),
    { track: 'screen', seq: 0, start: at(1.3), durationMs: 4000 },
    { track: 'screen', seq: 1, start: at(5), durationMs: 3800 },
    { track: 'mobile', seq: 0, start: at(20), durationMs: 10_000 },
  ];
  const plan = planPlayback(segments, start);

  it('puts every track on one timeline from the session start, the camera leading', () => {
    expect(plan.originMs).toBe(start);
    expect(plan.tracks).toEqual(['camera', 'screen', 'mobile']);
    expect(plan.segments.screen.map((s) => [s.from, s.to])).toEqual([[1.3, 5.3], [5, 8.8]]);
    expect(mediaOf(plan, 0.5)).toBe(30);
    expect(minutesOf(plan, 30)).toBe(0.5);
  });

  it('stops a segment’s frames where the next one of its track starts', () => {
    expect(plan.segments.screen.map((s) => s.windowEnd)).toEqual([5, Infinity]);
    expect(plan.segments.camera[0].windowEnd).toBe(3);
  });

  it('finds the stretches where anything is recorded and the gaps between them', () => {
    expect(plan.stretches).toEqual([{ from: 1, to: 9 }, { from: 20, to: 30 }, { from: 40, to: 44 }]);
    expect(plan.gaps).toEqual([{ from: 9, to: 20 }, { from: 30, to: 40 }]);
    expect(plan.end).toBe(44);
    expect(stretchAt(plan, 25)).toEqual({ from: 20, to: 30 });
    expect(stretchAt(plan, 9)).toBeNull();
  });

  it('plays through holes shorter than a second (a recorder restarting), not longer ones', () => {
    const p = planPlayback([{ track: 'camera', seq: 0, start: at(0), durationMs: 1000 }, { track: 'camera', seq: 1, start: at(1.6), durationMs: 1000 }, { track: 'camera', seq: 2, start: at(3.7), durationMs: 1000 }], start);
    expect(p.stretches).toEqual([{ from: 0, to: 2.6 }, { from: 3.7, to: 4.7 }]);
  });

  it('starts playback where the recording is: at once inside a stretch, else at the next one, never past the end', () => {
    expect(resumeAt(plan, 0)).toBe(1);
    expect(resumeAt(plan, 4)).toBe(4);
    expect(resumeAt(plan, 12)).toBe(20);
    expect(resumeAt(plan, 44)).toBeNull();
  });

  it('puts the timeline on the first segment when it began before the session start', () => {
    const early = planPlayback([{ track: 'camera', seq: 0, start: at(-2), durationMs: 4000 }], start);
    expect(early.originMs).toBe(start - 2000);
    expect(mediaOf(early, 0)).toBe(2);
    expect(early.stretches).toEqual([{ from: 0, to: 4 }]);
  });

  it('loads the segment playing and those starting within the time ahead; drops those long played or far ahead', () => {
    const camera = plan.segments.camera;
    expect(segmentAt(camera, 4)?.seq).toBe(1);
    expect(segmentAt(camera, 20)).toBeNull();
    expect(segmentsAhead(camera, 4, 4).map((s) => s.seq)).toEqual([1, 2, 3]);
    expect(segmentsAhead(camera, 30, 15).map((s) => s.seq)).toEqual([10, 11]);
    expect(evictable(camera, new Set([0, 1, 2, 3, 10, 11]), 25, 4).map((s) => s.seq)).toEqual([0, 1, 2, 3, 10, 11]);
    expect(evictable(camera, new Set([0, 1, 2, 3]), 8, 15).map((s) => s.seq)).toEqual([]);
  });

  it('ignores segments without a time or a length', () => {
    expect(planPlayback([{ track: 'camera', seq: 0, start: 'then', durationMs: 1000 }, { track: 'screen', seq: 0, start: at(0), durationMs: 0 }], start).tracks).toEqual([]);
  });
});

describe('keeping a following track in step', () => {
  it('leaves a track less than 20 ms off alone', () => expect(followerAction(0.01, 4)).toEqual({ seek: false, playbackRate: 4 }));
  it('steers a track a little behind faster and one a little ahead slower', () => {
    expect(followerAction(-0.2, 1)).toEqual({ seek: false, playbackRate: 1.2 });
    expect(followerAction(0.25, 4)).toEqual({ seek: false, playbackRate: 3 });
    expect(followerAction(-0.5, 2)).toEqual({ seek: false, playbackRate: 3 });
  });
  it('moves a track more than half a second off at once', () => expect(followerAction(-0.8, 2)).toEqual({ seek: true }));
  it('slows the leader while a follower is more than 0.08 s behind, by the lag and at most a quarter', () => {
    expect(leaderRate([0.05, -0.3], 4)).toBe(4);
    expect(leaderRate([0.2], 4)).toBeCloseTo(3.2);
    expect(leaderRate([0.45, 0.1], 1)).toBeCloseTo(0.75);
    // Farther off, the follower is moved (a seek), and the leader goes on at its rate.
    expect(leaderRate([0.8], 2)).toBe(2);
  });
  it('waits for a track standing still sooner at higher rates: 0.04 s of media, at most 40 ms', () => {
    expect([1, 2, 4].map(stillMs)).toEqual([40, 20, 10]);
  });
});

describe('the buffered data of one track', () => {
  const ranges = [[0, 10], [10.4, 20], [25, 30]] as const;
  it('has data where a range holds the moment and a little after it', () => {
    expect(hasDataAt(ranges, 5)).toBe(true);
    expect(hasDataAt(ranges, 9.99)).toBe(false);
    expect(hasDataAt(ranges, 22)).toBe(false);
  });
  it('runs out where its data ends before a hole or its last segment, not where the next segment follows on', () => {
    const list = [
      { track: 'camera', seq: 0, from: 0, to: 10, windowEnd: 10 },
      { track: 'camera', seq: 1, from: 10, to: 20, windowEnd: 25 },
      { track: 'camera', seq: 2, from: 25, to: 30, windowEnd: Infinity },
    ];
    expect(runsOut([[0, 10]], list, 9.5)).toBe(false); // segment 1 follows on: it is still to come
    expect(runsOut([[0, 20]], list, 19)).toBe(true); // a hole from 20 to 25
    expect(runsOut([[0, 19.4]], list, 19)).toBe(true); // its frames stop before its stated end
    expect(runsOut([[0, 20]], list, 15)).toBe(false); // data for a while yet
    expect(runsOut([[25, 30]], list, 29.5)).toBe(true); // the last one
  });
  it('jumps a short hole just before playback runs into it, not a long one or from afar', () => {
    expect(holeAhead(ranges, 9.9, 0.2)).toBe(10.4);
    expect(holeAhead(ranges, 9, 0.2)).toBeNull();
    expect(holeAhead(ranges, 19.9, 0.2)).toBeNull();
  });
  it('shows a paused moment its segment has no frame for by that segment\'s nearest frame', () => {
    // A screen that did not change: its segment 23.25–33.25 has frames until 27.88 only; the picture then is still on.
    const screen: Array<[number, number]> = [[23.25, 27.88], [33.27, 38.66]];
    expect(nearestFrame(screen, 30, { from: 23.25, to: 33.25 })).toBeCloseTo(27.84);
    // A segment whose first frame came a little after its stated start.
    const late: Array<[number, number]> = [[0, 29.93], [30.05, 40]];
    expect(nearestFrame(late, 30, { from: 29.95, to: 40 })).toBeCloseTo(30.051);
    expect(nearestFrame(late, 12, { from: 0, to: 29.95 })).toBeNull(); // there is data here
    expect(nearestFrame([[0, 20], [25, 30]], 22, { from: 21, to: 24 })).toBeNull(); // its segment has no frame at all
  });
});
