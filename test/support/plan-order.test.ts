import { describe, expect, it } from 'vitest';
import { planOrder } from './plan-order.js';

/** Runs `order` as Vitest's pool does: each worker takes the next file when it gets free; exclusive files wait for the lock. */
function replay(order: string[], workers: number, ms: Record<string, number>, exclusive: Set<string>) {
  const freeAt = Array.from({ length: workers }, () => 0);
  let lockFreeAt = 0;
  let waited = 0;
  for (const file of order) {
    const w = freeAt.indexOf(Math.min(...freeAt));
    let start = freeAt[w];
    if (exclusive.has(file)) {
      waited += Math.max(0, lockFreeAt - start);
      start = Math.max(start, lockFreeAt);
      lockFreeAt = start + ms[file];
    }
    freeAt[w] = start + ms[file];
  }
  return { end: Math.max(...freeAt), waited };
}

describe('the test files\' order', () => {
  it('keeps one worker on the Chromium files, one after another, while the other runs the rest: no wait, no idle lock', () => {
    const ms: Record<string, number> = { m1: 75, m2: 60, m3: 40, m4: 10, o1: 50, o2: 40, o3: 30, o4: 30, o5: 20, o6: 10, o7: 5 };
    const media = ['m1', 'm2', 'm3', 'm4'];
    const others = ['o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7'];
    const order = planOrder(media, others, 2, (f) => ms[f]);
    expect([...order].sort()).toEqual([...media, ...others].sort());
    const planned = replay(order, 2, ms, new Set(media));
    expect(planned.waited).toBe(0);
    // 185 ms of Chromium files and 185 of others: two workers end together.
    expect(planned.end).toBe(185);
    // Spread evenly instead (one Chromium file every other file), as before: waits, and a longer run.
    const spread = ['m1', 'o1', 'm2', 'o2', 'm3', 'o3', 'm4', 'o4', 'o5', 'o6', 'o7'];
    const before = replay(spread, 2, ms, new Set(media));
    expect(before.waited).toBeGreaterThan(0);
    expect(before.end).toBeGreaterThan(planned.end);
  });

  it('lets the other worker take a Chromium file, and wait, only when nothing else is left', () => {
    const ms: Record<string, number> = { m1: 50, m2: 50, o1: 10 };
    const order = planOrder(['m1', 'm2'], ['o1'], 2, (f) => ms[f]);
    expect(order).toEqual(['m1', 'o1', 'm2']);
  });
});
