/**
 * The sealing thread (see `seal-thread.ts`): for each upload, hashes the plaintext (and checks its WebM when asked),
 * seals it record by record, hashes the ciphertext and writes it to the staging file, so none of that runs on the
 * thread that serves HTTP.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { assertNever } from '../../domain/core/errors.js';
import { WebmChecker } from '../webm.js';
import { RecordSealer } from './seal.js';
import type { SealReply, SealRequest } from './seal-thread.js';

interface Job {
  readonly sealer: RecordSealer;
  readonly plain: Hash;
  readonly sealed: Hash;
  readonly webm: WebmChecker | null;
  readonly fd: number;
  readonly path: string;
  size: number;
}

const jobs = new Map<number, Job>();
const port = parentPort!;

function write(job: Job, records: readonly Buffer[]): void {
  for (const record of records) {
    job.sealed.update(record);
    job.size += record.length;
    for (let at = 0; at < record.length; ) at += writeSync(job.fd, record, at);
  }
}

function drop(id: number): void {
  const job = jobs.get(id);
  if (!job) return;
  jobs.delete(id);
  try {
    closeSync(job.fd);
  } finally {
    rmSync(job.path, { force: true });
  }
}

function handle(request: SealRequest): SealReply | null {
  switch (request.op) {
    case 'open': {
      mkdirSync(dirname(request.path), { recursive: true });
      const fd = openSync(request.path, 'wx');
      const job: Job = { sealer: new RecordSealer(Buffer.from(request.key), Buffer.from(request.aad)), plain: createHash('sha256'), sealed: createHash('sha256'), webm: request.webm ? new WebmChecker() : null, fd, path: request.path, size: 0 };
      jobs.set(request.id, job);
      return null;
    }
    case 'chunk': {
      const job = jobs.get(request.id);
      if (!job) return null;
      const chunk = Buffer.from(request.data.buffer, request.data.byteOffset, request.data.byteLength);
      job.plain.update(chunk);
      job.webm?.push(chunk);
      write(job, job.sealer.push(chunk));
      return { id: request.id, op: 'ack' };
    }
    case 'end': {
      const job = jobs.get(request.id)!;
      write(job, job.sealer.end());
      // On the disk before the blob store renames it into place and the event naming it is committed (blob-store.ts).
      fsyncSync(job.fd);
      closeSync(job.fd);
      jobs.delete(request.id);
      return { id: request.id, op: 'done', plainSha256: job.plain.digest('hex'), sealedSha256: job.sealed.digest('hex'), sealedSize: job.size, webm: job.webm?.finish() ?? null };
    }
    case 'abort':
      drop(request.id);
      return { id: request.id, op: 'aborted' };
    default:
      return assertNever(request, 'seal request');
  }
}

port.on('message', (request: SealRequest) => {
  try {
    const reply = handle(request);
    if (reply) port.postMessage(reply);
  } catch (error) {
    drop(request.id);
    port.postMessage({ id: request.id, op: 'failed', message: (error as Error).message } satisfies SealReply);
  }
});
