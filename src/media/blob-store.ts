import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { WebmChecker, type WebmVerdict } from './webm.js';

/** An upload written to a staging place and hashed on the way, not yet kept: `commit` keeps it, `discard` drops it. */
export interface StagedBlob {
  readonly sha256: string;
  readonly size: number;
  /** The first bytes (64 KB at most), to recognise what kind of file it is. */
  readonly head: Buffer;
  /** The content checked as a WebM recording segment: present when `stage` was asked to (`webm: true`). */
  readonly webm?: WebmVerdict;
  /** Reads the staged content, to check it before keeping it. */
  read(): Readable;
  /** Keeps the content under its hash; false when that content was stored already (nothing new written). */
  commit(): Promise<boolean>;
  discard(): Promise<void>;
}

/** What `stage` is told. */
export interface StageOptions {
  readonly maxBytes: number;
  /** Sees each chunk as it streams. */
  readonly observe?: (chunk: Buffer) => void;
  /**
   * Check the content as a WebM recording segment as it streams (the answer is `StagedBlob.webm`). Asked of the store
   * rather than done through `observe` so that a store which streams through another thread checks it there.
   */
  readonly webm?: boolean;
}

/** `stage` read more than `maxBytes`: nothing is kept. */
export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the upload is over ${Math.round(maxBytes / 1024 / 1024)} MB`);
  }
}

/**
 * Where file contents live (chat attachments, identity photos, recordings). Content-addressed by sha-256, so a
 * retried upload stores nothing twice. Two adapters pass one contract (`blob-store.contract.ts`): a local directory
 * (`LocalBlobStore`, the default) and an S3-compatible object store (`S3BlobStore`, BLOB_STORE=s3). Reads are whole
 * objects: nothing reads a range (playback sends whole segments).
 */
export interface BlobStore {
  /** Stores `data` under `sha256` (which the caller computed from it). */
  put(sha256: string, data: Buffer): Promise<void>;
  /**
   * Streams `source` to a staging place, hashing it and handing each chunk to `observe`, never holding it in memory;
   * throws `BlobTooLargeError` (keeping nothing) past `maxBytes`. What is staged is kept only by `commit`.
   */
  stage(source: AsyncIterable<Buffer>, options: StageOptions): Promise<StagedBlob>;
  /** The content, or null when absent. */
  get(sha256: string): Promise<Readable | null>;
  /** Removes content (a commit undone because the command that needed it was refused). */
  remove(sha256: string): Promise<void>;
  /** Removes what a crash left in the staging place (staged more than an hour ago); answers how many. */
  sweepStaging(): Promise<number>;
  /**
   * Where `stage` writes, for a caller that writes a staging file itself (the sealing thread): the directory, and the
   * staged blob of a whole file written there (absent: the store stages only through `stage`).
   */
  readonly staging?: { readonly dir: string; adopt(file: StagedFile): StagedBlob };
}

const HASH = /^[0-9a-f]{64}$/;
const HEAD_BYTES = 64 * 1024;
/** Staged files older than this were left by a crash: removed at the next start. */
const STALE_STAGING_MS = 3_600_000;

/** A staged upload's file, hashed on the way in. */
export interface StagedFile {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  readonly head: Buffer;
  readonly webm?: WebmVerdict;
}

/**
 * `source` passed through, checked against `maxBytes` (`BlobTooLargeError` past it), handed chunk by chunk to
 * `observe`, hashed and measured, its first 64 KB kept: what every staging learns of an upload as it streams.
 */
export function measured(source: AsyncIterable<Buffer>, options: StageOptions): Measured<string>;
/** The same without the hash, for a caller that hashes elsewhere (the sealing thread). */
export function measured(source: AsyncIterable<Buffer>, options: StageOptions & { hash: false }): Measured<null>;
export function measured(source: AsyncIterable<Buffer>, options: StageOptions & { hash?: false }): Measured<string | null> {
  const hash = options.hash === false ? null : createHash('sha256');
  const checker = options.webm ? new WebmChecker() : null;
  const head: Buffer[] = [];
  let headBytes = 0;
  let size = 0;
  async function* chunks(): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > options.maxBytes) throw new BlobTooLargeError(options.maxBytes);
      hash?.update(chunk);
      options.observe?.(chunk);
      checker?.push(chunk);
      if (headBytes < HEAD_BYTES) {
        head.push(Buffer.from(chunk.subarray(0, HEAD_BYTES - headBytes)));
        headBytes += Math.min(chunk.length, HEAD_BYTES - headBytes);
      }
      yield chunk;
    }
  }
  return {
    chunks: chunks(),
    result: () => ({ sha256: hash?.digest('hex') ?? null, size, head: Buffer.concat(head), ...(checker && { webm: checker.finish() }) }),
  };
}

/** An upload as `measured` passes it through. */
export interface Measured<Sha256 extends string | null> {
  readonly chunks: AsyncGenerator<Buffer>;
  /** Once `chunks` has ended: the plaintext's sha-256 (null when not hashed here), size and head, and its WebM check when asked. */
  result(): { sha256: Sha256; size: number; head: Buffer; webm?: WebmVerdict };
}

/**
 * Streams `source` to a new file in `dir`, hashing it and handing each chunk to `observe`, holding at most one chunk
 * and the first 64 KB in memory. Past `maxBytes` (or when `source` fails) the file is removed and the error thrown.
 * Every blob store stages this way: a staged upload is checked (its head, its content) before anything is kept.
 */
export async function stageToFile(
  dir: string, source: AsyncIterable<Buffer>, options: StageOptions,
): Promise<StagedFile> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${randomUUID()}.part`);
  // flush: the content is on the disk before the stream says it is closed (see `LocalBlobStore`).
  const out = createWriteStream(path, { flags: 'wx', flush: true });
  const upload = measured(source, options);
  try {
    for await (const chunk of upload.chunks) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    out.end();
    await finished(out);
  } catch (error) {
    out.destroy();
    // The file may still be opening (a sender failing at once, a busy machine): the stream creates it even when
    // destroyed first, so it is removed once the stream has closed, not before it exists.
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    await rm(path, { force: true });
    throw error;
  }
  return { path, ...upload.result() };
}

