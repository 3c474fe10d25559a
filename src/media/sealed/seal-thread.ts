import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { assertNever } from '../../domain/core/errors.js';
import { measured, type StageOptions, type StagedFile } from '../blob-store.js';
import type { WebmVerdict } from '../webm.js';

/** What the HTTP thread asks of the sealing thread, per upload (`id`). */
export type SealRequest =
  | { readonly id: number; readonly op: 'open'; readonly path: string; readonly key: Uint8Array; readonly aad: Uint8Array; readonly webm: boolean }
  | { readonly id: number; readonly op: 'chunk'; readonly data: Uint8Array }
  | { readonly id: number; readonly op: 'end' }
  | { readonly id: number; readonly op: 'abort' };

export type SealReply =
  | { readonly id: number; readonly op: 'ack' }
  | {
      readonly id: number; readonly op: 'done'; readonly plainSha256: string; readonly sealedSha256: string; readonly sealedSize: number;
      readonly webm: WebmVerdict | null;
    }
  | { readonly id: number; readonly op: 'aborted' }
  | { readonly id: number; readonly op: 'failed'; readonly message: string };

/** Batches of one upload sent and not yet sealed: the upload waits beyond this, so a slow thread slows the sender. */
const IN_FLIGHT = 2;
/**
 * Chunks go across joined into batches of about this size: a message costs the HTTP thread more than copying a
 * socket's chunk (16–64 KB) does, and joining is the one copy the thread needs anyway.
 */
const BATCH_BYTES = 256 * 1024;

type Done = Extract<SealReply, { op: 'done' }>;

/** One upload's side of the conversation: acknowledgements open room for more chunks; the end or a failure settles it. */
class Upload {
  unacked = 0;
  private error: Error | null = null;
  private wake: (() => void) | null = null;
  private settle: { resolve: (reply: SealReply) => void; reject: (error: Error) => void } | null = null;

  reply(reply: SealReply): void {
    switch (reply.op) {
      case 'ack':
        this.unacked -= 1;
        this.wake?.();
        return;
      case 'done':
      case 'aborted':
        this.settle?.resolve(reply);
        return;
      case 'failed':
        return this.fail(new Error(`the sealing thread failed: ${reply.message}`));
      default:
        assertNever(reply, 'seal reply');
    }
  }

  fail(error: Error): void {
    this.error ??= error;
    this.wake?.();
    this.settle?.reject(error);
  }

  /** Resolves once fewer than `IN_FLIGHT` chunks wait; throws what failed the upload. */
  async room(): Promise<void> {
    while (!this.error && this.unacked >= IN_FLIGHT) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
    if (this.error) throw this.error;
  }

  /** The end's reply (`done` or `aborted`), or what failed the upload. */
  settled(): Promise<SealReply> {
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }
}

/**
 * A thread that seals uploads (hashing, AES-GCM, hashing the ciphertext, writing the staging file) and checks a
 * recording segment's WebM, off the thread that serves HTTP: segment uploads arrive ≈100 a second at 1,000 sessions,
 * and their crypto was a fifth of that thread, the WebM check a tenth. The HTTP thread keeps what must see each chunk
 * as it streams (the size limit, the caller's `observe`, the first 64 KB) and copies each chunk across. Started on the
 * first upload; it keeps the process alive only while it works.
 */
export class SealThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly uploads = new Map<number, Upload>();

  /**
   * Streams `source` sealed into a new file in `dir` (made if need be, by the thread): the sealed file (named by nothing yet: its sha-256 and size are
   * the ciphertext's) and the plaintext's sha-256, size and head, and its WebM check when `options.webm` asks. Past
   * `maxBytes`, or when `source` or the thread fails, the file is removed and the error thrown.
   */
  async stage(
    dir: string, key: Buffer, aad: Buffer, source: AsyncIterable<Buffer>, options: StageOptions,
  ): Promise<{ file: StagedFile; plain: { sha256: string; size: number; head: Buffer; webm?: WebmVerdict } }> {
    const path = join(dir, `${randomUUID()}.part`);
    const id = this.nextId++;
    const upload = new Upload();
    const worker = this.started();
    this.uploads.set(id, upload);
    worker.ref();
    // The size limit, `observe` and the head here, as every staging does; the hashing is the thread's.
    const incoming = measured(source, { ...options, hash: false, webm: false });
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const send = async () => {
      await upload.room();
      upload.unacked += 1;
      // A buffer of its own, which the thread takes over: a chunk may be a view of a larger buffer.
      const data = new Uint8Array(batchBytes);
      let at = 0;
      for (const chunk of batch) {
        data.set(chunk, at);
        at += chunk.length;
      }
      batch = [];
      batchBytes = 0;
      worker.postMessage({ id, op: 'chunk', data } satisfies SealRequest, [data.buffer]);
    };
    try {
      worker.postMessage({ id, op: 'open', path, key, aad, webm: options.webm === true } satisfies SealRequest);
      for await (const chunk of incoming.chunks) {
        batch.push(chunk);
        batchBytes += chunk.length;
        if (batchBytes >= BATCH_BYTES) await send();
      }
      if (batchBytes > 0) await send();
      const ended = upload.settled();
      worker.postMessage({ id, op: 'end' } satisfies SealRequest);
      const done = (await ended) as Done;
      const { size, head } = incoming.result();
      const plain = { sha256: done.plainSha256, size, head, ...(done.webm && { webm: done.webm }) };
      return { file: { path, sha256: done.sealedSha256, size: done.sealedSize, head: Buffer.alloc(0) }, plain };
    } catch (error) {
      const aborted = upload.settled().catch(() => undefined);
      if (this.worker === worker) worker.postMessage({ id, op: 'abort' } satisfies SealRequest);
      await aborted;
      await rm(path, { force: true });
      throw error;
    } finally {
      this.uploads.delete(id);
      if (this.uploads.size === 0) worker.unref();
    }
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker();
    worker.unref();
    worker.on('message', (reply: SealReply) => this.uploads.get(reply.id)?.reply(reply));
    const lost = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const upload of this.uploads.values()) upload.fail(error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the sealing thread stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }
}

/**
 * The thread's module: the TypeScript source through tsx's loader where we run from source (a worker thread does not
 * inherit the main thread's `--import` hooks), else the compiled sibling.
 */
function startWorker(): Worker {
  const source = import.meta.url.endsWith('.ts');
  const module = new URL(source ? './seal-thread-worker.ts' : './seal-thread-worker.js', import.meta.url);
  if (!source) return new Worker(module, { name: 'sealing' });
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); })`, { eval: true, name: 'sealing' });
}

let shared: SealThread | null = null;

/** The process's sealing thread. */
export function sealThread(): SealThread {
  shared ??= new SealThread();
  return shared;
}
