import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { beginsCluster, holdsFrames } from './webm-frames.js';

const recorded = readFileSync(new URL('../../../../test/fixtures/webm/live-2s.webm', import.meta.url));
const firstCluster = recorded.indexOf(Buffer.from([0x1f, 0x43, 0xb6, 0x75]));

describe('whether a recorded segment holds any frame', () => {
  it('finds the frames of a recorder\'s segment', async () => {
    expect(firstCluster).toBeGreaterThan(0);
    expect(await holdsFrames(new Blob([recorded]))).toBe(true);
  });

  it('finds none in a header alone, as a recorder stopped before its first frame hands over', async () => {
    const header = recorded.subarray(0, firstCluster);
    expect(await holdsFrames(new Blob([header]))).toBe(false);
    expect(await holdsFrames(new Blob([header, new Uint8Array(40)]))).toBe(false);
    expect(await holdsFrames(new Blob([]))).toBe(false);
  });

  it('finds a cluster that begins at the very end of what it reads', () => {
    expect(beginsCluster(recorded.subarray(0, firstCluster + 4))).toBe(true);
    expect(beginsCluster(recorded.subarray(0, firstCluster + 3))).toBe(false);
  });
});
