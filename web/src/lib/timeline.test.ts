import { describe, expect, it } from 'vitest';
import { buildTimeline, minuteAt, minuteColor, nextViolation } from './timeline.js';

const start = '2026-03-01T09:00:00.000Z';
const min = (m: number, s = 0) => new Date(Date.parse(start) + m * 60_000 + s * 1000).toISOString();

describe('the protocol timeline', () => {
  const model = buildTimeline({
    startedAt: start,
    stoppedAt: min(6),
    duration: 60,
    minutes: [
      { minute: 0, total: 0, values: [{ code: 'c2', value: 0 }] },
      { minute: 2, total: 80, values: [{ code: 'c2', value: 60 }, { code: 'b2', value: 20 }] },
      { minute: 4, total: 30, values: [{ code: 'm2', value: 30 }] },
      { minute: 5, total: 100, values: [{ code: 'c3', value: 100 }] },
    ],
    entries: [
      { seq: 3, kind: 'face', type: 'FaceChecked', at: min(0, 30), data: { result: 'green' } },
      { seq: 7, kind: 'message', type: 'MessageSent', at: min(2, 15), data: { from: 'proctor1', text: 'Eyes up', incident: true } },
      { seq: 9, kind: 'note', type: 'NoteAdded', at: min(3), data: { text: 'Looked left' } },
      { seq: 10, kind: 'state', type: 'SessionPaused', at: min(3), data: {} },
    ],
    segments: [
      { track: 'camera', start: min(0), durationMs: 120_000 },
      { track: 'camera', start: min(3), durationMs: 180_000 },
    ],
  });

  it('has one column per minute of the session, green to red by the sum of its metrics', () => {
    expect(model.minuteCount).toBe(6);
    expect(model.minutes.map((m) => m.total)).toEqual([0, 0, 80, 0, 30, 100]);
    expect(model.minutes.map((m) => m.red)).toEqual([false, false, true, false, false, true]);
    expect(minuteColor(0)).toBe('hsl(120, 70%, 42%)');
    expect(minuteColor(100)).toBe('hsl(0, 70%, 42%)');
    expect(minuteColor(250)).toBe('hsl(0, 70%, 42%)');
    expect(model.minutes[2].values).toEqual([{ code: 'c2', value: 60 }, { code: 'b2', value: 20 }]);
  });

  it('places face photos, chat messages (incidents in red) and notes at their moments', () => {
    expect(model.markers.map((m) => [m.kind, m.at, m.color])).toEqual([
      ['face', 0.5, '#2e7d32'],
      ['incident', 2.25, '#c62828'],
      ['note', 3, '#6f42c1'],
    ]);
  });

  it('shows recorded segments and the gaps between them', () => {
    expect(model.tracks[0]).toEqual({ track: 'camera', segments: [{ from: 0, to: 2 }, { from: 3, to: 6 }], gaps: [{ from: 2, to: 3 }] });
    expect(model.tracks[1]).toEqual({ track: 'screen', segments: [], gaps: [{ from: 0, to: 6 }] });
  });

  it('jumps to the next red minute', () => {
    expect(nextViolation(model, 0)).toBe(2);
    expect(nextViolation(model, 2.5)).toBe(5);
    expect(nextViolation(model, 5)).toBeNull();
  });

  it('turns a click into a session minute', () => {
    expect(minuteAt(300, 600, 6)).toBe(3);
    expect(minuteAt(-5, 600, 6)).toBe(0);
    expect(minuteAt(900, 600, 6)).toBe(6);
  });
});
