import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDb } from '../../../test/support/core.js';
import { SessionKeyTable } from '../../store/session-keys.js';
import type { Sql } from '../../store/sql.js';
import { blobStoreContract } from '../blob-store.contract.js';
import { LocalBlobStore } from '../blob-store.js';
import { MediaDeletedError, SealedBlobStores } from './sealed-blob-store.js';
import { openStream, SealBrokenError, sealBuffer } from './seal.js';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function bytes(stream: Readable | AsyncIterable<Buffer> | null): Promise<Buffer | null> {
  if (!stream) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every file under `dir` except the staging place, with its bytes. */
async function rawObjects(dir: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const sub of await readdir(dir)) {
    if (sub === 'staging') continue;
    for (const name of await readdir(join(dir, sub))) out.push(await readFile(join(dir, sub, name)));
  }
  return out;
}

describe("a session's sealed blob store", () => {
  blobStoreContract(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proctor-sealed-'));
    const db = await openTestDb();
    const stores = new SealedBlobStores(new LocalBlobStore(dir), await SessionKeyTable.open(db), randomBytes(32));
    return {
      blobs: stores.forSession('s-contract'),
      stagingDir: join(dir, 'staging'),
      close: async () => {
        await db.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  });
});

describe('encryption at rest and crypto-shredding', () => {
  let dir: string;
  let db: Sql;
  let stores: SealedBlobStores;
  const master = randomBytes(32);
  const now = new Date('2026-05-04T10:00:00Z');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'proctor-shred-'));
    db = await openTestDb();
    stores = new SealedBlobStores(new LocalBlobStore(dir), await SessionKeyTable.open(db), master, () => now);
  });
  afterEach(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores no plaintext: the raw object holds neither the content nor any 32 bytes of it', async () => {
    const photo = Buffer.concat([Buffer.from('JFIF identity photo of Ada Lovelace '), randomBytes(200_000)]);
    await stores.forSession('s1').put(sha(photo), photo);
    const [raw] = await rawObjects(dir);
    expect(raw.includes(Buffer.from('Ada Lovelace'))).toBe(false);
    expect(raw.includes(photo.subarray(100_000, 100_032))).toBe(false);
    expect(await bytes(await stores.forSession('s1').get(sha(photo)))).toEqual(photo);
  });

  it('keeps one content in two sessions as two objects, each readable only through its own session', async () => {
    const data = randomBytes(5000);
    await stores.forSession('s1').put(sha(data), data);
    await stores.forSession('s2').put(sha(data), data);
    expect(await rawObjects(dir)).toHaveLength(2);
    expect(await stores.forSession('s3').get(sha(data))).toBeNull();
  });

  it('after shredding, the raw objects kept aside do not open with any key the store still has, and reads say deleted', async () => {
    const data = randomBytes(150_000);
    const staged = await stores.forSession('s1').stage((async function* () { yield data; })(), { maxBytes: 1_000_000 });
    await staged.commit();
    const backup = await rawObjects(dir);
    const otherData = randomBytes(1000);
    await stores.forSession('s2').put(sha(otherData), otherData);

    expect(await stores.shred('s1', 'retention')).toBe(1);

    expect((await rawObjects(dir)).map(sha)).not.toContain(sha(backup[0]));
    await expect(stores.forSession('s1').get(sha(data))).rejects.toBeInstanceOf(MediaDeletedError);
    await expect(stores.forSession('s1').get(sha(data))).rejects.toThrow(/deleted on 2026-05-04 \(retention\)/);
    await expect(stores.forSession('s1').put(sha(data), data)).rejects.toBeInstanceOf(MediaDeletedError);
    const keys = await db.query<{ wrapped_key: string | null }>('SELECT wrapped_key FROM session_keys');
    const liveKeys = keys.map((k) => k.wrapped_key).filter((k): k is string => k !== null);
    expect(liveKeys).toHaveLength(1); // s2's
    for (const candidate of [master, ...liveKeys.map((k) => Buffer.from(k, 'base64').subarray(12, 44))]) {
      await expect(bytes(openStream(candidate, Buffer.from('session-blob:s1'), (async function* () { yield backup[0]; })()))).rejects.toBeInstanceOf(SealBrokenError);
    }
    expect(await bytes(await stores.forSession('s2').get(sha(otherData)))).toEqual(otherData);
    expect(await stores.shred('s1', 'retention')).toBe(0);
  });

  it('refuses ciphertext that was altered, cut at a record boundary or moved to another session', async () => {
    const key = randomBytes(32);
    const aad = Buffer.from('session-blob:s1');
    const sealed = await sealBuffer(key, aad, randomBytes(200_000));
    const open = (raw: Buffer, withAad = aad) => bytes(openStream(key, withAad, (async function* () { yield raw; })()));
    const flipped = Buffer.from(sealed);
    flipped[5000] ^= 1;
    await expect(open(flipped)).rejects.toBeInstanceOf(SealBrokenError);
    await expect(open(sealed.subarray(0, 11 + (64 * 1024 + 16)))).rejects.toBeInstanceOf(SealBrokenError);
    await expect(open(sealed, Buffer.from('session-blob:s2'))).rejects.toBeInstanceOf(SealBrokenError);
    expect((await open(sealed))!.length).toBe(200_000);
  });

  it('cannot open a session key under another master key, and says MASTER_KEY may have changed', async () => {
    const data = randomBytes(100);
    await stores.forSession('s1').put(sha(data), data);
    const other = new SealedBlobStores(new LocalBlobStore(dir), await SessionKeyTable.open(db), randomBytes(32));
    await expect(other.forSession('s1').get(sha(data))).rejects.toThrow(/MASTER_KEY changed/);
  });
});
