import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkWebm, durationMismatch, WebmChecker } from './webm.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/webm/${name}`, import.meta.url));

describe('checking a WebM segment before it is stored', () => {
  it('accepts a file ffmpeg wrote, with its tracks, frames and duration', () => {
    const verdict = checkWebm(fixture('seekable-2s.webm'));
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.facts).toMatchObject({ docType: 'webm', tracks: 2 });
    expect(verdict.facts.frames).toBeGreaterThan(20);
    expect(verdict.facts.declaredDurationMs).toBeGreaterThan(1900);
    expect(verdict.facts.spanMs).toBeGreaterThan(1800);
    expect(verdict.facts.spanMs).toBeLessThanOrEqual(2100);
  });

  it('accepts a live file of unknown-size Segment and Clusters, as MediaRecorder writes', () => {
    for (const name of ['live-2s.webm', 'live-video-only-2s.webm']) {
      const verdict = checkWebm(fixture(name));
      expect(verdict.ok, name).toBe(true);
      if (verdict.ok) expect(verdict.facts.declaredDurationMs, name).toBeNull();
    }
  });

  it('gives the same verdict whatever the chunks the upload arrives in', () => {
    const data = fixture('live-2s.webm');
    for (const size of [1, 7, 100, 4096]) {
      const checker = new WebmChecker();
      for (let i = 0; i < data.length; i += size) checker.push(data.subarray(i, i + size));
      expect(checker.finish()).toEqual(checkWebm(data));
    }
  });

  it('refuses a file cut short anywhere, as a stalled recorder leaves it', () => {
    for (const name of ['seekable-2s.webm', 'live-2s.webm']) {
      const data = fixture(name);
      for (const cut of [10, 36, 200, Math.floor(data.length / 2), data.length - 3]) {
        const verdict = checkWebm(data.subarray(0, cut));
        expect(verdict.ok, `${name} cut at ${cut}`).toBe(false);
      }
    }
  });

  it('refuses a zero where an element should start, with its position (what ffprobe reported on CI)', () => {
    const data = Buffer.from(fixture('live-2s.webm'));
    data.fill(0, 36, 60);
    const verdict = checkWebm(data);
    expect(verdict).toEqual({ ok: false, reason: expect.stringMatching(/0x00 at byte \d+ cannot start/) });
  });

  it('refuses what is not WebM at all, and a WebM with no frame', () => {
    expect(checkWebm(Buffer.from('GIF89a not a video')).ok).toBe(false);
    expect(checkWebm(Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.from('a'.repeat(100))])).ok).toBe(false);
    const headerOnly = fixture('live-2s.webm');
    // EBML header and the start of the Segment up to its first Cluster: tracks, but no frame.
    const firstCluster = headerOnly.indexOf(Buffer.from([0x1f, 0x43, 0xb6, 0x75]));
    const verdict = checkWebm(headerOnly.subarray(0, firstCluster));
    expect(verdict).toEqual({ ok: false, reason: 'no frame in the file' });
  });

  it('says when the media does not fit the duration declared', () => {
    const verdict = checkWebm(fixture('seekable-2s.webm'));
    if (!verdict.ok) throw new Error(verdict.reason);
    expect(durationMismatch(verdict.facts, 2000)).toBeNull();
    // Shorter media is normal (a still screen sends no frames): only media running past the declared time is wrong.
    expect(durationMismatch(verdict.facts, 10_000)).toBeNull();
    expect(durationMismatch(verdict.facts, 200)).toMatch(/more than the 200 ms declared/);
    expect(durationMismatch({ ...verdict.facts, spanMs: 100 }, 200)).toMatch(/says it lasts 20\d\d ms, more than the 200 ms declared/);
  });
});
