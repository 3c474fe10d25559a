import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/config.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { WEBM } from '../support/webm.js';

const SEGMENTS = { a: WEBM.live, b: WEBM.seekable, c: WEBM.liveVideoOnly, d: WEBM.liveVideoOnly } as const;
const webm = (which: keyof typeof SEGMENTS) => SEGMENTS[which];

/** Every file under a directory (the blob store): what an upload left behind. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('recording segments over HTTP', () => {
  let api: TestApi;
  const post = async (who: string | null, params: Record<string, string>, body: Buffer) => {
    const q = new URLSearchParams({ sessionId: 'rec-1', track: 'camera', seq: '0', start: new Date().toISOString(), durationMs: '2000', ...params });
    const res = await fetch(`${api.server.url}/recordings?${q}`, { method: 'POST', headers: who ? { authorization: `Bearer ${await api.login(who)}` } : {}, body: new Uint8Array(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const get = async (who: string, path: string) => fetch(`${api.server.url}/recordings/${path}`, { headers: { authorization: `Bearer ${await api.login(who)}` } });

  beforeAll(async () => {
    api = await startTestApi({
      iceServers: [{ urls: 'turn:turn.example.edu:3478', username: 'u', credential: 'p' }],
      // Small enough to reach in a test: a segment over 100 KB, or more than 50 KB of recording in a session.
      limits: { ...DEFAULT_LIMITS, segmentBytes: 100 * 1024, recordingQuotaBytes: 50 * 1024 },
    });
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
    expect((await post('student1', { seq: '1' }, Buffer.from('not a video'))).json).toMatchObject({ code: 'BROKEN_SEGMENT', error: expect.stringMatching(/not start with an EBML header/) });
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

  it('refuses a broken segment so it is sent again, and records it lost with its cause on the third try', async () => {
    const broken = webm('a').subarray(0, Math.floor(webm('a').length / 2));
    const first = await post('student1', { seq: '20' }, broken);
    expect(first).toMatchObject({ status: 422, json: { code: 'BROKEN_SEGMENT', lost: false } });
    expect(first.json.error).toMatch(/the segment is broken: the file ends/);
    expect((await post('student1', { seq: '20' }, broken)).json.lost).toBe(false);
    expect((await post('student1', { seq: '20' }, broken)).json.lost).toBe(true);
    expect((await post('student1', { seq: '20' }, broken)).json.lost).toBe(true); // and it stays lost
    const events = await api.as('auditor1', `{ sessionEvents(id: "rec-1") { type data } }`);
    const refused = events.sessionEvents.filter((e: { type: string; data: { seq: number } }) => e.type === 'RecordingSegmentRefused' && e.data.seq === 20);
    expect(refused.map((e: { data: { attempt: number } }) => e.data.attempt)).toEqual([1, 2, 3]);
    const lost = events.sessionEvents.find((e: { type: string }) => e.type === 'RecordingSegmentLost');
    expect(lost.data).toMatchObject({ track: 'camera', seq: 20, durationMs: 2000 });
    expect(lost.data.reason).toMatch(/ends/);
    // Never a recording: nothing listed, nothing kept.
    const listed = await api.as('proctor1', `{ session(id: "rec-1") { recordings { seq } } }`);
    expect(listed.session.recordings.map((r: { seq: number }) => r.seq)).not.toContain(20);
    expect(filesUnder(join(api.config.dataDir, 'blobs')).filter((f) => !f.includes(createHash('sha256').update(webm('a')).digest('hex')))).toEqual([]);
  });

  it('refuses a segment whose frames do not fit the duration declared', async () => {
    const r = await post('student1', { seq: '21', durationMs: '200' }, webm('c'));
    expect(r).toMatchObject({ status: 422, json: { code: 'BROKEN_SEGMENT' } });
    expect(r.json.error).toMatch(/more than the 200 ms declared/);
  });

  it('refuses numbers and times no column can hold, keeping nothing', async () => {
    const poison: Array<Record<string, string>> = [{ seq: '2147483648' }, { seq: '1e300' }, { start: '0000-01-01T00:00:00Z' }, { start: '+200000-01-01T00:00:00Z' }, { start: '-271821-04-20T00:00:00Z' }];
    for (const params of poison) {
      const r = await post('student1', params, webm('c'));
      expect(r.status, JSON.stringify(params)).toBe(400);
    }
    const blobs = filesUnder(join(api.config.dataDir, 'blobs'));
    expect(blobs.some((f) => f.includes(createHash('sha256').update(webm('c')).digest('hex')))).toBe(false);
    expect(blobs.filter((f) => f.includes('staging'))).toEqual([]);
  });

  it('refuses a segment over the size limit, and one past the session\'s quota, keeping neither', async () => {
    const big = Buffer.concat([webm('b'), Buffer.alloc(120 * 1024, 1)]);
    expect((await post('student1', { seq: '30' }, big)).status).toBe(413);
    // Stored so far: live-2s (24 KB). A 2 KB segment fits; the 29 KB one after it takes the session past 50 KB.
    expect((await post('student1', { seq: '32' }, webm('c'))).status).toBe(201);
    const over = await post('student1', { seq: '33' }, webm('b'));
    expect(over.status).toBe(409);
    expect(over.json.error).toMatch(/recording quota of 0 MB is used up/);
    const blobs = filesUnder(join(api.config.dataDir, 'blobs'));
    expect(blobs.some((f) => f.includes(createHash('sha256').update(webm('b')).digest('hex')))).toBe(false);
    expect(blobs.filter((f) => f.includes('staging'))).toEqual([]);
  });

  it('hands browsers the configured ICE servers', async () => {
    const data = await api.as('student1', `{ iceServers { urls username credential } }`);
    expect(data.iceServers).toEqual([{ urls: ['turn:turn.example.edu:3478'], username: 'u', credential: 'p' }]);
  });
});
