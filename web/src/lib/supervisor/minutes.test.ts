import { describe, expect, it } from 'vitest';
import { MinuteAggregator, started } from './minutes.js';

describe('per-minute metric values', () => {
  it('is the share of one-second samples in violation, per minute from the start', () => {
    const agg = new MinuteAggregator(0, ['b2', 'c1']);
    const done = [];
    for (let s = 0; s < 130; s++) {
      const r = agg.add({ b2: s % 4 === 0, c1: s >= 60 && s < 90 }, s * 1000 + 500);
      if (r) done.push(r);
    }
    done.push(agg.flush());
    expect(done).toEqual([
      { minute: 0, values: { b2: 25, c1: 0 } },
      { minute: 1, values: { b2: 25, c1: 50 } },
      { minute: 2, values: { b2: 30, c1: 0 } },
    ]);
    expect(agg.flush()).toBeNull();
  });

  it('keeps counting minutes from the session start after a reload', () => {
    const agg = new MinuteAggregator(1_000_000, ['m1']);
    expect(agg.minuteOf(1_000_000 + 5 * 60_000 + 1)).toBe(5);
    expect(agg.minuteOf(0)).toBe(0);
  });

  it('reports a violation when it starts, not while it lasts', () => {
    expect(started({ b2: false, c1: true }, { b2: true, c1: true })).toEqual(['b2']);
    expect(started({ b2: true }, { b2: true })).toEqual([]);
  });
});
