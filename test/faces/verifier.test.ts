import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Core } from '../../src/core.js';
import type { Actor } from '../../src/domain/core/decider.js';
import { profileStreamId } from '../../src/domain/profile/profile.js';
import { sessionStreamId, type SessionEvent } from '../../src/domain/session/events.js';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { loadFaceModels } from '../../src/media/faces/analyzer.js';
import { setReferenceFromImage, startFaceVerifier, type FaceVerifier } from '../../src/media/faces/verifier.js';
import { ValidationError } from '../../src/domain/core/errors.js';
import { openTestCore } from '../support/core.js';
import { distinctPhoto, mirrored, photo, recropped, sideBySide, truncated } from './photos.js';

// Face analysis is CPU-bound: on two cores shared with the browser tests a check can take seconds.
vi.setConfig({ testTimeout: 120_000 });

const admin: Actor = { id: 'admin', role: 'admin' };
type FaceChecked = Extract<SessionEvent, { type: 'FaceChecked' }>['data'];

let core: Core;
let blobs: LocalBlobStore;
let dir: string;
let verifier: FaceVerifier;
const logged: string[] = [];
const logLines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
const line = (level: string) => (obj: object, msg?: string) => {
  logged.push(msg ?? '');
  logLines.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
};
const log = { info: line('info'), warn: line('warn'), error: line('error') };

