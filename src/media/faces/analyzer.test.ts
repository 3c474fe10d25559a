import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { mirrored, photo, recropped, sideBySide, truncated } from '../../../test/faces/photos.js';
import { createFaceAnalyzer, faceDistance, ImageDecodeError, loadFaceModels, type FaceAnalysis } from './analyzer.js';

// Face analysis is CPU-bound: on two cores shared with the browser tests a check can take seconds.
vi.setConfig({ testTimeout: 120_000 });

const analyzer = createFaceAnalyzer();
const one = async (image: Buffer) => {
  const r: FaceAnalysis = await analyzer.analyze(image);
  expect(r.faces).toHaveLength(1);
  return r.faces[0].descriptor;
};

beforeAll(async () => {
  await loadFaceModels();
});

describe('when a photo shows one face', () => {
  it('finds it with the fast detector and describes it with 128 numbers', async () => {
    const r = await analyzer.analyze(photo.a);
    expect(r).toMatchObject({ width: 640, height: 480, detector: 'tiny' });
    expect(r.faces).toHaveLength(1);
    expect(r.faces[0].descriptor).toHaveLength(128);
    expect(r.faces[0].box.width).toBeGreaterThan(100);
  });

  it('gives the same person a near descriptor in another image, and other people far ones', async () => {
    const [a, aMirror, aCrop, b, c] = await Promise.all([one(photo.a), one(await mirrored(photo.a)), one(await recropped(photo.a)), one(photo.b), one(photo.c)]);
    expect(faceDistance(a, aMirror)).toBeLessThan(0.4);
    expect(faceDistance(a, aCrop)).toBeLessThan(0.4);
    for (const other of [b, c]) expect(faceDistance(a, other)).toBeGreaterThan(0.6);
    expect(faceDistance(b, c)).toBeGreaterThan(0.6);
  });
});

describe('when a photo has no face or several', () => {
  it('finds none in a wall and a curtain, after trying the slower detector too', async () => {
    const r = await analyzer.analyze(photo.noFace);
    expect(r.faces).toEqual([]);
    expect(r.detector).toBe('ssd');
  });

  it('finds both people side by side', async () => {
    expect((await analyzer.analyze(await sideBySide(photo.a, photo.b))).faces).toHaveLength(2);
  });
});

describe('when the bytes are not an image', () => {
  it('refuses a truncated JPEG and a text file with ImageDecodeError', async () => {
    await expect(analyzer.analyze(truncated(photo.a))).rejects.toBeInstanceOf(ImageDecodeError);
    await expect(analyzer.analyze(Buffer.from('not an image'))).rejects.toBeInstanceOf(ImageDecodeError);
  });

  it('says what is wrong with a corrupt image in words, not in the decoder\'s', async () => {
    await expect(analyzer.analyze(truncated(photo.a))).rejects.toThrow(/^the photo could not be read: it is not a complete image$/);
    await expect(analyzer.analyze(Buffer.from('not an image'))).rejects.toThrow(/^the photo could not be read: it is not an image$/);
    const error = await analyzer.analyze(Buffer.from('GIF89a but not really')).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^the photo could not be read: it is /);
    expect((error as Error).message).not.toMatch(/vips|gifload|buffer/i);
    expect((await analyzer.analyze(photo.b)).faces).toHaveLength(1); // and goes on working
  });
});

describe('once the models are loaded', () => {
  // In a process of its own: this one may have loaded them already, in an earlier test file of the same worker.
  it('leaves uncaught errors to the process\'s own handlers: a stray rejection is reported, and the process goes on', async () => {
    const script = `
      process.on('unhandledRejection', (e) => console.log('reported: ' + e.message));
      const { loadFaceModels } = await import(${JSON.stringify(new URL('./analyzer.ts', import.meta.url).href)});
      await loadFaceModels();
      void Promise.reject(new Error('stray'));
      setTimeout(() => console.log('still running'), 100);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    expect(stdout.trim().split('\n')).toEqual(['reported: stray', 'still running']);
  });
});
