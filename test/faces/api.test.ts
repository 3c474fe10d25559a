import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { loadFaceModels } from '../../src/media/faces/analyzer.js';
import { startFaceVerifier, type FaceVerifier } from '../../src/media/faces/verifier.js';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { mirrored, photo, recropped, truncated } from './photos.js';

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
});
