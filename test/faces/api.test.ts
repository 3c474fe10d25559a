import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { loadFaceModels } from '../../src/media/faces/analyzer.js';
import { startFaceVerifier, type FaceVerifier } from '../../src/media/faces/verifier.js';
import { eventually, PASSWORD, startTestApi, type TestApi } from '../support/api.js';
import { mirrored, photo, recropped, sideBySide, truncated } from './photos.js';

// Face analysis is CPU-bound: on two cores shared with the browser tests a check can take seconds.
vi.setConfig({ testTimeout: 120_000 });

describe('face verification through the API', () => {
  let api: TestApi;
  let verifier: FaceVerifier;
  beforeAll(async () => {
    await loadFaceModels();
    api = await startTestApi();
    verifier = startFaceVerifier(api.core, new LocalBlobStore(join(api.config.dataDir, 'blobs'))); // the server's blob directory, as in main.ts
    for (const [id, student] of [['faces-1', 'student1'], ['faces-2', 'student2']]) {
      await api.createSession(id, { student });
      await api.as(student, `mutation($id: ID!) { checkIn(id: $id, userAgent: "ua") { id } }`, { id });
    }
  });
  afterAll(async () => {
    await verifier.stop();
    await api.close();
  });

  /** Uploads the image as `student`'s face photo, submits it, and waits for its face check to show in the Faces tab. */
  async function check(student: string, sessionId: string, image: Buffer) {
    const up = await api.upload(student, sessionId, image, { kind: 'face', name: 'face.jpg' });
    expect(up.status).toBe(201);
    await api.as(student, `mutation($id: ID!, $p: String!) { submitIdentityPhoto(id: $id, photoId: $p, kind: "face") { id } }`, { id: sessionId, p: up.json.fileId });
    return eventually(async () => {
      const data = await api.as<{ session: { faces: Array<{ photoId: string; result: string; distance: number | null; similarProfiles: string[] }> } }>(
        'proctor1', `query($id: ID!) { session(id: $id) { faces { photoId result distance similarProfiles } } }`, { id: sessionId });
      return data.session.faces.find((f) => f.photoId === up.json.fileId);
    }, 60_000); // the verifier works in the background; on a busy machine a check takes seconds
  }

  it('shows green for the first photo and the same face again, red for someone else or a broken file, yellow for a look-alike profile', async () => {
    expect(await check('student1', 'faces-1', photo.a)).toMatchObject({ result: 'green', similarProfiles: [] });
    expect(await check('student1', 'faces-1', await mirrored(photo.a))).toMatchObject({ result: 'green', similarProfiles: [] });
    expect(await check('student1', 'faces-1', photo.b)).toMatchObject({ result: 'red' });
    expect(await check('student1', 'faces-1', truncated(photo.a))).toMatchObject({ result: 'red', distance: null });
    // student2 shows student1's face: their profile now has it too, and each is the other's similar profile.
    expect(await check('student2', 'faces-2', await recropped(photo.a))).toMatchObject({ result: 'yellow', similarProfiles: ['student1'] });
    const again = await check('student1', 'faces-1', await mirrored(photo.a));
    expect(again).toMatchObject({ result: 'yellow', similarProfiles: ['student2'] });
    expect(again!.distance).toBeLessThan(0.5);
  });

  it('says why each photo is red, to the proctor in full and to the test-taker at once when a retake would help', async () => {
    await api.createSession('faces-4', { student: 'student1' });
    await api.as('student1', `mutation { checkIn(id: "faces-4", userAgent: "ua") { id } }`);
    const live = api.subscribe(api.wsClient(await api.login('student1')), `subscription($id: ID!) { sessionActivity(id: $id) { type data } }`, { id: 'faces-4' });
    await live.ready;
    const FIELDS = `photoId result reason faceCount distance similarProfiles`;
    const checkWith = async (image: Buffer) => {
      const up = await api.upload('student1', 'faces-4', image, { kind: 'face', name: 'face.jpg' });
      await api.as('student1', `mutation($id: ID!, $p: String!) { submitIdentityPhoto(id: $id, photoId: $p, kind: "face") { id } }`, { id: 'faces-4', p: up.json.fileId });
      const staff = await eventually(async () => {
        const data = await api.as('proctor1', `query { session(id: "faces-4") { faces { ${FIELDS} } } }`);
        return (data.session.faces as Array<Record<string, unknown>>).find((f) => f.photoId === up.json.fileId);
      }, 60_000);
      const seen = await eventually(() => live.results.map((r) => r.data?.sessionActivity).find((a) => a?.type === 'FaceChecked' && a.data.photoId === up.json.fileId), 10_000);
      return { staff, student: seen.data };
    };
    const none = await checkWith(photo.noFace);
    expect(none.staff).toMatchObject({ result: 'red', reason: 'no_face', faceCount: 0 });
    expect(none.student).toEqual({ photoId: none.staff.photoId, problem: 'no_face', faceCount: 0, at: expect.any(String) });
    const two = await checkWith(await sideBySide(photo.b, photo.c));
    expect(two.staff).toMatchObject({ result: 'red', reason: 'several_faces', faceCount: 2 });
    expect(two.student).toMatchObject({ problem: 'several_faces', faceCount: 2 });
    const broken = await checkWith(truncated(photo.a));
    expect(broken.staff).toMatchObject({ result: 'red', reason: 'unreadable', faceCount: null });
    expect(broken.student).toMatchObject({ problem: 'unreadable' });
    // Another person: red for the proctor; the test-taker learns only that nothing needs retaking.
    const other = await checkWith(photo.b);
    expect(other.staff).toMatchObject({ result: 'red', reason: 'mismatch', faceCount: 1 });
    expect(other.student).toEqual({ photoId: other.staff.photoId, problem: null, faceCount: null, at: expect.any(String) });
    live.dispose();
  });

  it('reads face checks recorded before reasons were, with no reason', async () => {
    await api.createSession('faces-5', { student: 'student2' });
    await api.as('student2', `mutation { checkIn(id: "faces-5", userAgent: "ua") { id } }`);
    // As an older version of the server appended it: no reason, no face count.
    await api.core.store.appendToStream('session-faces-5', [{ id: randomUUID(), type: 'FaceChecked', data: { photoId: 'old-1', result: 'red', distance: 0.71, similarProfiles: [], at: new Date().toISOString() } }], {});
    const faces = await eventually(async () => (await api.as('proctor1', `{ session(id: "faces-5") { faces { photoId result reason faceCount distance } } }`)).session.faces[0]);
    expect(faces).toEqual({ photoId: 'old-1', result: 'red', reason: null, faceCount: null, distance: 0.71 });
  });

  describe('an administrator\'s reference face', () => {
    const upload = async (who: string | null, username: string, image: Buffer) => {
      const res = await fetch(`${api.server.url}/profiles/reference?username=${encodeURIComponent(username)}`, {
        method: 'POST', headers: who ? { authorization: `Bearer ${await api.login(who)}` } : {}, body: new Uint8Array(image),
      });
      return { status: res.status, json: (await res.json()) as Record<string, string> };
    };
    const reference = async (username: string) =>
      (await api.as('admin', `query($u: String!) { faceReference(username: $u) { username photoId setAt } }`, { u: username })).faceReference;

    beforeAll(async () => {
      await api.as('admin', `mutation($p: String!) { registerAccount(username: "student3", role: "student", password: $p) { username } }`, { p: PASSWORD });
      await api.createSession('faces-3', { student: 'student3' });
      await api.as('student3', `mutation { checkIn(id: "faces-3", userAgent: "ua") { id } }`);
    });

    it('sets the profile\'s reference from an upload, and the next identity photo is compared with it', async () => {
      const up = await upload('admin', 'student3', photo.b);
      expect(up).toMatchObject({ status: 201, json: { username: 'student3' } });
      expect(up.json.photoId).toMatch(/^upload:[0-9a-f]{64}$/);
      expect(await reference('student3')).toMatchObject({ username: 'student3', photoId: up.json.photoId });
      expect(await check('student3', 'faces-3', await mirrored(photo.b))).toMatchObject({ result: 'green' });
      // Replaced by someone else's face: the same photo no longer matches.
      expect((await upload('admin', 'student3', photo.c)).status).toBe(201);
      expect(await check('student3', 'faces-3', await recropped(photo.b))).toMatchObject({ result: 'red' });
      const listed = await api.as('auditor1', `{ accounts(role: "student") { username faceReference { photoId } } }`);
      expect(listed.accounts.find((a: { username: string }) => a.username === 'student3').faceReference.photoId).toMatch(/^upload:/);
    });

    it('refuses an image without exactly one face, a file that is no image, an unknown profile and anyone but an administrator', async () => {
      expect(await upload('admin', 'student3', photo.noFace)).toMatchObject({ status: 400, json: { code: 'BAD_USER_INPUT', error: expect.stringMatching(/exactly one face, not 0/) } });
      expect(await upload('admin', 'student3', await sideBySide(photo.a, photo.b))).toMatchObject({ status: 400, json: { error: expect.stringMatching(/not 2/) } });
      expect(await upload('admin', 'student3', Buffer.from('not an image'))).toMatchObject({ status: 400, json: { code: 'BAD_USER_INPUT' } });
      expect(await upload('admin', 'nobody', photo.a)).toMatchObject({ status: 404, json: { code: 'NOT_FOUND' } });
      expect((await upload('proctor1', 'student3', photo.a)).status).toBe(403);
      expect((await upload('student3', 'student3', photo.a)).status).toBe(403);
      expect((await upload(null, 'student3', photo.a)).status).toBe(401);
      expect(await api.errorCode('student3', `{ faceReference(username: "student3") { photoId } }`)).toBe('FORBIDDEN');
    });

    it('clears a reference with a reason, for administrators only', async () => {
      const CLEAR = `mutation($u: String!, $r: String!) { clearFaceReference(username: $u, reason: $r) }`;
      expect(await api.errorCode('proctor1', CLEAR, { u: 'student3', r: 'wrong person' })).toBe('FORBIDDEN');
      expect(await api.errorCode('admin', CLEAR, { u: 'student3', r: ' ' })).toBe('BAD_USER_INPUT');
      expect(await api.as('admin', CLEAR, { u: 'student3', r: 'uploaded the wrong person' })).toEqual({ clearFaceReference: true });
      expect(await reference('student3')).toBeNull();
      expect(await api.as('admin', CLEAR, { u: 'student3', r: 'again' })).toEqual({ clearFaceReference: false });
      expect(await api.errorCode('admin', CLEAR, { u: 'nobody', r: 'x' })).toBe('NOT_FOUND');
    });
  });
});
