import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobTooLargeError, type BlobStore } from './blob-store.js';
import { checkWebm } from './webm.js';

/** What the contract needs of an adapter: the store, where it stages uploads, and how to let it go. */
export interface BlobStoreUnderTest {
  readonly blobs: BlobStore;
  readonly stagingDir: string;
  close(): Promise<void>;
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function bytes(stream: Readable | null): Promise<Buffer | null> {
  if (!stream) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `total` bytes of random content, `chunk` at a time, made as they are asked for (never all in memory). */
async function* source(total: number, chunk = 64 * 1024, seed = randomBytes(chunk)): AsyncGenerator<Buffer> {
  for (let sent = 0; sent < total; sent += chunk) {
    const part = Buffer.from(seed.subarray(0, Math.min(chunk, total - sent)));
    part.writeUInt32BE(sent >>> 0, 0); // every chunk differs, so a reordered or repeated one changes the hash
    yield part;
  }
}

async function* chunks(...parts: Buffer[]): AsyncGenerator<Buffer> {
  yield* parts;
}

async function hashOf(stream: AsyncIterable<Buffer>): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** What the contract's parts share: the store under test, and the names of its staged files. */
interface Context {
  blobs(): BlobStore;
  staged(): Promise<string[]>;
}

/**
 * The contract every blob store adapter passes. `open` gives a store on an empty place (a fresh directory, a fresh
 * bucket); the suite's tests share it and use content of their own.
 */
export function blobStoreContract(open: () => Promise<BlobStoreUnderTest>): void {
  let under: BlobStoreUnderTest;
  beforeAll(async () => {
    under = await open();
  });
  afterAll(async () => {
    await under?.close();
  });
  const context: Context = { blobs: () => under.blobs, staged: () => readdir(under.stagingDir).catch(() => [] as string[]) };
  describe('put and get', () => putAndGet(context));
  describe('staging an upload', () => staging(context));
  describe('large content', () => largeContent(context));
}

/** Whole content in and out, and keys that are not hashes. */
function putAndGet(ctx: Context): void {
  it('gives back what was put, under its sha-256, and a second put of it changes nothing', async () => {
    const data = randomBytes(1000);
    await ctx.blobs().put(sha(data), data);
    await ctx.blobs().put(sha(data), data);
    expect(await bytes(await ctx.blobs().get(sha(data)))).toEqual(data);
  });

  it('answers null for content it does not have', async () => {
    expect(await ctx.blobs().get(sha(randomBytes(10)))).toBeNull();
  });

  it('refuses a key that is not a sha-256, without touching the store', async () => {
    await expect(ctx.blobs().get('../../etc/passwd')).rejects.toThrow(/bad blob key/);
    await expect(ctx.blobs().put('ABC', Buffer.from('x'))).rejects.toThrow(/bad blob key/);
    await expect(ctx.blobs().remove(`${sha(Buffer.from('x'))}/..`)).rejects.toThrow(/bad blob key/);
  });

  it('removes content, and removing what is absent is no error', async () => {
    const data = randomBytes(100);
    await ctx.blobs().put(sha(data), data);
    await ctx.blobs().remove(sha(data));
    expect(await ctx.blobs().get(sha(data))).toBeNull();
    await ctx.blobs().remove(sha(data));
  });
}

/** Uploads streamed to the staging place, then kept or dropped. */
function staging(ctx: Context): void {
  it('hashes and measures it, shows each chunk and keeps the first 64 KB, and keeps nothing before commit', async () => {
    const seen: number[] = [];
    const upload = await ctx.blobs().stage(source(200_000), { maxBytes: 1_000_000, observe: (chunk) => seen.push(chunk.length) });
    expect(upload.size).toBe(200_000);
    expect(seen.reduce((a, b) => a + b, 0)).toBe(200_000);
    expect(upload.head.length).toBe(64 * 1024);
    const content = (await bytes(upload.read()))!;
    expect(sha(content)).toBe(upload.sha256);
    expect(upload.head).toEqual(content.subarray(0, 64 * 1024));
    expect(await ctx.blobs().get(upload.sha256)).toBeNull();
    expect(await upload.commit()).toBe(true);
    expect(await bytes(await ctx.blobs().get(upload.sha256))).toEqual(content);
    expect(await ctx.staged()).toEqual([]);
  });

  it('commits content it has already as "nothing new", and still has it', async () => {
    const data = randomBytes(5000);
    await ctx.blobs().put(sha(data), data);
    const again = await ctx.blobs().stage(chunks(data), { maxBytes: 10_000 });
    expect(again.sha256).toBe(sha(data));
    expect(await again.commit()).toBe(false);
    expect(await bytes(await ctx.blobs().get(sha(data)))).toEqual(data);
    expect(await ctx.staged()).toEqual([]);
  });

  it('keeps nothing of a discarded upload', async () => {
    const upload = await ctx.blobs().stage(chunks(randomBytes(3000)), { maxBytes: 10_000 });
    await upload.discard();
    expect(await ctx.blobs().get(upload.sha256)).toBeNull();
    expect(await ctx.staged()).toEqual([]);
  });

  it('stops an upload past its limit with BlobTooLargeError, keeping nothing', async () => {
    await expect(ctx.blobs().stage(source(300_000), { maxBytes: 100_000 })).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(await ctx.staged()).toEqual([]);
  });

  it('keeps nothing of an upload whose sender fails half-way, however early (200 times: 1 in 100 once left a file)', async () => {
    async function* broken() {
      yield randomBytes(1000);
      throw new Error('connection reset');
    }
    for (let i = 0; i < 200; i++) await expect(ctx.blobs().stage(broken(), { maxBytes: 10_000 })).rejects.toThrow('connection reset');
    expect(await ctx.staged()).toEqual([]);
  });

  it('checks the upload as a WebM segment when asked, in whatever chunks it comes, and only when asked', async () => {
    const segment = readFileSync(new URL('../../test/fixtures/webm/live-2s.webm', import.meta.url));
    const inPieces = (data: Buffer) => chunks(...Array.from({ length: Math.ceil(data.length / 5000) }, (_, i) => data.subarray(i * 5000, (i + 1) * 5000)));
    const whole = await ctx.blobs().stage(inPieces(segment), { maxBytes: 1_000_000, webm: true });
    expect(whole.webm).toEqual(checkWebm(segment));
    expect(whole.webm?.ok).toBe(true);
    const cut = await ctx.blobs().stage(inPieces(segment.subarray(0, segment.length - 700)), { maxBytes: 1_000_000, webm: true });
    expect(cut.webm).toMatchObject({ ok: false });
    const unasked = await ctx.blobs().stage(chunks(segment), { maxBytes: 1_000_000 });
    expect(unasked.webm).toBeUndefined();
    for (const upload of [whole, cut, unasked]) await upload.discard();
    expect(await ctx.staged()).toEqual([]);
  });

  it('takes an empty upload', async () => {
    const upload = await ctx.blobs().stage(chunks(), { maxBytes: 10 });
    expect(upload).toMatchObject({ size: 0, sha256: sha(Buffer.alloc(0)) });
    await upload.commit();
    expect(await bytes(await ctx.blobs().get(upload.sha256))).toEqual(Buffer.alloc(0));
  });
  it('sweeps nothing younger than an hour (an upload may be in progress)', async () => {
    const upload = await ctx.blobs().stage(chunks(randomBytes(100)), { maxBytes: 1000 });
    expect(await ctx.blobs().sweepStaging()).toBe(0);
    expect(await ctx.staged()).toHaveLength(1);
    await upload.discard();
  });
}

/** Content far larger than a chunk, both ways. */
function largeContent(ctx: Context): void {
  const SIZE = 24 * 1024 * 1024;

  it('streams 24 MB in and out in chunks, and the bytes read back hash as staged', async () => {
    const seed = randomBytes(64 * 1024);
    const upload = await ctx.blobs().stage(source(SIZE, 64 * 1024, seed), { maxBytes: SIZE });
    expect(await hashOf(source(SIZE, 64 * 1024, seed))).toEqual({ sha256: upload.sha256, size: SIZE });
    expect(await upload.commit()).toBe(true);
    const stream = (await ctx.blobs().get(upload.sha256))!;
    let chunks = 0;
    let largest = 0;
    const hash = createHash('sha256');
    for await (const chunk of stream) {
      chunks += 1;
      largest = Math.max(largest, (chunk as Buffer).length);
      hash.update(chunk as Buffer);
    }
    expect(hash.digest('hex')).toBe(upload.sha256);
    expect(chunks).toBeGreaterThan(10); // streamed, not handed over as one buffer
    expect(largest).toBeLessThan(SIZE / 10);
    await ctx.blobs().remove(upload.sha256);
  });
}
