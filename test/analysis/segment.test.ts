import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecondFindings } from '../../src/domain/session/events.js';
import { analyseSegment } from '../../src/media/analysis/segment.js';
import { UndecodableSegmentError } from '../../src/media/analysis/ffmpeg.js';
import { DEFAULT_MATCH_THRESHOLD } from '../../src/media/faces/judge.js';
import { FaceAnalysisPool } from '../../src/media/faces/pool.js';
import { makeClip, pictures, type ClipSpec } from './clips.js';

// Prepared clips of 6 s (a frozen span is 5 s), made with ffmpeg as the browser's recorder would, through the real
// analysis: ffmpeg decoding, face-api in a worker thread, the picture and sound measures.
describe('analysing a recorded camera segment', () => {
  const pool = new FaceAnalysisPool({ threads: 1 });
  let reference: number[];
  const analyse = async (spec: ClipSpec, faces = true) =>
    analyseSegment(await makeClip({ seconds: 6, ...spec }), { analyzer: pool, reference, threshold: DEFAULT_MATCH_THRESHOLD, faces });
  const count = (seconds: readonly SecondFindings[], test: (f: SecondFindings) => boolean) => seconds.filter(test).length;

  beforeAll(async () => {
    const { faces } = await pool.analyze(await pictures.face());
    reference = faces[0].descriptor;
  }, 60_000);
  afterAll(() => pool.close());

  it('sees the test-taker alone, matching the reference, and hears the voices', async () => {
    const { seconds, frames } = await analyse({ picture: await pictures.face(), sound: 'loud' });
    expect(frames).toBe(6);
    expect(seconds).toHaveLength(6);
    expect(count(seconds, (f) => f.faces === 1 && f.distance !== null && !f.stranger)).toBeGreaterThanOrEqual(5);
    expect(count(seconds, (f) => f.dark || f.frozen)).toBe(0);
    expect(count(seconds, (f) => f.loud && (f.db ?? -200) > -35)).toBe(6);
  }, 120_000);

  it('sees two faces', async () => {
    const { seconds } = await analyse({ picture: await pictures.twoFaces() });
    expect(count(seconds, (f) => f.faces === 2)).toBeGreaterThanOrEqual(5);
    expect(count(seconds, (f) => f.loud)).toBe(0);
  }, 120_000);

  it('sees nobody in an empty room, and no sound where the segment has none', async () => {
    const { seconds } = await analyse({ picture: await pictures.noFace(), sound: 'none' });
    expect(count(seconds, (f) => f.faces === 0 && !f.dark)).toBe(6);
    expect(seconds.every((f) => f.db === null && !f.loud)).toBe(true);
  }, 120_000);

  it('sees another person than the profile’s', async () => {
    const { seconds } = await analyse({ picture: await pictures.stranger() });
    expect(count(seconds, (f) => f.faces === 1 && f.stranger)).toBeGreaterThanOrEqual(5);
  }, 120_000);

  it('sees a covered camera as dark, with no face', async () => {
    const { seconds } = await analyse({ picture: 'black' });
    expect(seconds.every((f) => f.dark && f.faces === 0)).toBe(true);
  }, 120_000);

  it('sees a still image as frozen', async () => {
    // The encoder's first frames still change (its quality ramps up): 8 s leave a still span of at least 5.
    const { seconds } = await analyse({ picture: await pictures.face(), noise: false, seconds: 8 });
    expect(count(seconds, (f) => f.frozen)).toBeGreaterThanOrEqual(5);
    expect(seconds.at(-1)).toMatchObject({ frozen: true, faces: 1 });
  }, 120_000);

  it('asks face-api once for a run of identical pictures, and gives each of its seconds the same faces', async () => {
    let looks = 0;
    const counting = { analyze: (image: Uint8Array) => ((looks += 1), pool.analyze(image)) };
    const clip = await makeClip({ seconds: 8, picture: await pictures.face(), noise: false });
    const { seconds } = await analyseSegment(clip, { analyzer: counting, reference, threshold: DEFAULT_MATCH_THRESHOLD, faces: true });
    expect(seconds.every((f) => f.faces === 1 && f.distance !== null)).toBe(true);
    // The encoder's first frames still change; the still span after them costs one look, not one a second.
    expect(looks).toBeLessThanOrEqual(seconds.length - 4);
  }, 120_000);

  it('looks at a screen segment without looking for faces', async () => {
    const { seconds } = await analyse({ picture: await pictures.face() }, false);
    expect(seconds.every((f) => f.faces === null && f.distance === null)).toBe(true);
  }, 120_000);

  it('says so, in words, when the segment is not a video', async () => {
    await expect(analyseSegment(Buffer.from('not a video at all'), { analyzer: pool, reference, threshold: 0.5, faces: true })).rejects.toThrow(UndecodableSegmentError);
  });
});
