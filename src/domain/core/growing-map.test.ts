import { describe, expect, it } from 'vitest';
import { GrowingMap } from './growing-map.js';

describe('a growing map', () => {
  it('leaves every earlier version as it was when a later one adds', () => {
    const v0 = GrowingMap.empty<string, number>();
    const v1 = v0.with('a', 1);
    const v2 = v1.with('b', 2);
    expect([v0.size, v1.size, v2.size]).toEqual([0, 1, 2]);
    expect([v0.has('a'), v1.get('a'), v1.has('b'), v2.get('b')]).toEqual([false, 1, false, 2]);
    expect(v2.toJSON()).toEqual([['a', 1], ['b', 2]]);
    expect(v1.toJSON()).toEqual([['a', 1]]);
  });

  it('keeps two versions made from the same one apart', () => {
    const base = GrowingMap.of<string, number>([['a', 1]]);
    const left = base.with('b', 2);
    const right = base.with('c', 3);
    const rightAgain = right.with('d', 4);
    expect(left.toJSON()).toEqual([['a', 1], ['b', 2]]);
    expect(right.toJSON()).toEqual([['a', 1], ['c', 3]]);
    expect(rightAgain.toJSON()).toEqual([['a', 1], ['c', 3], ['d', 4]]);
    expect([left.has('c'), right.has('b'), base.has('b'), base.has('c')]).toEqual([false, false, false, false]);
    // The left branch goes on growing on its own.
    expect(left.with('c', 30).toJSON()).toEqual([['a', 1], ['b', 2], ['c', 30]]);
  });

  it('gives the same result when the same entry is added twice to one version (a trial evolve, then the real one)', () => {
    const base = GrowingMap.of([['camera:1', { sha256: 'x', start: 't1' }]]);
    const trial = base.with('camera:2', { sha256: 'y', start: 't2' });
    const real = base.with('camera:2', { sha256: 'y', start: 't2' });
    expect(real.toJSON()).toEqual(trial.toJSON());
    const other = base.with('camera:2', { sha256: 'z', start: 't2' });
    expect(other.get('camera:2')).toEqual({ sha256: 'z', start: 't2' });
    expect(real.get('camera:2')).toEqual({ sha256: 'y', start: 't2' });
    expect(trial.with('camera:3', { sha256: 'w', start: 't3' }).size).toBe(3);
    expect(real.with('camera:3', { sha256: 'v', start: 't3' }).get('camera:3')?.sha256).toBe('v');
  });

  it('replaces a value in a new version only, keeping the entry where it was', () => {
    const v1 = GrowingMap.of([['a', 1], ['b', 2]]);
    const v2 = v1.with('a', 10);
    expect(v2.toJSON()).toEqual([['a', 10], ['b', 2]]);
    expect(v1.get('a')).toBe(1);
    expect(v2.with('c', 3).toJSON()).toEqual([['a', 10], ['b', 2], ['c', 3]]);
    expect(v1.with('a', 1)).toBe(v1);
  });

  it('lets each version see the value it was given when a key is set again and again', () => {
    const versions = [GrowingMap.of<string, { seats: number }>([['09:00', { seats: 0 }], ['10:00', { seats: 0 }]])];
    for (let i = 1; i <= 30; i++) versions.push(versions[i - 1].with(i % 2 ? '09:00' : '10:00', { seats: i }));
    expect(versions[30].toJSON()).toEqual([['09:00', { seats: 29 }], ['10:00', { seats: 30 }]]);
    expect(versions[7].get('09:00')).toEqual({ seats: 7 });
    expect(versions[7].get('10:00')).toEqual({ seats: 6 });
    expect(versions[0].values()).toEqual([{ seats: 0 }, { seats: 0 }]);
    // A change made again on an older version (a trial evolve, then the real one) gives the same; another one differs.
    expect(versions[7].with('10:00', { seats: 8 }).toJSON()).toEqual(versions[8].toJSON());
    expect(versions[7].with('10:00', { seats: 99 }).get('10:00')).toEqual({ seats: 99 });
    expect(versions[8].get('10:00')).toEqual({ seats: 8 });
    expect(versions[30].size).toBe(2);
  });

  it('adds thousands of entries, one version after another, without copying them each time', () => {
    let map = GrowingMap.empty<string, number>();
    const versions: Array<GrowingMap<string, number>> = [];
    for (let i = 0; i < 20_000; i++) {
      map = map.with(`camera:${i}`, i);
      if (i % 5_000 === 0) versions.push(map);
    }
    expect(map.size).toBe(20_000);
    expect(versions.map((v) => v.size)).toEqual([1, 5_001, 10_001, 15_001]);
    expect(versions[1].has('camera:5000')).toBe(true);
    expect(versions[1].has('camera:5001')).toBe(false);
    expect(map.keys().slice(-2)).toEqual(['camera:19998', 'camera:19999']);
  });
});
