import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetentionSweeper } from '../../src/app/retention/retention-sweep.js';
import { ensureDefaultTemplate } from '../../src/app/templates/templates.js';
import { SYSTEM_ACTOR } from '../../src/domain/core/decider.js';
import { sessionStreamId } from '../../src/domain/session/events.js';
import { DEFAULT_TEMPLATE } from '../../src/domain/template/settings.js';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { SealedBlobStores } from '../../src/media/sealed/sealed-blob-store.js';
import { SessionKeyTable } from '../../src/store/session-keys.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';
import { WEBM, WEBM_DURATION_MS } from '../support/webm.js';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
const MIN = 60_000;
const DAY = 1440 * MIN;
const TEMPLATE = {
  metrics: ['b2', 'c2'], weights: [], threshold: 50, autoConclude: false, rules: 'Alone.',
  stages: { compatibilityCheck: false, facePhoto: false, idPhoto: false, proctorApproval: false },
  addons: { screen: false, secondCamera: false, chat: true, calls: false, contentProtection: false },
  checkInBefore: 15, checkInAfter: null, duration: 60, scoreVisibleToStudent: false,
};
const CREATE_TEMPLATE = `mutation($id: ID, $input: TemplateInput!) { createTemplate(id: $id, input: $input) { id retentionDays } }`;
const PROTOCOL = (id: string) => `{ session(id: "${id}") { status score conclusion recordings { seq } messages { text attachment { id } } timeline { type data } } }`;
const VERIFY = `query($id: ID!) { verifyStream(id: $id) { ok events } }`;

