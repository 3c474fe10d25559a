import { describe, expect, it } from 'vitest';
import { segmentAt } from './playback.js';

describe('finding the recording at a timeline position', () => {
  const start = Date.parse('2026-03-01T09:00:00.000Z');
  const segments = [
    { track: 'camera', seq: 0, start: '2026-03-01T09:00:00.000Z', durationMs: 10_000 },
    { track: 'camera', seq: 1, start: '2026-03-01T09:00:10.000Z', durationMs: 10_000 },
    { track: 'screen', seq: 0, start: '2026-03-01T09:00:00.500Z', durationMs: 10_000 },
  ];
  it('finds the segment and the offset in it', () => {
    expect(segmentAt(segments, 'camera', start, 15 / 60)).toEqual({ segment: segments[1], offsetSeconds: 5 });
    expect(segmentAt(segments, 'screen', start, 5 / 60)).toEqual({ segment: segments[2], offsetSeconds: 4.5 });
  });
  it('finds nothing in a gap or past the end', () => {
    expect(segmentAt(segments, 'screen', start, 0.2 / 60)).toBeNull();
    expect(segmentAt(segments, 'camera', start, 1)).toBeNull();
  });
});
