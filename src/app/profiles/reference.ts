import { createHash, randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR, type Actor } from '../../domain/core/decider.js';
import { NotFoundError } from '../../domain/core/errors.js';
import type { BlobStore } from '../../media/blob-store.js';
import type { FaceAnalyzer } from '../../media/faces/analyzer.js';
import { sharedFaceAnalysisPool } from '../../media/faces/pool.js';
import { referenceDescriptor } from '../../media/faces/judge.js';
import type { Core } from '../core/core.js';

/**
 * An administrator's upload of a reference face for an existing account: the image must show exactly one face
 * (`ValidationError` otherwise); it is kept in the blob store once its face is the reference, named `upload:<sha-256>`.
 * `image` is read only once the account is known to exist.
 */
export async function uploadReference(
  core: Core,
  blobs: BlobStore,
  upload: { readonly username: string; readonly image: () => Promise<Buffer>; readonly actor: Actor },
): Promise<{ username: string; photoId: string }> {
  const account = await core.loadAccount(upload.username);
  if (account.status === 'none') throw new NotFoundError(`no account ${JSON.stringify(upload.username)}`);
  const image = await upload.image();
  const sha256 = createHash('sha256').update(image).digest('hex');
  const photoId = `upload:${sha256}`;
  await setReferenceFromImage(core, image, { username: account.username, photoId, actor: upload.actor });
  await blobs.put(sha256, image);
  return { username: account.username, photoId };
}

/**
 * An admin's upload of a reference face: the image must show exactly one face, whose descriptor replaces the
 * profile's reference (`ValidationError` otherwise). `photoId` names the stored file it came from. Resolves once the
 * read models have it.
 */
export async function setReferenceFromImage(
  core: Core,
  image: Uint8Array,
  target: { readonly username: string; readonly photoId: string; readonly actor: Actor },
  analyzer: FaceAnalyzer = sharedFaceAnalysisPool(), // worker threads: an upload never holds up the HTTP thread
): Promise<void> {
  const descriptor = await referenceDescriptor(analyzer, image);
  await core.profile(target.username, 'SetProfileReference', { username: target.username, photoId: target.photoId, descriptor, replace: true }, target.actor, {
    commandId: `face-reference-upload:${target.username}:${target.photoId}`,
  });
}

/**
 * A verified identity photo's face becomes the reference of a profile that has none. False when the profile has one
 * already (another photo set it first). The command id comes from the photo: a replay or a second node sets it once.
 */
export async function adoptReference(core: Core, student: string, photo: { readonly sessionId: string; readonly photoId: string }, descriptor: number[]): Promise<boolean> {
  const { events } = await core.profile(student, 'SetProfileReference', { username: student, photoId: photo.photoId, descriptor, replace: false }, SYSTEM_ACTOR, {
    commandId: `face-reference:${photo.sessionId}:${photo.photoId}`,
  });
  return events.length > 0;
}

/** An admin clears an account's reference face: the next verified identity photo sets a new one. False when none was set. */
export async function clearReference(core: Core, actor: Actor, target: { readonly username: string; readonly reason: string }): Promise<boolean> {
  const account = await core.loadAccount(target.username);
  if (account.status === 'none') throw new NotFoundError(`no account ${target.username}`);
  const { events } = await core.profile(target.username, 'ClearProfileReference', { username: target.username, reason: target.reason }, actor, { commandId: randomUUID() });
  return events.length > 0;
}
