import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { WEBM, WEBM_DURATION_MS } from '../support/webm.js';

describe('watching a recording through a logged view', () => {
  let api: TestApi;
  // Real segments: the upload route checks each one is a whole WebM before it stores it.
  const segments = [WEBM.live, WEBM.seekable, WEBM.liveVideoOnly].map((body, seq) => ({ seq, body }));
  const auth = async (who: string | null): Promise<Record<string, string>> => (who ? { authorization: `Bearer ${await api.login(who)}` } : {});
  const openView = async (who: string | null, sessionId = 'play-1') =>
    fetch(`${api.server.url}/playback/${sessionId}/views`, { method: 'POST', headers: await auth(who) });
  const segment = async (who: string | null, view: string | null, path = 'play-1/camera/0') =>
    fetch(`${api.server.url}/playback/${path}`, { headers: { ...(await auth(who)), ...(view ? { 'x-recording-view': view } : {}) } });
  const events = async () => (await api.as('auditor1', `{ sessionEvents(id: "play-1") { type data } }`)).sessionEvents as Array<{ type: string; data: Record<string, unknown> }>;

  beforeAll(async () => {
    api = await startTestApi();
    for (const id of ['play-1', 'play-2']) {
      await api.createSession(id);
      await api.as('student1', `mutation { checkIn(id: "${id}", userAgent: "ua") { id } }`);
      await api.as('student1', `mutation { startSession(id: "${id}") { id } }`);
    }
    for (const { seq, body } of segments) {
      const q = new URLSearchParams({ sessionId: 'play-1', track: 'camera', seq: String(seq), start: new Date(Date.now() + seq * WEBM_DURATION_MS).toISOString(), durationMs: String(WEBM_DURATION_MS) });
      const res = await fetch(`${api.server.url}/recordings?${q}`, { method: 'POST', headers: await auth('student1'), body: new Uint8Array(body) });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await api.close();
  });

  describe('when an auditor opens a view and fetches every segment under it', () => {
    let view: string;
    beforeAll(async () => {
      const res = await openView('auditor1');
      expect(res.status).toBe(201);
      const body = (await res.json()) as { view: string; viewId: string; expiresAt: string };
      view = body.view;
      expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(3_500_000);
    });

    it('hands over each segment exactly as stored', async () => {
      for (const { seq, body } of segments) {
        const res = await segment('auditor1', view, `play-1/camera/${seq}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('video/webm');
        expect(res.headers.get('cache-control')).toMatch(/no-store/);
        const got = Buffer.from(await res.arrayBuffer());
        expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
      }
    });

    it('logs the viewing once, by whom and until when, not once per segment', async () => {
      const log = (await events()).filter((e) => e.type === 'RecordingViewed' || e.type === 'RecordingPlayed');
      expect(log).toEqual([{ type: 'RecordingViewed', data: expect.objectContaining({ by: 'auditor1', viewId: expect.any(String), until: expect.any(String) }) }]);
      const timeline = await api.as('proctor1', `{ session(id: "play-1") { timeline { kind type actor } } }`);
      expect(timeline.session.timeline.filter((e: { kind: string }) => e.kind === 'playback')).toEqual([{ kind: 'playback', type: 'RecordingViewed', actor: 'auditor1' }]);
    });

    it('is worth nothing to another reviewer, for another session, or without the Bearer token', async () => {
      expect((await segment('admin', view)).status).toBe(403);
      expect((await segment('auditor1', view, 'play-2/camera/0')).status).toBe(403);
      expect((await segment(null, view)).status).toBe(401);
    });

    it('refuses a segment that is not stored', async () => {
      expect((await segment('auditor1', view, 'play-1/camera/7')).status).toBe(404);
      expect((await segment('auditor1', view, 'play-1/screen/0')).status).toBe(404);
    });
  });

  it('serves no segment without a view, and says how to open one', async () => {
    const res = await segment('auditor1', null);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toMatch(/open a view first/);
  });

  it('opens views only for the session’s reviewers, and only of something recorded', async () => {
    expect((await openView('student1')).status).toBe(403);
    expect((await openView('proctor2')).status).toBe(403);
    expect((await openView(null)).status).toBe(401);
    expect((await openView('admin', 'nope')).status).toBe(404);
    const empty = await openView('admin', 'play-2');
    expect(empty.status).toBe(409);
    expect(((await empty.json()) as { error: string }).error).toMatch(/nothing has been recorded/);
  });
});
