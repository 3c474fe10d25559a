import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** An upload written to a staging place and hashed on the way, not yet kept: `commit` keeps it, `discard` drops it. */
export interface StagedBlob {
  readonly sha256: string;
  readonly size: number;
  /** The first bytes (64 KB at most), to recognise what kind of file it is. */
  readonly head: Buffer;
  /** Reads the staged content, to check it before keeping it. */
  read(): Readable;
  /** Keeps the content under its hash; false when that content was stored already (nothing new written). */
  commit(): Promise<boolean>;
  discard(): Promise<void>;
}

/** `stage` read more than `maxBytes`: nothing is kept. */
export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the upload is over ${Math.round(maxBytes / 1024 / 1024)} MB`);
  }
}

/**
 * Where file contents live (chat attachments, identity photos, recordings). Content-addressed by sha-256, so a
 * retried upload stores nothing twice. The local directory is the default; an S3-compatible store fits the same port.
 */
export interface BlobStore {
  /** Stores `data` under `sha256` (which the caller computed from it). */
  put(sha256: string, data: Buffer): Promise<void>;
  /**
   * Streams `source` to a staging place, hashing it and handing each chunk to `observe`, never holding it in memory;
   * throws `BlobTooLargeError` (keeping nothing) past `maxBytes`. What is staged is kept only by `commit`.
   */
  stage(source: AsyncIterable<Buffer>, options: { maxBytes: number; observe?: (chunk: Buffer) => void }): Promise<StagedBlob>;
  /** The content, or null when absent. */
  get(sha256: string): Promise<Readable | null>;
  /** Removes content (a commit undone because the command that needed it was refused). */
  remove(sha256: string): Promise<void>;
}

const HASH = /^[0-9a-f]{64}$/;
const HEAD_BYTES = 64 * 1024;
/** Staged files older than this were left by a crash: removed at the next start. */
const STALE_STAGING_MS = 3_600_000;

export class LocalBlobStore implements BlobStore {
  private readonly staging: string;

  constructor(private readonly dir: string) {
    this.staging = join(dir, 'staging');
  }

  private path(sha256: string): string {
    if (!HASH.test(sha256)) throw new Error('bad blob key');
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  async put(sha256: string, data: Buffer): Promise<void> {
    const file = this.path(sha256);
    if (await exists(file)) return;
    await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true });
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, data);
    await rename(temp, file); // readers never see half a file
  }

  async stage(source: AsyncIterable<Buffer>, options: { maxBytes: number; observe?: (chunk: Buffer) => void }): Promise<StagedBlob> {
    await mkdir(this.staging, { recursive: true });
    const temp = join(this.staging, `${randomUUID()}.part`);
    const out = createWriteStream(temp, { flags: 'wx' });
    const hash = createHash('sha256');
    const head: Buffer[] = [];
    let headBytes = 0;
    let size = 0;
    try {
      for await (const chunk of source) {
        size += chunk.length;
        if (size > options.maxBytes) throw new BlobTooLargeError(options.maxBytes);
        hash.update(chunk);
        options.observe?.(chunk);
        if (headBytes < HEAD_BYTES) {
          head.push(chunk.subarray(0, HEAD_BYTES - headBytes));
          headBytes += Math.min(chunk.length, HEAD_BYTES - headBytes);
        }
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      out.end();
      await finished(out);
    } catch (error) {
      out.destroy();
      await rm(temp, { force: true });
      throw error;
    }
    const sha256 = hash.digest('hex');
    return {
      sha256,
      size,
      head: Buffer.concat(head),
      read: () => createReadStream(temp),
      commit: async () => {
        const file = this.path(sha256);
        if (await exists(file)) {
          await rm(temp, { force: true });
          return false;
        }
        await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true });
        await rename(temp, file);
        return true;
      },
      discard: () => rm(temp, { force: true }),
    };
  }

  async get(sha256: string): Promise<Readable | null> {
    const file = this.path(sha256);
    if (!(await exists(file))) return null;
    return createReadStream(file);
  }

  async remove(sha256: string): Promise<void> {
    await rm(this.path(sha256), { force: true });
  }

  /** Removes what a crash left in the staging place. */
  async sweepStaging(now = Date.now()): Promise<number> {
    const names = await readdir(this.staging).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      const file = join(this.staging, name);
      const info = await stat(file).catch(() => null);
      if (info && now - info.mtimeMs > STALE_STAGING_MS) {
        await rm(file, { force: true });
        removed += 1;
      }
    }
    return removed;
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}
