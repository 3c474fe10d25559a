import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { isBlobKey, measured, type BlobStore, type StageOptions, type StagedBlob } from '../blob-store.js';
import { SessionKeyTable } from '../../store/session-keys.js';
import type { Sql } from '../../store/sql.js';
import { openReadable, RECORD_BYTES, sealBuffer, sealStream, unwrapKey, wrapKey } from './seal.js';
import { sealThread } from './seal-thread.js';

/** The session's media was destroyed (its key shredded): nothing of it can be read again. */
export class MediaDeletedError extends Error {
  constructor(readonly sessionId: string, readonly at: Date, readonly reason: string) {
    super(`this session's media was deleted on ${at.toISOString().slice(0, 10)} (${reason}): it cannot be read any more`);
  }
}

/**
 * Encryption at rest over any `BlobStore`. Each session has its own AES-256 data key, wrapped by the master key
 * (MASTER_KEY) in `session_keys`; `forSession` is a `BlobStore` that seals what it writes with that key and opens what it
 * reads. Callers still name blobs by the sha-256 of their plaintext (what events record); the stored object is named by
 * the sha-256 of its ciphertext, and `session_blobs` maps one to the other. `shred` destroys the key, then removes the
 * objects: a copy that survives anywhere (a backup, a failed removal) no longer opens.
 */
export class SealedBlobStores implements BlobStore {
  constructor(
    private readonly inner: BlobStore,
    private readonly keys: SessionKeyTable,
    private readonly masterKey: Buffer,
    private readonly clock: () => Date = () => new Date(),
  ) {
    if (masterKey.length !== 32) throw new Error('the master key must be 32 bytes');
  }

  /** Content that belongs to no session (an administrator's reference photo) is kept as the inner store keeps it. */
  put(sha256: string, data: Buffer): Promise<void> {
    return this.inner.put(sha256, data);
  }

  stage(source: AsyncIterable<Buffer>, options: StageOptions): Promise<StagedBlob> {
    return this.inner.stage(source, options);
  }

  get(sha256: string): Promise<Readable | null> {
    return this.inner.get(sha256);
  }

  remove(sha256: string): Promise<void> {
    return this.inner.remove(sha256);
  }

  sweepStaging(): Promise<number> {
    return this.inner.sweepStaging();
  }

  /** The blob store of one session's media. */
  forSession(sessionId: string): BlobStore {
    return new SessionBlobStore(this, this.inner, this.keys, sessionId);
  }

  /** The session's data key, made on its first write; throws `MediaDeletedError` once shredded. */
  async dataKey(sessionId: string, create: boolean): Promise<Buffer | null> {
    const aad = Buffer.from(`session-key:${sessionId}`);
    let stored = await this.keys.get(sessionId);
    if (!stored && create) stored = await this.keys.create(sessionId, wrapKey(this.masterKey, aad, randomBytes(32)), this.clock());
    if (!stored) return null;
    if (stored.state === 'shredded') throw new MediaDeletedError(sessionId, stored.at, stored.reason);
    return unwrapKey(this.masterKey, aad, stored.wrapped);
  }

  /**
   * Destroys the session's key, then removes its objects (a removal that fails leaves ciphertext no key opens).
   * Answers how many objects were removed; shredding twice is no error.
   */
  async shred(sessionId: string, reason: string): Promise<number> {
    await this.keys.shred(sessionId, this.clock(), reason);
    let removed = 0;
    for (const objectKey of await this.keys.objects(sessionId)) {
      await this.inner.remove(objectKey);
      removed += 1;
    }
    await this.keys.forgetObjects(sessionId);
    return removed;
  }
}

/**
 * Where a session's media goes: its sealed view when `blobs` seals (the server's store), else `blobs` itself (a test
 * that hands the server a plain store).
 */
export function sessionBlobs(blobs: BlobStore, sessionId: string): BlobStore {
  return blobs instanceof SealedBlobStores ? blobs.forSession(sessionId) : blobs;
}