/** Sessions whose template's retention is over lose their recordings, photos and files; their protocol stays. */
for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`retention of a session's media ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  let sweeper: RetentionSweeper;
  let keys: SessionKeyTable;
  let raw: LocalBlobStore;
  let endedAt: number;
  const masterKey = randomBytes(32);
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\nnotes of Ada Lovelace\n'), randomBytes(5000)]);
  const files: Record<string, { photo: string; attachment: string }> = {};
  const objects: Record<string, string[]> = {};
  const auth = async (who: string) => ({ authorization: `Bearer ${await api.login(who)}` });
  const segment = async (id: string) => fetch(`${api.server.url}/recordings/${id}/camera/0`, { headers: await auth('proctor1') });

  /** A session that ran, with a camera segment, a face photo and a chat file, finished now and concluded. */
  async function lived(id: string, template: string | null): Promise<void> {
    await api.createSession(id, template ? { template } : {});
    await api.as('student1', `mutation { checkIn(id: "${id}", userAgent: "Chromium") { id } }`);
    await api.as('student1', `mutation { startSession(id: "${id}") { id } }`);
    const photo = (await api.upload('student1', id, PNG, { kind: 'face' })).json.fileId;
    const attachment = (await api.upload('proctor1', id, pdf, { name: 'notes.pdf' })).json.fileId;
    await api.as('proctor1', `mutation($f: String) { sendMessage(sessionId: "${id}", text: "Read this", attachmentId: $f) { id } }`, { f: attachment });
    const q = new URLSearchParams({ sessionId: id, track: 'camera', seq: '0', start: new Date().toISOString(), durationMs: String(WEBM_DURATION_MS) });
    expect((await fetch(`${api.server.url}/recordings?${q}`, { method: 'POST', headers: await auth('student1'), body: new Uint8Array(WEBM.live) })).status).toBe(201);
    await api.as('proctor1', `mutation { finishSession(id: "${id}", conclusion: positive, comment: "fine") { id } }`);
    files[id] = { photo, attachment };
    objects[id] = await keys.objects(id);
  }

  beforeAll(async () => {
    api = await startTestApi({ masterKey }, { postgresUrl });
    keys = await SessionKeyTable.open(api.core.db);
    raw = new LocalBlobStore(join(api.config.dataDir, 'blobs'));
    sweeper = new RetentionSweeper(api.core, new SealedBlobStores(raw, keys, masterKey));
    await ensureDefaultTemplate(api.core);
    await api.core.template('default', 'ReviseTemplate', { ...DEFAULT_TEMPLATE, retentionDays: 2 }, SYSTEM_ACTOR);
    await api.as('admin', CREATE_TEMPLATE, { id: 'one-day', input: { ...TEMPLATE, name: 'One day', retentionDays: 1 } });
    await api.as('admin', CREATE_TEMPLATE, { id: 'a-month', input: { ...TEMPLATE, name: 'A month', retentionDays: 30 } });
    await lived('ret-1', 'one-day');
    await lived('ret-30', 'a-month');
    await lived('ret-none', null);
    endedAt = Date.now();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('deletes nothing before a day has passed since the end', async () => {
    expect(await sweeper.sweep(new Date(endedAt + DAY - 5 * MIN))).toEqual({ deleted: [], failed: [] });
    expect((await segment('ret-1')).status).toBe(200);
  });

  describe('a day and a minute after a session of a 1-day template ended', () => {
    let before: Buffer[];
    beforeAll(async () => {
      before = await Promise.all(objects['ret-1'].map(async (key) => Buffer.concat(await (await raw.get(key))!.toArray())));
      expect(before.length).toBe(3);
      expect(await sweeper.sweep(new Date(endedAt + DAY + MIN))).toEqual({ deleted: ['ret-1'], failed: [] });
    });

    it('leaves no stored object of its recording, photo or file, and no key that would open a copy', async () => {
      for (const key of objects['ret-1']) expect(await raw.get(key)).toBeNull();
      expect(await keys.objects('ret-1')).toEqual([]);
      expect(await keys.get('ret-1')).toMatchObject({ state: 'shredded', reason: 'retention' });
      const copy = new SealedBlobStores(new LocalBlobStore(join(api.config.dataDir, 'copy')), keys, masterKey);
      for (const [i, key] of objects['ret-1'].entries()) await copy.put(key, before[i]);
      await expect(copy.forSession('ret-1').get(createHash('sha256').update(PNG).digest('hex'))).rejects.toThrow(/deleted on .* \(retention\)/);
    });

    it('answers 404 or 410 for its segment, photo and file', async () => {
      expect([404, 410]).toContain((await segment('ret-1')).status);
      for (const fileId of Object.values(files['ret-1'])) expect([404, 410]).toContain((await api.download('proctor1', fileId)).status);
    });

    it('keeps the protocol, its score and conclusion, and says the media was deleted under the retention policy', async () => {
      const { session } = await api.as('auditor1', PROTOCOL('ret-1'));
      expect(session).toMatchObject({ status: 'concluded', conclusion: 'positive', recordings: [], messages: [{ text: 'Read this', attachment: null }] });
      expect(session.score).toEqual(expect.any(Number));
      const types = session.timeline.map((e: { type: string }) => e.type);
      expect(types).toEqual(expect.arrayContaining(['ScoreComputed', 'SessionConcluded', 'FileStored']));
      expect(session.timeline.at(-1)).toMatchObject({
        type: 'SessionMediaDeleted', data: { reason: 'retention', retentionDays: 1, recordings: 1, photos: 1, files: 1, at: new Date(endedAt + DAY + MIN).toISOString() },
      });
      const stream = await api.core.store.readStream(sessionStreamId('ret-1'));
      expect(stream.at(-1)?.type).toBe('SessionMediaDeleted');
      expect(await api.as('auditor1', VERIFY, { id: 'ret-1' })).toEqual({ verifyStream: { ok: true, events: stream.length } });
    });

    it('leaves sessions whose retention is not over as they were', async () => {
      for (const id of ['ret-30', 'ret-none']) {
        expect((await segment(id)).status).toBe(200);
        expect((await api.download('proctor1', files[id].photo)).body.equals(PNG)).toBe(true);
        expect(await keys.objects(id)).toEqual(objects[id]);
      }
    });

    it('does nothing on a second sweep', async () => {
      const length = (await api.core.store.readStream(sessionStreamId('ret-1'))).length;
      expect(await sweeper.sweep(new Date(endedAt + DAY + 2 * MIN))).toEqual({ deleted: [], failed: [] });
      expect((await api.core.store.readStream(sessionStreamId('ret-1'))).length).toBe(length);
    });
  });

  it('counts the default template\'s days for a session made without a template, and finishes what a crash left', async () => {
    // A crash after the key was shredded and before the event: the session is still listed, and the next sweep ends it.
    await new SealedBlobStores(raw, keys, masterKey).shred('ret-none', 'retention');
    expect(await sweeper.sweep(new Date(endedAt + 2 * DAY + MIN))).toEqual({ deleted: ['ret-none'], failed: [] });
    const { session } = await api.as('admin', PROTOCOL('ret-none'));
    expect(session.timeline.at(-1)).toMatchObject({ type: 'SessionMediaDeleted', data: { retentionDays: 2, recordings: 1, photos: 1, files: 1 } });
    expect((await segment('ret-30')).status).toBe(200);
  });
});
