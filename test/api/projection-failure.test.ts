import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`a read model that fails ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
    await api.createSession('pf-1');
    await api.as('student1', `mutation { checkIn(id: "pf-1", userAgent: "Chromium 156") { status } }`);
    await api.as('student1', `mutation { startSession(id: "pf-1") { status } }`);
  });
  afterAll(async () => {
    await api.close();
  });

  const health = async () => {
    const res = await fetch(`${api.server.url}/healthz`);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  describe('when the files read model cannot apply a stored file', () => {
    let fileId: string;
    beforeAll(async () => {
      // Break one read model the way a bad migration would: rows already there stay readable, the next one is refused.
      await api.core.db.exec('ALTER TABLE files ADD CONSTRAINT files_broken CHECK (size < 0) NOT VALID');
      const uploaded = await api.upload('student1', 'pf-1', Buffer.from('notes for the proctor'), { name: 'notes.txt' });
      expect(uploaded.status).toBe(201);
      fileId = uploaded.json.fileId;
    });

    it('still accepts the command that stored it, and the next ones by anyone', async () => {
      const sent = await api.as('proctor1', `mutation { sendMessage(sessionId: "pf-1", text: "Received, thanks") { id } }`);
      expect(sent.sendMessage.id).toBeTruthy();
      const chat = await api.as('student1', `{ session(id: "pf-1") { messages { text } } }`);
      expect(chat.session.messages.map((m: { text: string }) => m.text)).toEqual(['Received, thanks']);
      await api.createSession('pf-2', { student: 'student2' });
      expect((await api.as('admin', `{ session(id: "pf-2") { status } }`)).session.status).toBe('scheduled');
    });

    it('answers /healthz with 503 naming the projection and the event', async () => {
      const { status, body } = await health();
      expect(status).toBe(503);
      expect(body.ok).toBe(false);
      expect(body.failed).toHaveLength(1);
      expect(body.failed[0]).toMatchObject({ name: 'files', eventType: 'FileStored', streamId: 'session-pf-1' });
      expect(body.failed[0].error).toMatch(/files_broken/);
      const listed = await api.as('auditor1', `{ projections { name failure { eventType streamId } } }`);
      expect(listed.projections.filter((p: { failure: unknown }) => p.failure)).toEqual([{ name: 'files', failure: { eventType: 'FileStored', streamId: 'session-pf-1' } }]);
    });

    it('is mended by a rebuild, after which the file is there and /healthz is 200', async () => {
      expect(await api.errorCode('auditor1', `mutation { rebuildProjection(name: "files") { name } }`)).toBe('FORBIDDEN');
      expect(await api.errorCode('admin', `mutation { rebuildProjection(name: "nothing") { name } }`)).toBe('NOT_FOUND');
      const rebuilt = await api.as('admin', `mutation { rebuildProjection(name: "files") { name failure { eventId } } }`);
      expect(rebuilt.rebuildProjection).toEqual({ name: 'files', failure: null });
      expect((await health()).status).toBe(200);
      const downloaded = await api.download('student1', fileId);
      expect(downloaded.status).toBe(200);
      expect(downloaded.body.toString()).toBe('notes for the proctor');
      // Later files reach the rebuilt table as usual.
      const next = await api.upload('student1', 'pf-1', Buffer.from('second file'), { name: 'second.txt' });
      expect((await api.download('student1', next.json.fileId)).status).toBe(200);
    });
  });
});