/** Seals `blobs` with the master key when there is one (the configuration always has one outside tests). */
export async function sealedWhenKeyed(blobs: BlobStore, sql: Sql, masterKey: Buffer | undefined, clock?: () => Date): Promise<BlobStore> {
  if (!masterKey || blobs instanceof SealedBlobStores) return blobs;
  return new SealedBlobStores(blobs, await SessionKeyTable.open(sql), masterKey, clock);
}

/** One session's view: plaintext in and out, sealed objects underneath. */
class SessionBlobStore implements BlobStore {
  private readonly aad: Buffer;

  constructor(
    private readonly owner: SealedBlobStores,
    private readonly inner: BlobStore,
    private readonly keys: SessionKeyTable,
    private readonly sessionId: string,
  ) {
    this.aad = Buffer.from(`session-blob:${sessionId}`);
  }

  async put(sha256: string, data: Buffer): Promise<void> {
    checkKey(sha256);
    const key = (await this.owner.dataKey(this.sessionId, true))!;
    if (await this.keys.objectKey(this.sessionId, sha256)) return;
    const sealed = await sealBuffer(key, this.aad, data);
    const objectKey = createHash('sha256').update(sealed).digest('hex');
    await this.inner.put(objectKey, sealed);
    if (!(await this.keys.addObject(this.sessionId, sha256, objectKey))) await this.inner.remove(objectKey);
  }

  async stage(source: AsyncIterable<Buffer>, options: StageOptions): Promise<StagedBlob> {
    const key = (await this.owner.dataKey(this.sessionId, true))!;
    const staging = this.inner.staging;
    if (staging) {
      // The crypto, the WebM check and the file on the sealing thread; the staged file is ciphertext too (see below).
      const { file, plain } = await sealThread().stage(staging.dir, key, this.aad, source, options);
      const staged = staging.adopt(file);
      return { ...plain, read: () => openReadable(key, this.aad, staged.read()), commit: () => this.commit(plain.sha256, staged), discard: () => staged.discard() };
    }
    const plain = measured(source, options);
    // The staged file is ciphertext too: an upload never rests in plaintext, even for a moment.
    const overhead = 64 + Math.ceil((options.maxBytes + 1) / RECORD_BYTES) * 16;
    const staged = await this.inner.stage(sealStream(key, this.aad, plain.chunks), { maxBytes: options.maxBytes + overhead });
    const { sha256, size, head, webm } = plain.result();
    return {
      sha256,
      size,
      head,
      ...(webm && { webm }),
      read: () => openReadable(key, this.aad, staged.read()),
      commit: () => this.commit(sha256, staged),
      discard: () => staged.discard(),
    };
  }

  private async commit(sha256: string, staged: StagedBlob): Promise<boolean> {
    // No look first: new content is the rule (a recorder's segments all differ), and the mapping's unique key answers
    // for the rare repeat, whose object is removed again.
    await staged.commit();
    if (await this.keys.addObject(this.sessionId, sha256, staged.sha256)) return true;
    await this.inner.remove(staged.sha256); // the content was stored already, or a concurrent commit of it won
    return false;
  }

  async get(sha256: string): Promise<Readable | null> {
    checkKey(sha256);
    const key = await this.owner.dataKey(this.sessionId, false);
    if (!key) return null;
    const objectKey = await this.keys.objectKey(this.sessionId, sha256);
    if (!objectKey) return null;
    const sealed = await this.inner.get(objectKey);
    return sealed ? openReadable(key, this.aad, sealed) : null;
  }

  async remove(sha256: string): Promise<void> {
    checkKey(sha256);
    const objectKey = await this.keys.objectKey(this.sessionId, sha256);
    if (!objectKey) return;
    await this.inner.remove(objectKey);
    await this.keys.removeObject(this.sessionId, sha256);
  }

  sweepStaging(): Promise<number> {
    return this.inner.sweepStaging();
  }
}

function checkKey(sha256: string): void {
  if (!isBlobKey(sha256)) throw new Error('bad blob key: not a sha-256 in hex');
}
