import { randomBytes } from 'node:crypto';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../src/app/accounts/passwords.js';
import { accountStreamId } from '../../src/domain/account/account.js';
import { SYSTEM_ACTOR } from '../../src/domain/core/decider.js';
import { PASSWORD, startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';
import { WEBM, WEBM_DURATION_MS } from '../support/webm.js';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
const NAME = 'Pat Archivist';

/** An administrator downloads everything held about one person as a ZIP (GDPR Art. 15). */
for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`a person's own data ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(150_000)]);
  const zipUrl = () => `${api.server.url}/privacy/people/pat.a/data.zip`;
  const get = async (who: string | null) => fetch(zipUrl(), { headers: who ? { authorization: `Bearer ${await api.login(who)}` } : {} });

  beforeAll(async () => {
    api = await startTestApi({ masterKey: randomBytes(32) }, { postgresUrl });
    await api.core.account('pat.a', 'RegisterAccount', { username: 'pat.a', role: 'student', displayName: NAME, passwordHash: await hashPassword(PASSWORD) }, SYSTEM_ACTOR);
    await api.createSession('data-1', { student: 'pat.a', studentName: NAME });
    await api.as('pat.a', `mutation { checkIn(id: "data-1", userAgent: "ua") { id } }`);
    await api.as('pat.a', `mutation { startSession(id: "data-1") { id } }`);
    await api.as('pat.a', `mutation { sendMessage(sessionId: "data-1", text: "is the calculator allowed?") { id } }`);
    expect((await api.upload('pat.a', 'data-1', pdf, { name: 'notes.pdf' })).status).toBe(201);
    expect((await api.upload('pat.a', 'data-1', PNG, { kind: 'face' })).status).toBe(201);
    const q = new URLSearchParams({ sessionId: 'data-1', track: 'camera', seq: '0', start: new Date().toISOString(), durationMs: String(WEBM_DURATION_MS) });
    const seg = await fetch(`${api.server.url}/recordings?${q}`, { method: 'POST', headers: { authorization: `Bearer ${await api.login('pat.a')}` }, body: new Uint8Array(WEBM.live) });
    expect(seg.status).toBe(201);
    await api.createSession('other-1', { student: 'student2' });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('is refused to anyone but an administrator', async () => {
    expect((await get(null)).status).toBe(401);
    for (const who of ['proctor1', 'auditor1', 'pat.a', 'lms']) expect((await get(who)).status).toBe(403);
    expect((await fetch(`${api.server.url}/privacy/people/nobody/data.zip`, { headers: { authorization: `Bearer ${await api.login('admin')}` } })).status).toBe(404);
  });

  it('holds their account, protocol, files, photos and recordings decrypted, with an index of what each file is', async () => {
    const res = await get('admin');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    const text = (name: string) => JSON.parse(Buffer.from(files[name]).toString('utf8'));
    expect(text('account.json')).toMatchObject({ username: 'pat.a', role: 'student', displayName: NAME });
    expect(JSON.stringify(text('account.json'))).not.toMatch(/passwordHash|scrypt/);
    const events = text('sessions/data-1/events.json') as Array<{ type: string; data: Record<string, unknown> }>;
    expect(events[0]).toMatchObject({ type: 'SessionCreated', data: { studentName: NAME } });
    expect(events.find((e) => e.type === 'MessageSent')?.data.text).toBe('is the calculator allowed?');
    const names = Object.keys(files);
    const pdfEntry = names.find((n) => n.startsWith('sessions/data-1/files/') && n.endsWith('notes.pdf'))!;
    expect(Buffer.from(files[pdfEntry]).equals(pdf)).toBe(true);
    expect(names.filter((n) => n.startsWith('sessions/data-1/files/')).map((n) => Buffer.from(files[n]))).toContainEqual(PNG);
    expect(Buffer.from(files['sessions/data-1/recordings/camera-00000.webm']).equals(WEBM.live)).toBe(true);
    expect(names.some((n) => n.includes('other-1'))).toBe(false);
    const index = text('index.json') as { username: string; files: Array<{ path: string; what: string }> };
    expect(index.username).toBe('pat.a');
    for (const name of names.filter((n) => n !== 'index.json')) expect(index.files.map((f) => f.path)).toContain(name);
    expect(index.files.every((f) => f.what.length > 5)).toBe(true);
  });

  it('records each export on the person\'s account', async () => {
    const events = await api.core.store.readStream(accountStreamId('pat.a'));
    expect(events.filter((e) => e.type === 'PersonDataExported').map((e) => e.data)).toContainEqual(expect.objectContaining({ sessions: 1, by: 'admin' }));
  });
});
