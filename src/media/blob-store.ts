import { createReadStream } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Where file contents live (chat attachments, identity photos; recordings later). Content-addressed by sha-256, so a
 * retried upload stores nothing twice. The local directory is the default; an S3-compatible store fits the same port.
 */
export interface BlobStore {
  /** Stores `data` under `sha256` (which the caller computed from it). */
  put(sha256: string, data: Buffer): Promise<void>;
  /** The content, or null when absent. */
  get(sha256: string): Promise<Readable | null>;
}

const HASH = /^[0-9a-f]{64}$/;

export class LocalBlobStore implements BlobStore {
  constructor(private readonly dir: string) {}

  private path(sha256: string): string {
    if (!HASH.test(sha256)) throw new Error('bad blob key');
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  async put(sha256: string, data: Buffer): Promise<void> {
    const file = this.path(sha256);
    if (await stat(file).then(() => true, () => false)) return;
    await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true });
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, data);
    await rename(temp, file); // readers never see half a file
  }

  async get(sha256: string): Promise<Readable | null> {
    const file = this.path(sha256);
    if (!(await stat(file).then(() => true, () => false))) return null;
    return createReadStream(file);
  }
}
