import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * Stream encryption for blobs: AES-256-GCM over records of 64 KB, each with its own tag, so a reader releases only
 * authenticated bytes and never holds more than one record. The nonce is a random prefix, the record number and a
 * last-record flag (the STREAM construction): records cannot be reordered, dropped or cut off at a record boundary
 * without the tag check failing. The associated data binds the ciphertext to its session.
 */
const MAGIC = Buffer.from('PSB1');
const PREFIX_BYTES = 7;
const HEADER_BYTES = MAGIC.length + PREFIX_BYTES;
const TAG_BYTES = 16;
/** Plaintext bytes per record. */
export const RECORD_BYTES = 64 * 1024;

/** The stored bytes are not what we sealed with this key: tampered, cut, or the key is not theirs. */
export class SealBrokenError extends Error {
  constructor(reason: string) {
    super(`sealed blob does not open: ${reason}`);
  }
}

function nonce(prefix: Buffer, index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, PREFIX_BYTES);
  n[11] = last ? 1 : 0;
  return n;
}

function sealRecord(key: Buffer, prefix: Buffer, index: number, last: boolean, aad: Buffer, plain: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce(prefix, index, last));
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([body, cipher.getAuthTag()]);
}

function openRecord(key: Buffer, prefix: Buffer, index: number, last: boolean, aad: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < TAG_BYTES) throw new SealBrokenError('a record is shorter than its tag');
  const decipher = createDecipheriv('aes-256-gcm', key, nonce(prefix, index, last));
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new SealBrokenError('a record fails its tag check (wrong key, or altered)');
  }
}

/** Seals `source` record by record, holding at most one record of plaintext. */
export async function* sealStream(key: Buffer, aad: Buffer, source: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<Buffer> {
  const prefix = randomBytes(PREFIX_BYTES);
  yield Buffer.concat([MAGIC, prefix]);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = 0;
  for await (const chunk of source) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    // A full record is sealed only once more follows, because the last record must carry the last flag.
    while (pendingBytes > RECORD_BYTES) {
      const all = Buffer.concat(pending);
      yield sealRecord(key, prefix, index++, false, aad, all.subarray(0, RECORD_BYTES));
      pending = [all.subarray(RECORD_BYTES)];
      pendingBytes = all.length - RECORD_BYTES;
    }
  }
  yield sealRecord(key, prefix, index, true, aad, Buffer.concat(pending));
}

/** Seals a buffer already in memory. */
export async function sealBuffer(key: Buffer, aad: Buffer, data: Buffer): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of sealStream(key, aad, [data])) parts.push(part);
  return Buffer.concat(parts);
}

/** Opens what `sealStream` made, yielding each record's plaintext once its tag checks; throws `SealBrokenError`. */
export async function* openStream(key: Buffer, aad: Buffer, source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const SEALED = RECORD_BYTES + TAG_BYTES;
  let buffered: Buffer = Buffer.alloc(0);
  let prefix: Buffer | null = null;
  let index = 0;
  for await (const chunk of source) {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    if (!prefix) {
      if (buffered.length < HEADER_BYTES) continue;
      if (!buffered.subarray(0, MAGIC.length).equals(MAGIC)) throw new SealBrokenError('not a sealed blob');
      prefix = Buffer.from(buffered.subarray(MAGIC.length, HEADER_BYTES));
      buffered = buffered.subarray(HEADER_BYTES);
    }
    // Keep back a full record until more follows: only the end of the stream says which record is last.
    while (buffered.length > SEALED) {
      yield openRecord(key, prefix, index++, false, aad, buffered.subarray(0, SEALED));
      buffered = buffered.subarray(SEALED);
    }
  }
  if (!prefix) throw new SealBrokenError('shorter than its header');
  yield openRecord(key, prefix, index, true, aad, buffered);
}

/** `openStream` as a Readable, for callers that pipe. */
export function openReadable(key: Buffer, aad: Buffer, source: AsyncIterable<Buffer>): Readable {
  return Readable.from(openStream(key, aad, source), { objectMode: false });
}

/** Wraps a data key under the master key (AES-256-GCM, bound to `aad`): nonce, wrapped key and tag, in base64. */
export function wrapKey(master: Buffer, aad: Buffer, dataKey: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', master, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
}

/** The data key `wrapKey` wrapped; throws `SealBrokenError` when the master key is not the one that wrapped it. */
export function unwrapKey(master: Buffer, aad: Buffer, wrapped: string): Buffer {
  const raw = Buffer.from(wrapped, 'base64');
  if (raw.length !== 12 + 32 + TAG_BYTES) throw new SealBrokenError('a wrapped key of the wrong length');
  const decipher = createDecipheriv('aes-256-gcm', master, raw.subarray(0, 12));
  decipher.setAAD(aad);
  decipher.setAuthTag(raw.subarray(12 + 32));
  try {
    return Buffer.concat([decipher.update(raw.subarray(12, 12 + 32)), decipher.final()]);
  } catch {
    throw new SealBrokenError('the master key is not the one that wrapped this session key (MASTER_KEY changed?)');
  }
}
