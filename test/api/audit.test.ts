import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainCheckpointer } from '../../src/app/chain/checkpointer.js';
import { sessionStreamId } from '../../src/domain/session/events.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];
const OPEN = `mutation($id: ID!) { openReplay(id: $id) { sessionId streamId publicKey keyId events { streamVersion type hash prevHash recordedAt }
  anchor { version hash checkpoint { keyId at through previous signature heads { stream version hash } } } } }`;

/** Auditors replay and export a session's stream; test-takers and proctors do not; every look is on the record. */
for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`auditing a session's stream ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  let checkpointer: ChainCheckpointer;
  const exportAs = async (username: string | null, id: string) => {
    const res = await fetch(`${api.server.url}/audit/sessions/${encodeURIComponent(id)}/stream.jsonl`, {
      headers: username ? { authorization: `Bearer ${await api.login(username)}` } : {},
    });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  const types = async (id: string) => (await api.core.store.readStream(sessionStreamId(id))).map((e) => e.type);

  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
    checkpointer = new ChainCheckpointer(api.core, api.core.chainKeys!, { intervalMs: 3_600_000 });
    await checkpointer.start();
    await api.createSession('audit-1');
    await api.as('student1', `mutation { checkIn(id: "audit-1", userAgent: "Chromium 156") { id } }`);
    await api.as('proctor1', `mutation { addNote(sessionId: "audit-1", text: "calm") { id } }`);
    expect(await checkpointer.checkpoint()).toBe(true);
    await api.core.runner.waitForEvent((await api.core.store.readAll({ limit: 10_000 })).at(-1)!.id, 25_000);
  });
  afterAll(async () => {
    await checkpointer.stop();
    await api.close();
  });

  describe('when an auditor opens the replay', () => {
    it('answers every event with its hashes, the signed anchor of its head and the public key, and records the opening', async () => {
      const { openReplay } = await api.as('auditor1', OPEN, { id: 'audit-1' });
      expect(openReplay.events.map((e: { type: string }) => e.type)).toEqual(['SessionCreated', 'ParticipantCheckedIn', 'NoteAdded']);
      expect(openReplay.anchor).toMatchObject({ version: 2, hash: openReplay.events[2].hash });
      expect(openReplay.anchor.checkpoint.heads).toContainEqual({ stream: 'session-audit-1', version: 2, hash: openReplay.events[2].hash });
      expect(openReplay.publicKey).toBe(api.core.chainKeys!.publicKeyBase64);
      const [replayed] = (await api.core.store.readStream(sessionStreamId('audit-1'))).slice(-1);
      expect(replayed).toMatchObject({ type: 'StreamReplayed', data: { by: 'auditor1', role: 'auditor', events: 3 } });
    });

    it('lets an administrator in too, and refuses test-takers, proctors and integrations', async () => {
      expect((await api.as('admin', OPEN, { id: 'audit-1' })).openReplay.streamId).toBe('session-audit-1');
      for (const who of ['student1', 'proctor1', 'lms']) expect(await api.errorCode(who, OPEN, { id: 'audit-1' })).toBe('FORBIDDEN');
      expect(await api.errorCode(null, OPEN, { id: 'audit-1' })).toBe('UNAUTHENTICATED');
      expect(await api.errorCode('auditor1', OPEN, { id: 'no-such-session' })).toBe('NOT_FOUND');
    });
  });

  describe('when an auditor exports the stream for an outside auditor', () => {
    it('sends JSON Lines: a header with the public key, each event as stored, the signed checkpoint; and records the export', async () => {
      const before = (await api.core.store.readStream(sessionStreamId('audit-1'))).length;
      const file = await exportAs('auditor1', 'audit-1');
      expect(file.status).toBe(200);
      expect(file.type).toContain('application/jsonl');
      const lines = file.text.trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(lines[0]).toMatchObject({ kind: 'header', format: 'proctor-stream/1', stream: 'session-audit-1', events: before, publicKey: api.core.chainKeys!.publicKeyBase64 });
      expect(lines.slice(1, -1).map((l) => l.streamVersion)).toEqual([...Array(before).keys()]);
      expect(lines.at(-1)).toMatchObject({ kind: 'checkpoint', version: 2, keyId: api.core.chainKeys!.keyId });
      expect((await types('audit-1')).at(-1)).toBe('StreamExported');
      expect((await api.core.store.readStream(sessionStreamId('audit-1'))).at(-1)?.data).toMatchObject({ by: 'auditor1', throughVersion: before - 1 });
    });

    it('lets an administrator export, and refuses the test-taker, the proctor and anyone without a token', async () => {
      expect((await exportAs('admin', 'audit-1')).status).toBe(200);
      const exported = (await types('audit-1')).filter((t) => t === 'StreamExported').length;
      expect((await exportAs('student1', 'audit-1')).status).toBe(403);
      expect((await exportAs('proctor1', 'audit-1')).status).toBe(403);
      expect((await exportAs(null, 'audit-1')).status).toBe(401);
      expect((await exportAs('auditor1', 'nobody-here')).status).toBe(404);
      expect((await types('audit-1')).filter((t) => t === 'StreamExported').length).toBe(exported);
    });
  });
});
