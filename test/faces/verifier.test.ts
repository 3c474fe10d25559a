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
import { mirrored, photo, recropped, sideBySide, truncated } from './photos.js';

// Face analysis is CPU-bound: on two cores shared with the browser tests a check can take seconds.
vi.setConfig({ testTimeout: 120_000 });

const admin: Actor = { id: 'admin', role: 'admin' };
type FaceChecked = Extract<SessionEvent, { type: 'FaceChecked' }>['data'];

let core: Core;
let blobs: LocalBlobStore;
let dir: string;
let verifier: FaceVerifier;
const logged: string[] = [];
const log = { info() {}, warn: (_: object, msg?: string) => void logged.push(msg ?? ''), error: (_: object, msg?: string) => void logged.push(msg ?? '') };

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
    expect(await checkOf('s1', photoId)).toMatchObject({ result: 'green', distance: null, similarProfiles: [] });
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
      expect(check).toMatchObject({ result: 'green', similarProfiles: [] });
      expect(check.distance).toBeLessThan(0.4);
    }
  });

  it('records red for another person', async () => {
    for (const image of [photo.b, photo.c]) {
      const check = await checkOf('s1', await submit('s1', image));
      expect(check).toMatchObject({ result: 'red', similarProfiles: [] });
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

  it('records red for a photo without a face, and for two faces', async () => {
    expect(await checkOf('s1', await submit('s1', photo.noFace))).toMatchObject({ result: 'red', distance: null });
    expect(await checkOf('s1', await submit('s1', await sideBySide(photo.a, photo.b)))).toMatchObject({ result: 'red', distance: null });
  });

  it('records red for a corrupt file, logs it, and goes on checking', async () => {
    expect(await checkOf('s1', await submit('s1', truncated(photo.a)))).toMatchObject({ result: 'red', distance: null });
    expect(await checkOf('s1', await submit('s1', Buffer.from('GIF89a but not really')))).toMatchObject({ result: 'red' });
    expect(logged).toContain('faces: unreadable photo');
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
    await expect(setReferenceFromImage(core, truncated(photo.a), { username: 'ann', photoId: 'u2', actor: admin })).rejects.toThrow(/cannot be read/);
  });
});

describe('documents before any reference', () => {
  it('records red for a document photo when the profile has no reference yet', async () => {
    await openSession('s1', 'ann');
    expect(await checkOf('s1', await submit('s1', photo.a, 'document'))).toMatchObject({ result: 'red', distance: null });
    expect(await core.store.readStream(profileStreamId('ann'))).toHaveLength(0);
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
