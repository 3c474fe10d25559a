import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openStream, RECORD_BYTES, sealStream } from './seal.js';

/**
 * The stored format as first written (PSB1): magic, 7-byte prefix, then records of 64 KB of plaintext, each AES-256-GCM
 * under nonce prefix ‖ index ‖ last flag with its tag. Written out here independently, to hold the sealer to it.
 */
function referenceSeal(key: Buffer, aad: Buffer, prefix: Buffer, plain: Buffer): Buffer {
  const out = [Buffer.from('PSB1'), prefix];
  const records = Math.max(1, Math.ceil(plain.length / RECORD_BYTES));
  for (let k = 0; k < records; k++) {
    const nonce = Buffer.alloc(12);
    prefix.copy(nonce, 0);
    nonce.writeUInt32BE(k, 7);
    nonce[11] = k === records - 1 ? 1 : 0;
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(aad);
    out.push(cipher.update(plain.subarray(k * RECORD_BYTES, (k + 1) * RECORD_BYTES)), cipher.final(), cipher.getAuthTag());
  }
  return Buffer.concat(out);
}

async function* from(chunks: Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks;
}

async function sealed(key: Buffer, aad: Buffer, chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const part of sealStream(key, aad, chunks)) out.push(part);
  return Buffer.concat(out);
}

function cut(data: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (let k = 0; at < data.length; k++) {
    const size = sizes[k % sizes.length];
    out.push(data.subarray(at, at + size));
    at += size;
  }
  return out;
}

describe('sealing a stream', () => {
  const key = randomBytes(32);
  const aad = Buffer.from('session-blob:s1');

  it.each([
    ['nothing', 0, [1]],
    ['less than a record, byte by byte', 300, [1]],
    ['exactly one record, in one chunk', RECORD_BYTES, [RECORD_BYTES]],
    ['exactly three records, in chunks that straddle them', 3 * RECORD_BYTES, [65_535, 2, 70_000]],
    ['a segment, as a socket hands it over', 500_000, [65_536]],
    ['a segment, in odd chunks', 500_001, [16_384, 7, 100_000]],
  ])('writes %s byte for byte in the stored format, and opens again', async (_, size, sizes) => {
    // Given content arriving in chunks of any size
    const plain = randomBytes(size);
    // When it is sealed as it streams
    const out = await sealed(key, aad, cut(plain, sizes));
    // Then the bytes are the format's, record for record (so every blob sealed before still opens, and after)
    const prefix = out.subarray(4, 11);
    expect(out.equals(referenceSeal(key, aad, prefix, plain))).toBe(true);
    const opened: Buffer[] = [];
    for await (const part of openStream(key, aad, from([out]))) opened.push(part);
    expect(Buffer.concat(opened).equals(plain)).toBe(true);
  });

  it('leaves the chunks it was given as they were', async () => {
    // Given chunks the caller still holds
    const chunks = cut(randomBytes(200_000), [70_000]);
    const copies = chunks.map((c) => Buffer.from(c));
    // When they are sealed
    await sealed(key, aad, chunks);
    // Then none of them changed
    chunks.forEach((c, k) => expect(c.equals(copies[k])).toBe(true));
  });
});