beforeAll(async () => {
  await loadFaceModels();
});
beforeEach(async () => {
  const base = await openTestCore();
  core = new Core(base.store, base.sql, base.runner);
  await core.runner.start();
  dir = mkdtempSync(join(tmpdir(), 'proctor-faces-'));
  blobs = new LocalBlobStore(dir);
  verifier = startFaceVerifier(core, blobs, { log });
  logged.length = 0;
  logLines.length = 0;
});
afterEach(async () => {
  await verifier.stop();
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openSession(id: string, student: string) {
  await core.session(id, 'CreateSession', { sessionId: id, name: `Exam ${id}`, student, durationMinutes: 60 }, admin);
  await core.session(id, 'CheckIn', { userAgent: 'Chromium', browserSupported: true }, { id: student, role: 'student' });
}

/** Stores the image as the test-taker's upload and submits it as an identity photo; returns the photo id. */
async function submit(sessionId: string, image: Buffer, kind: 'face' | 'document' = 'face'): Promise<string> {
  const { state } = await core.loadSession(sessionId);
  const actor: Actor = { id: state.status === 'none' ? 'x' : state.student, role: 'student' };
  const sha256 = createHash('sha256').update(image).digest('hex');
  await blobs.put(sha256, image);
  const fileId = randomUUID();
  await core.session(sessionId, 'StoreFile', { fileId, kind, name: `${kind}.jpg`, contentType: 'image/jpeg', size: image.length, sha256 }, actor);
  await core.session(sessionId, 'SubmitIdentityPhoto', { photoId: fileId, kind }, actor);
  return fileId;
}

async function checks(sessionId: string): Promise<FaceChecked[]> {
  const events = (await core.store.readStream(sessionStreamId(sessionId))) as unknown as SessionEvent[];
  return events.flatMap((e) => (e.type === 'FaceChecked' ? [e.data] : []));
}

async function checkOf(sessionId: string, photoId: string): Promise<FaceChecked> {
  await verifier.idle();
  const found = (await checks(sessionId)).filter((c) => c.photoId === photoId);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('when a test-taker without a reference face sends a face photo', () => {
  it('makes it the reference of the profile and records green', async () => {
    await openSession('s1', 'ann');
    const photoId = await submit('s1', photo.a);
    expect(await checkOf('s1', photoId)).toMatchObject({ result: 'green', reason: 'new_reference', distance: null, similarProfiles: [], faceCount: 1 });
    const [set] = await core.store.readStream(profileStreamId('ann'));
    expect(set).toMatchObject({ type: 'ProfileReferenceSet', data: { username: 'ann', photoId, by: 'system' } });
    expect((set.data as { descriptor: number[] }).descriptor).toHaveLength(128);
  });
});

describe('when the profile has a reference face', () => {
  beforeEach(async () => {
    await openSession('s1', 'ann');
    await submit('s1', photo.a);
    await verifier.idle();
  });

  it('records green for the same person in another photo (mirrored, re-cropped)', async () => {
    for (const image of [await mirrored(photo.a), await recropped(photo.a)]) {
      const check = await checkOf('s1', await submit('s1', image));
      expect(check).toMatchObject({ result: 'green', reason: 'match', similarProfiles: [] });
      expect(check.distance).toBeLessThan(0.4);
    }
  });

  it('records red for another person', async () => {
    for (const image of [photo.b, photo.c]) {
      const check = await checkOf('s1', await submit('s1', image));
      expect(check).toMatchObject({ result: 'red', reason: 'mismatch', similarProfiles: [], faceCount: 1 });
      expect(check.distance).toBeGreaterThan(0.6);
    }
  });

  it('records yellow, naming the other profile, when another profile has a face like the test-taker\'s', async () => {
    await openSession('s2', 'impostor');
    const first = await checkOf('s2', await submit('s2', await recropped(photo.a))); // registers ann's face under another name
    expect(first).toMatchObject({ result: 'yellow', similarProfiles: ['ann'] });
    await openSession('s3', 'bob');
    await submit('s3', photo.b);
    const check = await checkOf('s1', await submit('s1', await mirrored(photo.a)));
    expect(check).toMatchObject({ result: 'yellow', similarProfiles: ['impostor'] });
    expect(check.distance).toBeLessThan(0.4);
  });

  it('records red for a photo without a face, and for two faces, saying which', async () => {
    expect(await checkOf('s1', await submit('s1', photo.noFace))).toMatchObject({ result: 'red', reason: 'no_face', faceCount: 0, distance: null });
    expect(await checkOf('s1', await submit('s1', await sideBySide(photo.b, photo.c)))).toMatchObject({ result: 'red', reason: 'several_faces', faceCount: 2 });
  });

  it('still searches every face of a two-face photo among the profiles, naming the others it finds', async () => {
    await openSession('s2', 'bob');
    await submit('s2', photo.b); // bob's reference
    await verifier.idle();
    const check = await checkOf('s1', await submit('s1', await sideBySide(await mirrored(photo.a), await mirrored(photo.b))));
    expect(check).toMatchObject({ result: 'red', reason: 'several_faces', faceCount: 2, similarProfiles: ['bob'] });
    expect(check.distance).toBeLessThan(0.4); // one of the two is ann herself
  });

  it('records a corrupt file as unreadable, logs it once in words, and goes on checking', async () => {
    const photoId = await submit('s1', truncated(photo.a));
    expect(await checkOf('s1', photoId)).toMatchObject({ result: 'red', reason: 'unreadable', faceCount: null, distance: null });
    const about = logLines.filter((l) => l.obj.photoId === photoId);
    expect(about).toEqual([{ level: 'warn', obj: { sessionId: 's1', photoId, reason: 'unreadable' }, msg: 'faces: the photo could not be read: it is not a complete image' }]);
    expect(JSON.stringify(logLines)).not.toMatch(/vips/i);
    expect(await checkOf('s1', await submit('s1', Buffer.from('GIF89a but not really')))).toMatchObject({ result: 'red', reason: 'unreadable' });
    expect(await checkOf('s1', await submit('s1', await mirrored(photo.a)))).toMatchObject({ result: 'green' });
  });

  it('compares an ID-document photo too: green when its face matches, without replacing the reference', async () => {
    const check = await checkOf('s1', await submit('s1', await recropped(photo.a), 'document'));
    expect(check.result).toBe('green');
    expect(await core.store.readStream(profileStreamId('ann'))).toHaveLength(1);
  });
});

describe('when an admin uploads a reference face', () => {
  it('replaces the reference, so the next photos are compared with it', async () => {
    await openSession('s1', 'ann');
    await submit('s1', photo.a);
    await verifier.idle();
    await setReferenceFromImage(core, photo.b, { username: 'ann', photoId: 'upload-1', actor: admin });
    expect(await checkOf('s1', await submit('s1', await mirrored(photo.b)))).toMatchObject({ result: 'green' });
    expect(await checkOf('s1', await submit('s1', await mirrored(photo.a)))).toMatchObject({ result: 'red' });
  });

  it('refuses an image without exactly one face', async () => {
    await expect(setReferenceFromImage(core, photo.noFace, { username: 'ann', photoId: 'u1', actor: admin })).rejects.toBeInstanceOf(ValidationError);
    await expect(setReferenceFromImage(core, truncated(photo.a), { username: 'ann', photoId: 'u2', actor: admin })).rejects.toThrow(/^the reference photo could not be read: it is not a complete image$/);
  });
});

describe('documents before any reference', () => {
  it('records red for a document photo when the profile has no reference yet', async () => {
    await openSession('s1', 'ann');
    expect(await checkOf('s1', await submit('s1', photo.a, 'document'))).toMatchObject({ result: 'red', reason: 'no_reference', distance: null });
    expect(await core.store.readStream(profileStreamId('ann'))).toHaveLength(0);
  });
});

describe('the thresholds, calibrated on distinct photos of one person (not copies of one frame)', () => {
  it('accepts another real photo of the same person at distance 0.5–0.55 (1:1, FACE_MATCH_THRESHOLD 0.55)', async () => {
    await openSession('s1', 'mark');
    await submit('s1', await distinctPhoto(11));
    const check = await checkOf('s1', await submit('s1', await distinctPhoto(16)));
    expect(check.distance).toBeGreaterThan(0.5);
    expect(check).toMatchObject({ result: 'green', reason: 'match' });
  });

  it('finds the same person under another profile at distance 0.4–0.5 (1:N, FACE_SIMILAR_THRESHOLD 0.5)', async () => {
    await openSession('s1', 'mark');
    await submit('s1', await distinctPhoto(1));
    await verifier.idle();
    await openSession('s2', 'mark-again');
    const check = await checkOf('s2', await submit('s2', await distinctPhoto(14)));
    expect(check).toMatchObject({ result: 'yellow', reason: 'new_reference', similarProfiles: ['mark'] });
  });

  it('takes its thresholds from the options (FACE_MATCH_THRESHOLD, FACE_SIMILAR_THRESHOLD)', async () => {
    await verifier.stop();
    verifier = startFaceVerifier(core, blobs, { log, threshold: 0.3, similarThreshold: 0.3 });
    await openSession('s1', 'mark');
    await submit('s1', await distinctPhoto(11));
    await openSession('s2', 'mark-again');
    expect(await checkOf('s2', await submit('s2', await distinctPhoto(1)))).toMatchObject({ result: 'green', similarProfiles: [] }); // 0.31 apart
    expect(await checkOf('s1', await submit('s1', await distinctPhoto(16)))).toMatchObject({ result: 'red', reason: 'mismatch' });
  });
});

describe('when the server restarts', () => {
  it('never checks a photo twice, even when every event is replayed', async () => {
    await openSession('s1', 'ann');
    await submit('s1', photo.a);
    await submit('s1', photo.b);
    await verifier.idle();
    await verifier.stop();
    verifier = startFaceVerifier(core, blobs, { log });
    await core.runner.rebuild(); // every IdentityPhotoSubmitted passes by again
    await verifier.idle();
    expect((await checks('s1')).map((c) => c.result)).toEqual(['green', 'red']);
  });

  it('checks the photos submitted while it was down', async () => {
    await openSession('s1', 'ann');
    await verifier.stop();
    const photoId = await submit('s1', photo.a);
    expect(await checks('s1')).toEqual([]);
    verifier = startFaceVerifier(core, blobs, { log });
    expect(await checkOf('s1', photoId)).toMatchObject({ result: 'green' });
  });
});
