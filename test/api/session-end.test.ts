import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/core/decider.js';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { SessionTimer } from '../../src/processes/session-timer.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { WEBM, WEBM_DURATION_MS } from '../support/webm.js';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
/** Three different real segments: one recorded before the end, one after it (never stored anywhere), one queued. */
const BEFORE = WEBM.live;
const AFTER = WEBM.seekable;
const QUEUED = WEBM.liveVideoOnly;

/** Each way a session ends, as the API (or the time-out process) does it. */
const WAYS: Array<[string, string, (api: TestApi, id: string) => Promise<void>]> = [
  ['the test-taker', 'student', (api, id) => api.as('student1', `mutation { finishSession(id: "${id}") { id } }`).then(() => {})],
  ['the proctor', 'proctor', (api, id) => api.as('proctor1', `mutation { finishSession(id: "${id}", conclusion: negative, comment: "c") { id } }`).then(() => {})],
  ['an administrator', 'admin', (api, id) => api.as('admin', `mutation { finishSession(id: "${id}") { id } }`).then(() => {})],
  ['the LMS that created it', 'integrator', (api, id) => api.as('lms', `mutation { finishSession(id: "${id}") { id } }`).then(() => {})],
  ['the time running out', 'timeout', async (api, id) => {
    expect(await new SessionTimer(api.core).tick()).toContain(id);
  }],
];

describe('recordings after a session ends', () => {
  let api: TestApi;
  let blobs: LocalBlobStore;
  const post = async (sessionId: string, seq: number, start: Date, body: Buffer) => {
    const q = new URLSearchParams({ sessionId, track: 'screen', seq: String(seq), start: start.toISOString(), durationMs: String(WEBM_DURATION_MS) });
    const res = await fetch(`${api.server.url}/recordings?${q}`, { method: 'POST', headers: { authorization: `Bearer ${await api.login('student1')}` }, body: new Uint8Array(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    api = await startTestApi();
    blobs = new LocalBlobStore(join(api.config.dataDir, 'blobs'));
  });
  afterAll(async () => {
    await api.close();
  });

  for (const [who, finishedBy, end] of WAYS) {
    describe(`when ${who} ends it`, () => {
      const id = `end-${finishedBy}`;
      let stoppedAt: Date;

      beforeAll(async () => {
        const student: Actor = { id: 'student1', role: 'student' };
        // Started two minutes ago with one minute allowed, so the time-out process finds it overdue; created by the
        // LMS, so the LMS may end it.
        const ago = (minutes: number) => ({ now: new Date(Date.now() - minutes * 60_000) });
        await api.core.session(id, 'CreateSession', { sessionId: id, name: id, student: 'student1', proctor: 'proctor1', durationMinutes: 1, metrics: ['c2'] }, { id: 'lms', role: 'integrator' }, ago(3));
        await api.core.session(id, 'CheckIn', { userAgent: 'ua', browserSupported: true }, student, ago(2.5));
        await api.core.session(id, 'StartSession', {}, student, ago(2));
        expect((await post(id, 1, new Date(Date.now() - 90_000), BEFORE)).status).toBe(201);
        await end(api, id);
        const { session } = await api.as('admin', `{ session(id: "${id}") { stoppedAt finishedBy } }`);
        expect(session.finishedBy).toBe(finishedBy);
        stoppedAt = new Date(session.stoppedAt);
      });

      it('refuses a segment that began after the end, and keeps nothing of it', async () => {
        const answer = await post(id, 2, new Date(stoppedAt.getTime() + 1), AFTER);
        expect(answer).toMatchObject({ status: 409, json: { code: 'CONFLICT' } });
        expect(String(answer.json.error)).toMatch(/the session ended at/);
        expect(await blobs.get(sha(AFTER))).toBeNull();
        const { session } = await api.as('admin', `{ session(id: "${id}") { recordings { seq } } }`);
        expect(session.recordings).toEqual([{ seq: 1 }]);
      });

      it('still takes a segment that began before the end (queued while offline)', async () => {
        expect((await post(id, 3, new Date(stoppedAt.getTime() - 5000), QUEUED)).status).toBe(201);
        const { session } = await api.as('admin', `{ session(id: "${id}") { recordings { seq } } }`);
        expect(session.recordings).toEqual([{ seq: 1 }, { seq: 3 }]);
      });
    });
  }

  it('lets an LMS end only the sessions it created', async () => {
    await api.createSession('end-not-lms2', {}, 'lms');
    await api.as('student1', `mutation { checkIn(id: "end-not-lms2", userAgent: "ua") { id } }`);
    await api.as('student1', `mutation { startSession(id: "end-not-lms2") { id } }`);
    expect(await api.errorCode('lms2', `mutation { finishSession(id: "end-not-lms2") { id } }`)).toBe('NOT_FOUND'); // another integration's session: not even its existence
    expect((await api.as('lms', `mutation { finishSession(id: "end-not-lms2") { status finishedBy } }`)).finishSession).toEqual({ status: 'finished', finishedBy: 'integrator' });
  });
});
