import type { Actor } from '../../domain/core/decider.js';
import { IllegalStateError, NotFoundError, ValidationError } from '../../domain/core/errors.js';
import { profileStreamId, type ProfileEvent } from '../../domain/profile/profile.js';
import type { BlobStore } from '../../media/blob-store.js';
import { SealedBlobStores } from '../../media/sealed/sealed-blob-store.js';
import { sessionsOfStudent } from '../../projections/erasure.js';
import type { Core } from '../core/core.js';
import { PersonalDataStore } from './personal-data-store.js';

/** What an erasure did. */
export interface ErasureReport {
  readonly username: string;
  /** The person's sessions as a test-taker: their media keys shredded, their personal fields erased. */
  readonly sessions: readonly string[];
  /** Stored media objects removed (their keys are gone first, so a copy anywhere else no longer opens). */
  readonly objectsRemoved: number;
  /** Whether this run erased the person (false: they were erased before). */
  readonly erased: boolean;
}

/**
 * Erases a person (GDPR Art. 17), in an order that leaves nothing readable whatever fails half-way (run it again):
 * each of their sessions' media keys shredded, their reference face cleared and any uploaded reference photo removed,
 * their personal-data key shredded (every personal field of every event of theirs then reads as erased, in the read
 * models' rebuilds too), and last `PersonErased` on their account, which disables it for good and makes each read
 * model drop what it holds of them. The hash chains are untouched: they hash the sealed fields.
 */
export async function erasePerson(core: Core, blobs: BlobStore | undefined, actor: Actor, username: string, reason: string): Promise<ErasureReport> {
  if (typeof reason !== 'string' || !reason.trim()) throw new ValidationError('say why the person is erased', { field: 'reason' });
  const store = core.store;
  if (!(store instanceof PersonalDataStore) || !(blobs instanceof SealedBlobStores)) {
    throw new IllegalStateError('erasure needs personal data and media encrypted at rest (a MASTER_KEY)');
  }
  const account = await core.loadAccount(username);
  if (account.status === 'none') throw new NotFoundError(`no account ${JSON.stringify(username)}`);
  if (actor.id.toLowerCase() === account.username.toLowerCase()) throw new IllegalStateError('you cannot erase your own account');
  const user = account.username.toLowerCase();
  const sessions = await sessionsOfStudent(core.db, user);
  let objectsRemoved = 0;
  for (const sessionId of sessions) objectsRemoved += await blobs.shred(sessionId, 'erasure of the test-taker');
  objectsRemoved += await removeReferenceFace(core, blobs, actor, user);
  await store.erase(user, 'erasure');
  const after = await core.account(user, 'ErasePerson', { reason, sessions }, actor);
  return { username: user, sessions, objectsRemoved, erased: !account.erased && after.status !== 'none' && after.erased === true };
}

/** Clears the person's reference face and removes the photos an administrator uploaded for it (kept outside any session). */
async function removeReferenceFace(core: Core, blobs: BlobStore, actor: Actor, username: string): Promise<number> {
  const events = await core.store.readStream<ProfileEvent>(profileStreamId(username));
  let removed = 0;
  for (const event of events) {
    if (event.type !== 'ProfileReferenceSet' || !event.data.photoId.startsWith('upload:')) continue;
    await blobs.remove(event.data.photoId.slice('upload:'.length));
    removed += 1;
  }
  if (events.length > 0) await core.profile(username, 'ClearProfileReference', { username, reason: 'the person was erased' }, actor);
  return removed;
}
