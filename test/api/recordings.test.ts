import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';

/** Bytes that start like a WebM file (EBML header); the server checks the type, not the codec. */
const webm = (fill: string) => Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.from(fill.repeat(100))]);

describe('recording segments over HTTP', () => {
  let api: TestApi;
  const post = async (who: string | null, params: Record<string, string>, body: Buffer) => {
    const q = new URLSearchParams({ sessionId: 'rec-1', track: 'camera', seq: '0', start: new Date().toISOString(), durationMs: '10000', ...params });
    const res = await fetch(`${api.server.url}/recordings?${q}`, { method: 'POST', headers: who ? { authorization: `Bearer ${await api.login(who)}` } : {}, body: new Uint8Array(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const get = async (who: string, path: string) => fetch(`${api.server.url}/recordings/${path}`, { headers: { authorization: `Bearer ${await api.login(who)}` } });

  beforeAll(async () => {
    api = await startTestApi({ iceServers: [{ urls: 'turn:turn.example.edu:3478', username: 'u', credential: 'p' }] });
    await api.createSession('rec-1');
    await api.as('student1', `mutation { checkIn(id: "rec-1", userAgent: "ua") { id } }`);
    await api.as('student1', `mutation { startSession(id: "rec-1") { id } }`);
  });
  afterAll(async () => {
    await api.close();
  });

  it('stores a segment once, however often it is uploaded', async () => {
    const body = webm('a');
    expect(await post('student1', {}, body)).toMatchObject({ status: 201, json: { stored: true, sha256: createHash('sha256').update(body).digest('hex') } });
    expect(await post('student1', {}, body)).toMatchObject({ status: 200, json: { stored: false } });
    const data = await api.as('proctor1', `{ session(id: "rec-1") { recordings { track seq size } } }`);
    expect(data.session.recordings).toEqual([{ track: 'camera', seq: 0, size: body.length }]);
  });

  it('refuses other content under a stored number, a file that is not WebM, and bad parameters', async () => {
    expect((await post('student1', {}, webm('b'))).status).toBe(409);
    expect((await post('student1', { seq: '1' }, Buffer.from('not a video'))).json).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await post('student1', { seq: '-1' }, webm('c'))).status).toBe(400);
    expect((await post('student1', { track: 'microwave' }, webm('c'))).status).toBe(400);
    expect((await post('student1', { start: 'yesterday' }, webm('c'))).status).toBe(400);
  });

  it('takes uploads only from the test-taker of the session', async () => {
    expect((await post('student2', { seq: '5' }, webm('d'))).status).toBe(404);
    expect((await post('proctor1', { seq: '5' }, webm('d'))).status).toBe(403);
    expect((await post(null, { seq: '5' }, webm('d'))).status).toBe(401);
  });

  it('plays a segment to its reviewers, records each playback, and never to the test-taker', async () => {
    const res = await get('auditor1', 'rec-1/camera/0');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/webm');
    expect(Buffer.from(await res.arrayBuffer()).equals(webm('a'))).toBe(true);
    expect((await get('student1', 'rec-1/camera/0')).status).toBe(403);
    expect((await get('proctor2', 'rec-1/camera/0')).status).toBe(404);
    expect((await get('admin', 'rec-1/camera/9')).status).toBe(404);
    const events = await api.as('auditor1', `{ sessionEvents(id: "rec-1") { type data } }`);
    const played = events.sessionEvents.filter((e: { type: string }) => e.type === 'RecordingPlayed');
    expect(played.map((e: { data: { by: string } }) => e.data.by)).toEqual(['auditor1']);
  });

  it('hands browsers the configured ICE servers', async () => {
    const data = await api.as('student1', `{ iceServers { urls username credential } }`);
    expect(data.iceServers).toEqual([{ urls: ['turn:turn.example.edu:3478'], username: 'u', credential: 'p' }]);
  });
});
