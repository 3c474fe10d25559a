import { describe, expect, it } from 'vitest';
import { RecentMap } from './recent-map.js';

describe('a cache of the most recently used entries', () => {
  it('forgets the least recently used entry past its capacity', () => {
    // Given a cache of two with a, b, and a used again
    const map = new RecentMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.get('a');
    // When a third is added
    map.set('c', 3);
    // Then b, the least recently used, is gone
    expect([map.get('a'), map.get('b'), map.get('c'), map.size]).toEqual([1, undefined, 3, 2]);
  });

  it('bounded by weight, forgets as many old entries as a heavy new one needs, and keeps count when entries change', () => {
    // Given a cache of weight 10 holding three entries of weight 3
    const map = new RecentMap<string, { w: number }>(10, (v) => v.w);
    for (const k of ['a', 'b', 'c']) map.set(k, { w: 3 });
    // When b grows to 5, then d of weight 6 comes
    map.set('b', { w: 5 }); // a 3 + c 3 + b 5 = 11: a goes
    expect(map.get('a')).toBeUndefined();
    map.set('d', { w: 6 }); // c 3 + b 5 + d 6 = 14: c and b go
    // Then only d is left, and what was deleted no longer counts
    expect([map.get('b'), map.get('c'), map.get('d'), map.size]).toEqual([undefined, undefined, { w: 6 }, 1]);
    map.delete('d');
    for (const k of ['e', 'f', 'g']) map.set(k, { w: 3 });
    expect(map.size).toBe(3);
  });

  it('keeps one entry heavier than its whole capacity rather than nothing', () => {
    const map = new RecentMap<string, { w: number }>(10, (v) => v.w);
    map.set('a', { w: 2 });
    map.set('huge', { w: 50 });
    expect([map.get('a'), map.get('huge')?.w, map.size]).toEqual([undefined, 50, 1]);
  });
});
