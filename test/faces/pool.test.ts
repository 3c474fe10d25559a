import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { threadId } from 'node:worker_threads';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ImageDecodeError } from '../../src/media/faces/analyzer.js';
import { FaceAnalysisPool } from '../../src/media/faces/pool.js';
import { photo, truncated } from './photos.js';

const run = promisify(execFile);

// Each thread loads tfjs and the models on its first photo: seconds on two busy cores.
vi.setConfig({ testTimeout: 120_000 });

describe('face analysis in worker threads', () => {
  const pool = new FaceAnalysisPool({ threads: 1 });
  afterAll(() => pool.close());

  it('finds the face and its descriptor in another thread', async () => {
    const analysis = await pool.analyze(photo.a);
    expect(analysis.faces).toHaveLength(1);
    expect(analysis.faces[0].descriptor).toHaveLength(128);
    expect(pool.done.photos).toBe(1);
    expect([...pool.done.threadIds]).not.toContain(threadId);
  });

  it('never loads the models on the thread that asks', async () => {
    // In a process of its own: test files share a worker's modules, and another file may have loaded them here.
    const script = `
      import { readFileSync } from 'node:fs';
      const { FaceAnalysisPool } = await import(${JSON.stringify(new URL('../../src/media/faces/pool.ts', import.meta.url).href)});
      const { faceModelsLoaded } = await import(${JSON.stringify(new URL('../../src/media/faces/analyzer.ts', import.meta.url).href)});
      const pool = new FaceAnalysisPool({ threads: 1 });
      const analysis = await pool.analyze(readFileSync(${JSON.stringify(fileURLToPath(new URL('../fixtures/faces/person-a.jpg', import.meta.url)))}));
      await pool.close();
      console.log(JSON.stringify({ faces: analysis.faces.length, loaded: faceModelsLoaded() }));`;
    const dir = mkdtempSync(join(tmpdir(), 'pool-'));
    try {
      writeFileSync(join(dir, 'asks.mjs'), script);
      const { stdout } = await run(process.execPath, ['--import', 'tsx', join(dir, 'asks.mjs')]);
      expect(JSON.parse(stdout)).toEqual({ faces: 1, loaded: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers an image it cannot decode with ImageDecodeError, saying what is wrong in words', async () => {
    const error = await pool.analyze(truncated(photo.a)).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect((error as ImageDecodeError).problem).toBe('it is not a complete image');
  });

  it('queues photos beyond its threads and answers each with its own result', async () => {
    const [a, none, b] = await Promise.all([pool.analyze(photo.a), pool.analyze(photo.noFace), pool.analyze(photo.b)]);
    expect(a.faces).toHaveLength(1);
    expect(none.faces).toHaveLength(0);
    expect(b.faces).toHaveLength(1);
    expect(a.faces[0].descriptor).not.toEqual(b.faces[0].descriptor);
  });

  it('fails the photo of a thread that dies, and starts another thread for the next photo', async () => {
    const analysing = pool.analyze(photo.b);
    const [thread] = pool['live'];
    await thread.worker.terminate();
    await expect(analysing).rejects.toThrow(/^the face analysis thread stopped: it exited with code 1$/);
    expect((await pool.analyze(photo.a)).faces).toHaveLength(1);
    expect(pool.done.threadIds.size).toBe(2);
  });

  it('refuses work once closed', async () => {
    const spare = new FaceAnalysisPool({ threads: 1 });
    await spare.close();
    await expect(spare.analyze(photo.a)).rejects.toThrow('the face analysis threads are stopped');
  });

  it('never starts more threads than cores', () => {
    expect(new FaceAnalysisPool({ threads: 10_000 }).threads).toBe(availableParallelism());
  });
});
