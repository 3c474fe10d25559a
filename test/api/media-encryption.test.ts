import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { SealedBlobStores } from '../../src/media/sealed/sealed-blob-store.js';
import { SessionKeyTable } from '../../src/store/session-keys.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';
import { WEBM, WEBM_DURATION_MS } from '../support/webm.js';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Every stored object (not the staging place), as raw bytes. */
function rawObjects(dir: string): Buffer[] {
  const out: Buffer[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const file = join(dir, name);
    if (!name.startsWith('staging') && statSync(file).isFile()) out.push(readFileSync(file));
  }
  return out;
}

/** Media encrypted per session at rest; destroying a session's key leaves its files unreadable and the API says so. */
for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`a session's media at rest ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  let blobsDir: string;
  let shredder: SealedBlobStores;
  const masterKey = randomBytes(32);
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\nexam rules for Ada Lovelace\n'), randomBytes(100_000)]);
  const fileIds: Record<string, string> = {};
  const auth = async (who: string) => ({ authorization: `Bearer ${await api.login(who)}` });

  beforeAll(async () => {
    api = await startTestApi({ masterKey }, { postgresUrl });
    blobsDir = join(api.config.dataDir, 'blobs');
    shredder = new SealedBlobStores(new LocalBlobStore(blobsDir), await SessionKeyTable.open(api.core.db), masterKey);
    for (const id of ['enc-1', 'enc-2']) {
      await api.createSession(id);
      await api.as('student1', `mutation { checkIn(id: "${id}", userAgent: "ua") { id } }`);
      await api.as('student1', `mutation { startSession(id: "${id}") { id } }`);
      fileIds[id] = (await api.upload('proctor1', id, pdf, { name: 'rules.pdf' })).json.fileId;
    }
    fileIds.photo = (await api.upload('student1', 'enc-1', PNG, { kind: 'face' })).json.fileId;
    const q = new URLSearchParams({ sessionId: 'enc-1', track: 'camera', seq: '0', start: new Date().toISOString(), durationMs: String(WEBM_DURATION_MS) });
    expect((await fetch(`${api.server.url}/recordings?${q}`, { method: 'POST', headers: await auth('student1'), body: new Uint8Array(WEBM.live) })).status).toBe(201);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('stores no file, photo or recording in plaintext, and serves each byte for byte', async () => {
    const raw = rawObjects(blobsDir);
    expect(raw.length).toBe(4); // the same PDF in two sessions is two objects
    for (const plain of [pdf.subarray(0, 40), pdf.subarray(50_000, 50_032), PNG.subarray(16, 48), WEBM.live.subarray(1000, 1032)]) {
      expect(raw.some((object) => object.includes(plain))).toBe(false);
    }
    expect(raw.map(sha)).not.toContain(sha(pdf));
    const down = await api.download('student1', fileIds['enc-1']);
    expect(down.status).toBe(200);
    expect(down.body.equals(pdf)).toBe(true);
    const segment = await fetch(`${api.server.url}/recordings/enc-1/camera/0`, { headers: await auth('proctor1') });
    expect(segment.status).toBe(200);
    expect(sha(Buffer.from(await segment.arrayBuffer()))).toBe(sha(WEBM.live));
  });

  it("after a session's key is shredded its media is gone, answers 410 with why, and other sessions are untouched", async () => {
    const before = rawObjects(blobsDir).length;
    expect(await shredder.shred('enc-1', 'retention')).toBe(3);
    expect(rawObjects(blobsDir).length).toBe(before - 3);
    for (const fileId of [fileIds['enc-1'], fileIds.photo]) {
      const down = await api.download('proctor1', fileId);
      expect(down.status).toBe(410);
      expect(JSON.parse(down.body.toString()).error).toMatch(/media was deleted on \d{4}-\d\d-\d\d \(retention\)/);
    }
    const segment = await fetch(`${api.server.url}/recordings/enc-1/camera/0`, { headers: await auth('proctor1') });
    expect(segment.status).toBe(410);
    const other = await api.download('student1', fileIds['enc-2']);
    expect(other.status).toBe(200);
    expect(other.body.equals(pdf)).toBe(true);
    const upload = await api.upload('proctor1', 'enc-1', pdf, { name: 'again.pdf' });
    expect(upload.status).toBe(410);
  });
});
