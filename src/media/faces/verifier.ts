import type { Readable } from 'node:stream';
import type { Core } from '../../core.js';
import { SYSTEM_ACTOR, type Actor } from '../../domain/core/decider.js';
import { ValidationError } from '../../domain/core/errors.js';
import { profileDecider, profileStreamId, type ProfileCommand } from '../../domain/profile/profile.js';
import { sessionDecider } from '../../domain/session/decide.js';
import { sessionStreamId, type FaceCheckReason, type FaceResult, type SessionEvent } from '../../domain/session/events.js';
import { DescriptorIndex } from '../../projections/faces/descriptor-index.js';
import { getFaceReference, pendingFacePhotos } from '../../projections/faces/projection.js';
import { getFile } from '../../projections/files/projection.js';
import { eventIdFor, handleCommand } from '../../store/handle-command.js';
import type { BlobStore } from '../blob-store.js';
import { createFaceAnalyzer, faceDistance, ImageDecodeError, loadFaceModels, type FaceAnalyzer } from './analyzer.js';

/**
 * Default 1:1 threshold: at most this distance from the profile's reference is the same person. Calibrated on distinct
 * photos of the same people, not on copies of one frame (`npm run bench:faces`, "calibration"; the numbers are in
 * test/fixtures/README): genuine pairs of real photos lie at 0.20–0.70 (webcam-sized ones 0.33–0.52), different
 * people at 0.46 and up (5th percentile 0.57). 0.55 accepts every webcam-sized genuine photo measured and about 80% of
 * the small, low-quality ones, and passes about 1.4% of the pairs of different people.
 */
export const DEFAULT_MATCH_THRESHOLD = 0.55;
/**
 * Default 1:N threshold: another profile at most this far from the photo is a "similar profile" (yellow). A step
 * stricter than 1:1 because every photo is tried against every profile, so each false pair costs a false yellow: at
 * 0.5 the 1:N search finds the right profile for most genuine photos (0.4 missed more than half) and about 0.5% of the
 * pairs of different people come within it.
 */
export const DEFAULT_SIMILAR_THRESHOLD = 0.5;

interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface FaceVerifierOptions {
  /** 1:1 distance threshold (default `DEFAULT_MATCH_THRESHOLD`, 0.5). */
  readonly threshold?: number;
  /** 1:N distance threshold for similar profiles (default `DEFAULT_SIMILAR_THRESHOLD`, 0.4). */
  readonly similarThreshold?: number;
  /** The face analyser (default `createFaceAnalyzer()`). */
  readonly analyzer?: FaceAnalyzer;
  /** Photos larger than this are red without being decoded (default 20 MB). */
  readonly maxBytes?: number;
  readonly log?: Log;
}

/** The running reaction: `stop` ends it; `idle` resolves once every photo seen so far is checked (tests). */
export interface FaceVerifier {
  stop(): Promise<void>;
  idle(): Promise<void>;
  /** The in-memory 1:N index it keeps up to date. */
  readonly index: DescriptorIndex;
}

interface Job {
  readonly sessionId: string;
  readonly photoId: string;
  readonly kind: string;
}

interface Verdict {
  readonly result: FaceResult;
  readonly reason: FaceCheckReason;
  readonly distance: number | null;
  readonly similarProfiles: readonly string[];
  /** Faces found (null when the photo could not be read). */
  readonly faceCount: number | null;
  /** For an unreadable photo: what is wrong, in words. */
  readonly problem?: string;
}

const SILENT: Log = { info() {}, warn() {}, error() {} };

/**
 * Checks every identity photo on the server. After each committed batch of events, each `IdentityPhotoSubmitted` is
 * queued; one at a time, the photo is decoded, its face found and described, compared 1:1 with the test-taker's
 * reference face and searched 1:N among every other profile, and the result is recorded as `RecordFaceCheck` with
 * its reason: green (matches), yellow (matches, but similar profiles exist), red (`mismatch`, `no_face`,
 * `several_faces`, `unreadable`, `no_reference`). A face photo with several faces is red, and each of its faces is
 * still searched 1:N. A profile without a reference gets the face of its first face photo as reference
 * (`new_reference`, green or yellow).
 *
 * Idempotent: a photo whose `FaceChecked` is in the session stream is skipped, and the commands carry ids derived from
 * the photo, so a replay or a second node appends nothing twice. Photos left unchecked by a stop are checked at the
 * next start. A bad image is logged once, in words, and recorded red as `unreadable`; nothing here throws into the server.
 */
