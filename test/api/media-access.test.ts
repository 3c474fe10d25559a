import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/api/auth/tokens.js';
import { sessionStreamId } from '../../src/domain/session/events.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';
import { WEBM, WEBM_DURATION_MS } from '../support/webm.js';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
const VIEW_HEADER = 'x-recording-view';

/** Every read of a session's recording, photos and files is on its protocol; no media URL answers without a right to that session. */
for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`access to a session's media ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  let photo: string;
  let attachment: string;
  let otherSessionToken: string;
  let otherView: string;
  const bearer = async (who: string) => ({ authorization: `Bearer ${await api.login(who)}` });
  const stream = async (id: string) => api.core.store.readStream(sessionStreamId(id));
  const fileViews = async (id: string) => (await stream(id)).filter((e) => e.type === 'FileViewed').map((e) => e.data);

  async function record(id: string): Promise<void> {
    const q = new URLSearchParams({ sessionId: id, track: 'camera', seq: '0', start: new Date().toISOString(), durationMs: String(WEBM_DURATION_MS) });
    expect((await fetch(`${api.server.url}/recordings?${q}`, { method: 'POST', headers: await bearer('student1'), body: new Uint8Array(WEBM.live) })).status).toBe(201);
  }

  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
    for (const id of ['acc-1', 'acc-2']) {
      await api.createSession(id);
      await api.as('student1', `mutation { checkIn(id: "${id}", userAgent: "Chromium") { id } }`);
      await api.as('student1', `mutation { startSession(id: "${id}") { id } }`);
      await record(id);
    }
    photo = (await api.upload('student1', 'acc-1', PNG, { kind: 'face' })).json.fileId;
    attachment = (await api.upload('proctor1', 'acc-1', Buffer.from('%PDF-1.4\nrules\n'), { name: 'rules.pdf' })).json.fileId;
    // The same test-taker, with a token bound to their other session (as an LMS launch or their phone has).
    otherSessionToken = (await new TokenService(api.config.jwtSecret).issue({ id: 'student1', role: 'student' }, { sessionId: 'acc-2' })).token;
    const opened = await fetch(`${api.server.url}/playback/acc-2/views`, { method: 'POST', headers: await bearer('auditor1') });
    otherView = ((await opened.json()) as { view: string }).view;
  });
  afterAll(async () => {
    await api?.close();
  });

  describe('when people open a photo or a chat file', () => {
    it('records who opened which file, once per person and file within ten minutes', async () => {
      expect((await api.download('auditor1', photo)).body.equals(PNG)).toBe(true);
      expect((await api.download('auditor1', photo)).status).toBe(200);
      expect((await api.download('proctor1', attachment)).status).toBe(200);
      expect((await api.download('student1', attachment)).status).toBe(200);
      expect(await fileViews('acc-1')).toEqual([
        { fileId: photo, kind: 'face', by: 'auditor1', at: expect.any(String) },
        { fileId: attachment, kind: 'attachment', by: 'proctor1', at: expect.any(String) },
        { fileId: attachment, kind: 'attachment', by: 'student1', at: expect.any(String) },
      ]);
    });

    it('lists the reads on the protocol beside the recording\'s, for auditors and administrators', async () => {
      expect((await fetch(`${api.server.url}/recordings/acc-1/camera/0`, { headers: await bearer('auditor1') })).status).toBe(200);
      const { session } = await api.as('admin', `{ session(id: "acc-1") { timeline { kind type actor data } } }`);
      const log = session.timeline.filter((e: { kind: string }) => e.kind === 'playback');
      expect(log.map((e: { type: string; actor: string }) => `${e.type} ${e.actor}`)).toEqual([
        'FileViewed auditor1', 'FileViewed proctor1', 'FileViewed student1', 'RecordingPlayed auditor1',
      ]);
    });
  });

  describe('when a media URL is asked for without a right to its session', () => {
    const urls = (): Array<{ what: string; path: string; method?: string; headers: Record<string, string> }> => [
      { what: 'the face photo', path: `/files/${photo}`, headers: {} },
      { what: 'the chat file', path: `/files/${attachment}`, headers: {} },
      { what: 'a recording segment', path: '/recordings/acc-1/camera/0', headers: {} },
      { what: 'a view of the recording', path: '/playback/acc-1/views', method: 'POST', headers: {} },
      { what: 'a segment under a view', path: '/playback/acc-1/camera/0', headers: { [VIEW_HEADER]: otherView } },
    ];
    const ask = (u: ReturnType<typeof urls>[number], auth: Record<string, string>) =>
      fetch(`${api.server.url}${u.path}`, { method: u.method ?? 'GET', headers: { ...u.headers, ...auth } });

    it('answers 401 without a token', async () => {
      for (const u of urls()) expect([u.what, (await ask(u, {})).status]).toEqual([u.what, 401]);
    });

    it('answers 403 or 404 to another test-taker, to a token bound to another session, and for a view of another session', async () => {
      const before = (await stream('acc-1')).length;
      for (const u of urls()) {
        for (const auth of [await bearer('student2'), { authorization: `Bearer ${otherSessionToken}` }]) {
          const res = await ask(u, auth);
          expect([u.what, [403, 404].includes(res.status)]).toEqual([u.what, true]);
          expect(res.headers.get('content-type') ?? '').not.toMatch(/video|image|pdf/);
        }
      }
      const underOtherView = await ask(urls()[4], await bearer('auditor1'));
      expect(underOtherView.status).toBe(403);
      expect((await stream('acc-1')).length).toBe(before); // nothing refused is logged as read
    });
  });
});
