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

/**
 * Seals one record whose plaintext is `parts` (in order, `RECORD_BYTES` at most in all) without joining them: the
 * cipher takes each part as it is; its output and the tag are joined into the record (the one copy, of what it made).
 */
function sealRecord(key: Buffer, prefix: Buffer, index: number, last: boolean, aad: Buffer, parts: readonly Buffer[]): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce(prefix, index, last));
  cipher.setAAD(aad);
  const out: Buffer[] = [];
  for (const part of parts) {
    const sealed = cipher.update(part);
    if (sealed.length) out.push(sealed);
  }
  const tail = cipher.final();
  if (tail.length) out.push(tail);
  out.push(cipher.getAuthTag());
  return Buffer.concat(out);
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

/**
 * The sealer of one blob, fed chunk by chunk: `push` answers the records that became whole, `end` the last one (and
 * the header, for the first call of either). Chunks are never copied: a record is sealed from the chunks (and parts of
 * chunks) it spans and comes out as one buffer, one write per record (the cipher's output and the tag joined: the only
 * copy, of what the cipher made). It holds at most one record of plaintext.
 */
export class RecordSealer {
  private readonly prefix = randomBytes(PREFIX_BYTES);
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0;
  private started = false;

  constructor(
    private readonly key: Buffer,
    private readonly aad: Buffer,
  ) {}

  push(chunk: Buffer): Buffer[] {
    const out = this.header();
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    // A full record is sealed only once more follows, because the last record must carry the last flag.
    while (this.pendingBytes > RECORD_BYTES) {
      const { record, rest } = split(this.pending, RECORD_BYTES);
      out.push(sealRecord(this.key, this.prefix, this.index++, false, this.aad, record));
      this.pending = rest;
      this.pendingBytes -= RECORD_BYTES;
    }
    return out;
  }

  end(): Buffer[] {
    const out = this.header();
    out.push(sealRecord(this.key, this.prefix, this.index, true, this.aad, this.pending));
    this.pending = [];
    return out;
  }

  private header(): Buffer[] {
    if (this.started) return [];
    this.started = true;
    return [Buffer.concat([MAGIC, this.prefix])];
  }
}

/** Seals `source` record by record (see `RecordSealer`). */
export async function* sealStream(key: Buffer, aad: Buffer, source: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<Buffer> {
  const sealer = new RecordSealer(key, aad);
  for await (const chunk of source) yield* sealer.push(chunk);
  yield* sealer.end();
}

/** The first `bytes` of `chunks` and what follows, as views of the same memory. */
function split(chunks: readonly Buffer[], bytes: number): { record: Buffer[]; rest: Buffer[] } {
  const record: Buffer[] = [];
  let taken = 0;
  let k = 0;
  for (; k < chunks.length && taken < bytes; k++) {
    const want = bytes - taken;
    if (chunks[k].length <= want) {
      record.push(chunks[k]);
      taken += chunks[k].length;
      continue;
    }
    record.push(chunks[k].subarray(0, want));
    return { record, rest: [chunks[k].subarray(want), ...chunks.slice(k + 1)] };
  }
  return { record, rest: chunks.slice(k) };
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
