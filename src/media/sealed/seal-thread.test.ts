import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobTooLargeError } from '../blob-store.js';
import { openStream } from './seal.js';
import { SealThread } from './seal-thread.js';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function* chunks(data: Buffer, size: number, failAt = Infinity): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += size) {
    if (at >= failAt) throw new Error('the sender went away');
    yield Buffer.from(data.subarray(at, at + size));
  }
}

async function read(path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of createReadStream(path)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('the sealing thread', () => {
  const key = randomBytes(32);
  const aad = Buffer.from('session-blob:s1');
  let dir: string;
  let thread: SealThread;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'seal-thread-'));
    thread = new SealThread();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stages uploads sealed, several at once, with the hashes of both the content and the stored bytes', async () => {
    // Given three uploads of a segment's size streaming at once, in chunks as a socket hands them over
    const contents = [500_000, 65_536, 1].map((n) => randomBytes(n));
    const seen: number[] = [0, 0, 0];
    // When the sealing thread stages them
    const staged = await Promise.all(contents.map((c, k) => thread.stage(dir, key, aad, chunks(c, 64 * 1024), { maxBytes: 1_000_000, observe: (chunk) => (seen[k] += chunk.length) })));
    // Then each file opens to its content, and the answers describe both
    for (const [k, { file, plain }] of staged.entries()) {
      const stored = await read(file.path);
      expect(file.sha256).toBe(sha(stored));
      expect(file.size).toBe(stored.length);
      const opened: Buffer[] = [];
      for await (const part of openStream(key, aad, createReadStream(file.path))) opened.push(part);
      expect(Buffer.concat(opened).equals(contents[k])).toBe(true);
      expect(plain).toEqual({ sha256: sha(contents[k]), size: contents[k].length, head: contents[k].subarray(0, 64 * 1024) });
      expect(seen[k]).toBe(contents[k].length);
    }
  });

  it('keeps no file of an upload over the limit or whose sender fails, and goes on serving the next', async () => {
    // Given an upload over its limit and one whose sender fails half-way
    const content = randomBytes(300_000);
    await expect(thread.stage(dir, key, aad, chunks(content, 64 * 1024), { maxBytes: 100_000 })).rejects.toBeInstanceOf(BlobTooLargeError);
    await expect(thread.stage(dir, key, aad, chunks(content, 64 * 1024, 128 * 1024), { maxBytes: 1_000_000 })).rejects.toThrow('the sender went away');
    // Then neither left a file
    expect(await readdir(dir)).toEqual([]);
    // And the next upload is staged
    const { plain } = await thread.stage(dir, key, aad, chunks(content, 64 * 1024), { maxBytes: 1_000_000 });
    expect(plain.sha256).toBe(sha(content));
    expect(await readdir(dir)).toHaveLength(1);
  });

  it('fails an upload the thread cannot seal, with the reason, removes its file and serves the next', async () => {
    // Given a key the cipher refuses
    const content = randomBytes(200_000);
    // When an upload is sealed with it
    const failed = thread.stage(dir, randomBytes(10), aad, chunks(content, 64 * 1024), { maxBytes: 1_000_000 });
    // Then it fails, saying why, and leaves no file
    await expect(failed).rejects.toThrow(/sealing thread failed: .*key/i);
    expect(await readdir(dir)).toEqual([]);
    // And the next upload is sealed
    const { plain } = await thread.stage(dir, key, aad, chunks(content, 64 * 1024), { maxBytes: 1_000_000 });
    expect(plain.sha256).toBe(sha(content));
  });
});