/** Removes the staged files in `dir` older than an hour: what a crash left. */
export async function sweepStagingDir(dir: string, now = Date.now()): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const file = join(dir, name);
    const info = await stat(file).catch(() => null);
    if (info && now - info.mtimeMs > STALE_STAGING_MS) {
      await rm(file, { force: true });
      removed += 1;
    }
  }
  return removed;
}

/** Whether `key` can name a blob: a sha-256 in lowercase hex. */
export function isBlobKey(key: string): boolean {
  return HASH.test(key);
}

/**
 * The blob store on a local directory (the default): `<dir>/<first two hex digits>/<sha-256>`, staging in `<dir>/staging`.
 * A blob is durable once `put` or `commit` resolves: its content was flushed to the disk before it was renamed into
 * place, and its directory after. The event that names it is committed after that, so a power cut can lose an upload
 * in flight but never leave an event pointing at a file the disk did not keep (nor let the staging sweep remove one).
 */
export class LocalBlobStore implements BlobStore {
  readonly staging: { readonly dir: string; adopt(file: StagedFile): StagedBlob };

  constructor(private readonly dir: string) {
    this.staging = { dir: join(dir, 'staging'), adopt: (file) => this.adopt(file) };
  }

  private path(sha256: string): string {
    if (!HASH.test(sha256)) throw new Error('bad blob key: not a sha-256 in hex');
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  async put(sha256: string, data: Buffer): Promise<void> {
    const file = this.path(sha256);
    if (await exists(file)) return;
    await this.shardDir(sha256);
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, data, { flush: true });
    await rename(temp, file); // readers never see half a file
    await syncDir(join(this.dir, sha256.slice(0, 2)));
  }

  /** The directory a blob goes in, created (and its creation made durable) when it is the first there. */
  private async shardDir(sha256: string): Promise<void> {
    if (await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true })) await syncDir(this.dir);
  }

  async stage(source: AsyncIterable<Buffer>, options: StageOptions): Promise<StagedBlob> {
    return this.adopt(await stageToFile(this.staging.dir, source, options));
  }

  private adopt(file: StagedFile): StagedBlob {
    return {
      ...file,
      read: () => createReadStream(file.path),
      commit: async () => {
        const target = this.path(file.sha256);
        if (await exists(target)) {
          await rm(file.path, { force: true });
          return false;
        }
        await this.shardDir(file.sha256);
        await rename(file.path, target);
        await syncDir(join(this.dir, file.sha256.slice(0, 2)));
        return true;
      },
      discard: () => rm(file.path, { force: true }),
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
  sweepStaging(now = Date.now()): Promise<number> {
    return sweepStagingDir(this.staging.dir, now);
  }
}

/** Makes a directory's entries durable (a rename into it, a file created in it): fsync on the directory itself. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}
