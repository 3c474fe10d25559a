import { describe, expect, it } from 'vitest';
import { DescriptorIndex } from './descriptor-index.js';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(7);
const face = () => Array.from({ length: 128 }, () => (rnd() - 0.5) * 0.2);
const near = (d: number[], spread: number) => d.map((x) => x + (rnd() - 0.5) * spread);
const rounded = (hits: Array<{ username: string; distance: number }>) => hits.map((h) => [h.username, Math.round(h.distance * 1e6)]);

describe('the in-memory 1:N index', () => {
  it('finds the profiles within the threshold, nearest first, like the full scan', () => {
    const index = new DescriptorIndex();
    const people = Array.from({ length: 3000 }, (_, i) => [`user${i}`, face()] as const);
    for (const [u, d] of people) index.upsert(u, d);
    const probe = near(people[42][1], 0.04);
    index.upsert('twin', near(probe, 0.05));
    for (const threshold of [0.3, 0.5, 0.7, 1.2]) {
      expect(rounded(index.search(probe, threshold, { limit: 5000 }))).toEqual(rounded(index.bruteForce(probe, threshold, { limit: 5000 })));
    }
    const hits = index.search(probe, 0.4);
    expect(hits.map((h) => h.username).sort()).toEqual(['twin', 'user42']);
    expect(hits[0].distance).toBeLessThanOrEqual(hits[1].distance);
    expect(index.search(probe, 0.4, { exclude: ['USER42'] }).map((h) => h.username)).toEqual(['twin']);
  });

  it('replaces, removes and keeps the newer version of a profile', () => {
    const index = new DescriptorIndex();
    const [x, y] = [face(), face()];
    index.upsert('ann', x, 10);
    index.upsert('bob', y, 11);
    index.upsert('ann', y, 5); // an older copy of ann arrives late
    expect(index.search(x, 0.01).map((h) => h.username)).toEqual(['ann']);
    index.remove('ann', 12);
    index.upsert('ann', x, 10); // a stale page from before the removal
    expect(index.size).toBe(1);
    expect(index.search(y, 0.01).map((h) => h.username)).toEqual(['bob']);
    index.upsert('ann', x, 13);
    expect(index.search(x, 0.01).map((h) => h.username)).toEqual(['ann']);
  });
});
