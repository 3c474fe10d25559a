import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/app/accounts/passwords.js';
import { SYSTEM_ACTOR } from '../../src/domain/core/decider.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { PASSWORD, startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';
import { WEBM, WEBM_DURATION_MS } from '../support/webm.js';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

const NAME = 'Erin Quillfeather-Doe';
const EMAIL = 'erin.quillfeather@example.edu';
const CHAT = 'my cat Pumpernickel walked over the keyboard';
const NOTE = 'Quillfeather looked at a second screen';
const FILE_NAME = 'quillfeather-passport.pdf';
const COMMENT = 'Quillfeather was calm throughout';
const SECRETS = [NAME, EMAIL, CHAT, NOTE, FILE_NAME, COMMENT, 'Quillfeather', 'quillfeather', 'Pumpernickel'];
const OTHER_NAME = 'Kim Otherperson';

/** Every stored blob object (not the staging place), as raw bytes. */
function rawObjects(dir: string): Buffer[] {
  const out: Buffer[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const file = join(dir, name);
    if (!name.startsWith('staging') && statSync(file).isFile()) out.push(readFileSync(file));
  }
  return out;
}

/** A person erased: nothing readable of them in any table or blob, the chains intact, results kept, others untouched. */
for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`erasing a person ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  let blobsDir: string;
  const pdf = Buffer.concat([Buffer.from(`%PDF-1.4\npassport of ${NAME}\n`), randomBytes(2_000)]);
  const auth = async (who: string) => ({ authorization: `Bearer ${await api.login(who)}` });
  const fileIds: string[] = [];
  const run = async (who: string, query: string, variables: Record<string, unknown> = {}) => api.gql(query, variables, await api.login(who));

  /** Rows of every table of our schemas (the shadow schemas of a rebuild too) that contain `needle`, as text. */
  async function tablesHolding(needles: readonly string[]): Promise<string[]> {
    const tables = await api.core.db.query<{ s: string; t: string }>(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
         AND ($1 OR table_schema LIKE current_schema() || '%')`,
      [api.core.db.engine !== 'postgres'],
    );
    expect(tables.length).toBeGreaterThan(10);
    const found: string[] = [];
    for (const { s, t } of tables) {
      const rows = await api.core.db.query<{ r: string }>(`SELECT t::text AS r FROM "${s}"."${t}" t`);
      for (const needle of needles) if (rows.some((row) => row.r.toLowerCase().includes(needle.toLowerCase()))) found.push(`${s}.${t}: ${needle}`);
    }
    return found;
  }

  async function liveSession(id: string, student: string, studentName: string) {
    await api.createSession(id, { student, studentName });
    await api.as(student, `mutation { checkIn(id: "${id}", userAgent: "Mozilla/5.0 (X11) ${student}-laptop") { id } }`);
    await api.as(student, `mutation { startSession(id: "${id}") { id } }`);
  }

  beforeAll(async () => {
    api = await startTestApi({ masterKey: randomBytes(32) }, { postgresUrl });
    blobsDir = join(api.config.dataDir, 'blobs');
    const passwordHash = await hashPassword(PASSWORD);
    await api.core.account('erin.q', 'RegisterAccount', { username: 'erin.q', role: 'student', displayName: NAME, passwordHash }, SYSTEM_ACTOR);
    await api.core.profile('erin.q', 'SetProfileReference', { username: 'erin.q', photoId: 'ph-1', descriptor: Array.from({ length: 128 }, (_, i) => i / 1000 + 0.123456), replace: true }, SYSTEM_ACTOR);
    for (const id of ['erase-1', 'erase-2']) {
      await liveSession(id, 'erin.q', NAME);
      expect((await run('erin.q', `mutation($t: String!) { sendMessage(sessionId: "${id}", text: $t) { id } }`, { t: `${CHAT}, write to ${EMAIL}` })).errors).toBeUndefined();
      await api.as('proctor1', `mutation($t: String!) { addNote(sessionId: "${id}", text: $t) { id } }`, { t: NOTE });
      const file = await api.upload('erin.q', id, pdf, { name: FILE_NAME });
      expect(file.status).toBe(201);
      fileIds.push(file.json.fileId);
      expect((await api.upload('erin.q', id, PNG, { kind: 'face' })).status).toBe(201);
      const q = new URLSearchParams({ sessionId: id, track: 'camera', seq: '0', start: new Date().toISOString(), durationMs: String(WEBM_DURATION_MS) });
      expect((await fetch(`${api.server.url}/recordings?${q}`, { method: 'POST', headers: await auth('erin.q'), body: new Uint8Array(WEBM.live) })).status).toBe(201);
      const end = await run('proctor1', `mutation($c: String!) { finishSession(id: "${id}", conclusion: positive, comment: $c, messageToStudent: $c) { id } }`, { c: COMMENT });
      expect(end.errors).toBeUndefined();
    }
    await liveSession('keep-1', 'student2', OTHER_NAME);
    await api.as('student2', `mutation { sendMessage(sessionId: "keep-1", text: "hello from Kim") { id } }`);
    fileIds.push((await api.upload('student2', 'keep-1', pdf, { name: 'kim.pdf' })).json.fileId);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('holds the personal data sealed before: the events table has none of it in clear', async () => {
    const events = await api.core.db.query<{ r: string }>(`SELECT t::text AS r FROM events t`);
    for (const secret of [NAME, CHAT, NOTE, FILE_NAME, COMMENT]) expect(events.some((e) => e.r.includes(secret))).toBe(false);
    // The scan finds what the read models hold of the person, so its empty answer after the erasure means something.
    expect(await tablesHolding([NAME])).toEqual(expect.arrayContaining([expect.stringMatching(/monitor_sessions/), expect.stringMatching(/\.accounts: /)]));
    const session = await run('proctor1', `{ session(id: "erase-1") { studentName messages { text } files { name } } }`);
    expect(session.data?.session).toMatchObject({ studentName: NAME, messages: [{ text: `${CHAT}, write to ${EMAIL}` }], files: expect.arrayContaining([expect.objectContaining({ name: FILE_NAME })]) });
  });

  it('is refused to anyone but an administrator, and to an administrator for their own account', async () => {
    for (const who of ['proctor1', 'auditor1', 'erin.q']) {
      expect(await api.errorCode(who, `mutation { erasePerson(username: "erin.q", reason: "request") { username } }`)).toBe('FORBIDDEN');
    }
    expect((await run('admin', `mutation { erasePerson(username: "admin", reason: "request") { username } }`)).errors?.[0].message).toMatch(/your own account/);
    expect(await api.errorCode('admin', `mutation { erasePerson(username: "erin.q", reason: "  ") { username } }`)).toBe('BAD_USER_INPUT');
  });

  describe('when an administrator erases the person', () => {
    beforeAll(async () => {
      const erased = await run('admin', `mutation { erasePerson(username: "erin.q", reason: "GDPR request 2026-117") { username sessions objectsRemoved erased } }`);
      expect(erased.errors).toBeUndefined();
      expect(erased.data?.erasePerson).toEqual({ username: 'erin.q', sessions: ['erase-1', 'erase-2'], objectsRemoved: 6, erased: true });
    });

    it('leaves no name, email, chat, note, file name or comment of theirs in any table', async () => {
      expect(await tablesHolding(SECRETS)).toEqual([]);
    });

    it('leaves none of their files, photos or recordings in any blob, and serves none of them', async () => {
      const raw = rawObjects(blobsDir);
      expect(raw).toHaveLength(1); // keep-1's file alone
      for (const plain of [Buffer.from(NAME), PNG.subarray(16, 48), WEBM.live.subarray(1000, 1032)]) expect(raw.some((o) => o.includes(plain))).toBe(false);
      expect((await api.download('admin', fileIds[0])).status).toBe(410);
      expect((await fetch(`${api.server.url}/recordings/erase-2/camera/0`, { headers: await auth('admin') })).status).toBe(410);
    });

    it('keeps every chain verifying, and the protocol with its score and conclusion', async () => {
      for (const id of ['erase-1', 'erase-2', 'keep-1']) {
        const v = await run('auditor1', `{ verifyStream(id: "${id}") { ok reason } }`);
        expect(v.data?.verifyStream).toEqual({ ok: true, reason: null });
      }
      const s = await run('admin', `{ session(id: "erase-1") { student studentName conclusion comment score messages { text } notes { text } files { name } } }`);
      expect(s.data?.session).toMatchObject({ studentName: null, conclusion: 'positive', comment: null, messages: [{ text: '(erased)' }], notes: [{ text: '(erased)' }] });
      expect(typeof s.data?.session.score).toBe('number');
      expect(s.data?.session.files.every((f: { name: string }) => f.name === 'erased')).toBe(true);
    });

    it('disables the account for good, its name and reference face gone', async () => {
      const people = await run('admin', `{ accounts(includeDisabled: true) { username displayName disabled } }`);
      expect(people.data?.accounts).toContainEqual({ username: 'erin.q', displayName: 'erased person', disabled: true });
      expect(await api.errorCode('admin', `mutation { enableAccount(username: "erin.q") { username } }`)).toBe('CONFLICT');
      expect((await api.gql(`mutation { login(username: "erin.q", password: "${PASSWORD}") { token } }`)).errors).toBeDefined();
      expect(await api.core.db.query(`SELECT 1 FROM face_references WHERE profile = 'erin.q'`)).toEqual([]);
    });

    it('leaves another person untouched', async () => {
      const s = await run('admin', `{ session(id: "keep-1") { studentName messages { text } } }`);
      expect(s.data?.session).toEqual({ studentName: OTHER_NAME, messages: [{ text: 'hello from Kim' }] });
      expect((await api.download('student2', fileIds[2])).body.equals(pdf)).toBe(true);
    });

    it('does not bring anything back when the read models are rebuilt from the events', async () => {
      for (const p of ALL_PROJECTIONS) await api.core.runner.rebuild(p.name);
      expect(await tablesHolding(SECRETS)).toEqual([]);
      const s = await run('admin', `{ session(id: "erase-2") { studentName conclusion messages { text } } }`);
      expect(s.data?.session).toMatchObject({ studentName: null, conclusion: 'positive', messages: [{ text: '(erased)' }] });
      expect((await run('admin', `{ session(id: "keep-1") { studentName } }`)).data?.session.studentName).toBe(OTHER_NAME);
    });
  });
});