export function startFaceVerifier(core: Core, blobs: BlobStore, options: FaceVerifierOptions = {}): FaceVerifier {
  const threshold = options.threshold ?? DEFAULT_MATCH_THRESHOLD;
  const similarThreshold = options.similarThreshold ?? DEFAULT_SIMILAR_THRESHOLD;
  const analyzer = options.analyzer ?? createFaceAnalyzer();
  const maxBytes = options.maxBytes ?? 20 * 1024 * 1024;
  const log = options.log ?? SILENT;
  const index = new DescriptorIndex();
  const queue: Job[] = [];
  const queued = new Set<string>();
  let stopped = false;
  let worker: Promise<void> | null = null;

  const unsubscribe = core.runner.onApplied((batch) => {
    index.applyBatch(batch);
    for (const event of batch.events) {
      if (event.type !== 'IdentityPhotoSubmitted' || !event.streamId.startsWith('session-')) continue;
      const data = event.data as Extract<SessionEvent, { type: 'IdentityPhotoSubmitted' }>['data'];
      enqueue({ sessionId: event.streamId.slice('session-'.length), photoId: data.photoId, kind: data.kind });
    }
  });

  // Subscribed first, then loaded: a reference set meanwhile is in the batch or in the page, and versions keep the newer.
  const ready = (async () => {
    await index.load(core.db);
    for (const job of await pendingFacePhotos(core.db)) enqueue(job);
  })().catch((error) => log.error({ err: error }, 'faces: could not load the reference faces'));

  function enqueue(job: Job): void {
    const key = `${job.sessionId}\u0000${job.photoId}`;
    if (stopped || queued.has(key)) return;
    queued.add(key);
    queue.push(job);
    worker ??= drain().finally(() => {
      worker = null;
    });
  }

  async function drain(): Promise<void> {
    await ready;
    while (!stopped && queue.length > 0) {
      const job = queue.shift()!;
      try {
        await check(job);
      } catch (error) {
        log.error({ err: error, sessionId: job.sessionId, photoId: job.photoId }, 'faces: could not record a face check; it is retried at the next start');
      } finally {
        queued.delete(`${job.sessionId}\u0000${job.photoId}`);
      }
    }
  }

  async function check(job: Job): Promise<void> {
    const events = (await core.store.readStream(sessionStreamId(job.sessionId))) as unknown as SessionEvent[];
    if (events.some((e) => e.type === 'FaceChecked' && e.data.photoId === job.photoId)) return;
    const session = events.reduce(sessionDecider.evolve, sessionDecider.initialState());
    if (session.status === 'none') return;
    await loadFaceModels(); // a broken installation is logged and retried later, never recorded as a red photo
    const verdict = await judge(job, session.student);
    const { problem, ...data } = verdict;
    // One line per photo; an unreadable one says what is wrong in words (the decoder's text helps nobody here).
    if (problem) log.warn({ sessionId: job.sessionId, photoId: job.photoId, reason: verdict.reason }, `faces: ${problem}`);
    else log.info({ sessionId: job.sessionId, photoId: job.photoId, ...data }, 'faces: photo checked');
    await core.session(job.sessionId, 'RecordFaceCheck', { photoId: job.photoId, ...data }, SYSTEM_ACTOR, {
      commandId: `face-check:${job.sessionId}:${job.photoId}`,
    });
  }

  const red = (reason: FaceCheckReason, faceCount: number | null, distance: number | null = null, similar: readonly string[] = []): Verdict => ({
    result: 'red', reason, distance, similarProfiles: similar, faceCount,
  });
  const unreadable = (problem: string): Verdict => ({ ...red('unreadable', null), problem: `the photo could not be read: ${problem}` });

  async function judge(job: Job, student: string): Promise<Verdict> {
    const file = await getFile(core.db, job.photoId);
    if (!file || file.sessionId !== job.sessionId) return unreadable('it is not a file of this session');
    if (file.size > maxBytes) return unreadable('it is too large');
    const stream = await blobs.get(file.sha256);
    if (!stream) return unreadable('its content is missing');
    let faces;
    try {
      faces = (await analyzer.analyze(await readAll(stream, maxBytes))).faces;
    } catch (error) {
      if (error instanceof ImageDecodeError) return unreadable(error.problem);
      if (error instanceof PhotoTooLargeError) return unreadable('it is too large');
      throw error; // not the photo's fault: logged by the caller and retried at the next start, never recorded red
    }
    if (faces.length === 0) return red('no_face', 0);
    let reference = await getFaceReference(core.db, student);
    if (job.kind !== 'document' && faces.length > 1) {
      // Not the test-taker alone, whoever they are: red, but each face is still looked for among the profiles, so
      // the proctor learns who else is there (and how near the nearest face is to the test-taker's reference).
      const distance = reference ? Math.min(...faces.map((f) => faceDistance(f.descriptor, reference!.descriptor))) : null;
      return red('several_faces', faces.length, distance === null ? null : round(distance), similarTo(faces.map((f) => f.descriptor), student));
    }
    // An ID-document photo may also show its holder: every face in it must match.
    const descriptors = job.kind === 'document' ? faces.map((f) => f.descriptor) : [faces[0].descriptor];
    if (!reference && job.kind === 'face') {
      const set = await setReference(student, job, descriptors[0]);
      if (set) return passed('new_reference', null, similarTo(descriptors, student), faces.length);
      reference = await getFaceReference(core.db, student); // another photo set it first
    }
    if (!reference) return red('no_reference', faces.length, null, similarTo(descriptors, student));
    const distance = round(Math.max(...descriptors.map((d) => faceDistance(d, reference.descriptor))));
    const similar = similarTo(descriptors, student);
    if (distance > threshold) return red('mismatch', faces.length, distance, similar);
    return passed('match', distance, similar, faces.length);
  }

  function passed(reason: 'match' | 'new_reference', distance: number | null, similar: readonly string[], faceCount: number): Verdict {
    return { result: similar.length > 0 ? 'yellow' : 'green', reason, distance, similarProfiles: similar, faceCount };
  }

  /** Other profiles near any of the faces, nearest first. */
  function similarTo(descriptors: readonly number[][], student: string): string[] {
    const best = new Map<string, number>();
    for (const d of descriptors) {
      for (const hit of index.search(d, similarThreshold, { exclude: [student], limit: 10 })) {
        best.set(hit.username, Math.min(best.get(hit.username) ?? Infinity, hit.distance));
      }
    }
    return [...best].sort((a, b) => a[1] - b[1]).slice(0, 10).map(([username]) => username);
  }

  async function setReference(student: string, job: Job, descriptor: number[]): Promise<boolean> {
    const commandId = `face-reference:${job.sessionId}:${job.photoId}`;
    const command: ProfileCommand = {
      type: 'SetProfileReference',
      data: { username: student, photoId: job.photoId, descriptor, replace: false },
      metadata: { now: core.now(), actor: SYSTEM_ACTOR, commandId },
    };
    const result = await handleCommand(core.store, profileDecider, profileStreamId(student), command);
    if (result.events.length === 0) return false;
    await core.runner.waitForEvent(eventIdFor(commandId, result.events.length - 1));
    return true;
  }

  return {
    index,
    async idle() {
      await ready;
      while (worker) await worker;
    },
    async stop() {
      stopped = true;
      unsubscribe();
      queue.length = 0;
      await worker;
    },
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/**
 * An admin's upload of a reference face: the image must show exactly one face, whose descriptor replaces the
 * profile's reference (`ValidationError` otherwise). `photoId` names the stored file it came from. Resolves once the
 * read models have it.
 */
export async function setReferenceFromImage(
  core: Core,
  image: Uint8Array,
  target: { readonly username: string; readonly photoId: string; readonly actor: Actor },
  analyzer: FaceAnalyzer = createFaceAnalyzer(),
): Promise<void> {
  const { faces } = await analyzer.analyze(image).catch((error: Error) => {
    if (error instanceof ImageDecodeError) throw new ValidationError(`the reference photo could not be read: ${error.problem}`);
    throw error;
  });
  if (faces.length !== 1) throw new ValidationError(`a reference photo must show exactly one face, not ${faces.length}`);
  const commandId = `face-reference-upload:${target.username}:${target.photoId}`;
  const command: ProfileCommand = {
    type: 'SetProfileReference',
    data: { username: target.username, photoId: target.photoId, descriptor: faces[0].descriptor, replace: true },
    metadata: { now: core.now(), actor: target.actor, commandId },
  };
  const result = await handleCommand(core.store, profileDecider, profileStreamId(target.username), command);
  if (result.events.length > 0) await core.runner.waitForEvent(eventIdFor(commandId, result.events.length - 1));
}

/** An admin clears a profile's reference face: the next verified identity photo sets a new one. */
export async function clearReference(core: Core, target: { readonly username: string; readonly reason: string; readonly actor: Actor; readonly commandId: string }): Promise<boolean> {
  const command: ProfileCommand = {
    type: 'ClearProfileReference',
    data: { username: target.username, reason: target.reason },
    metadata: { now: core.now(), actor: target.actor, commandId: target.commandId },
  };
  const result = await handleCommand(core.store, profileDecider, profileStreamId(target.username), command);
  if (result.events.length > 0) await core.runner.waitForEvent(eventIdFor(target.commandId, result.events.length - 1));
  return result.events.length > 0;
}

class PhotoTooLargeError extends Error {}

async function readAll(stream: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      stream.destroy();
      throw new PhotoTooLargeError();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
