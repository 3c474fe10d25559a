import type { Readable } from 'node:stream';
import { ValidationError } from '../../domain/core/errors.js';
import type { FaceCheckReason, FaceResult } from '../../domain/session/events.js';
import { faceDistance, ImageDecodeError, type FaceAnalyzer } from './analyzer.js';

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

/** What one identity photo comes to: the data of a `RecordFaceCheck`, and what is wrong with an unreadable photo. */
export interface Verdict {
  readonly result: FaceResult;
  readonly reason: FaceCheckReason;
  readonly distance: number | null;
  readonly similarProfiles: readonly string[];
  /** Faces found (null when the photo could not be read). */
  readonly faceCount: number | null;
  /** For an unreadable photo: what is wrong, in words. */
  readonly problem?: string;
}

/**
 * What judging a photo needs besides the photo. The profiles' side comes as functions, asked only when the photo gets
 * that far: analysis reads no read model and writes nothing itself.
 */
export interface JudgeContext {
  readonly analyzer: FaceAnalyzer;
  /** 1:1 distance threshold. */
  readonly threshold: number;
  /** Photos larger than this are unreadable. */
  readonly maxBytes: number;
  /** The test-taker's reference face as it stands now. */
  reference(): Promise<{ readonly descriptor: ArrayLike<number> } | null>;
  /** Other profiles near any of the faces, nearest first. */
  similarTo(descriptors: readonly number[][]): string[];
  /** Makes this face the test-taker's reference if they have none; false when another photo set one first. */
  adoptReference(descriptor: number[]): Promise<boolean>;
}

const red = (reason: FaceCheckReason, faceCount: number | null, distance: number | null = null, similar: readonly string[] = []): Verdict => ({
  result: 'red', reason, distance, similarProfiles: similar, faceCount,
});

/** A photo that cannot be judged: red, `unreadable`, with the problem in words. */
export const unreadable = (problem: string): Verdict => ({ ...red('unreadable', null), problem: `the photo could not be read: ${problem}` });

function passed(reason: 'match' | 'new_reference', distance: number | null, similar: readonly string[], faceCount: number): Verdict {
  return { result: similar.length > 0 ? 'yellow' : 'green', reason, distance, similarProfiles: similar, faceCount };
}

/**
 * Judges an identity photo (`kind`: face or document): green (matches the reference), yellow (matches, but similar
 * profiles exist), red (`mismatch`, `no_face`, `several_faces`, `unreadable`, `no_reference`). A face photo with
 * several faces is red, and each of its faces is still searched 1:N. A face photo of a test-taker without a reference
 * becomes it (`new_reference`). Throws only what is not the photo's fault (a broken installation).
 */
export async function judgePhoto(content: Readable, kind: string, context: JudgeContext): Promise<Verdict> {
  let faces;
  try {
    faces = (await context.analyzer.analyze(await readAll(content, context.maxBytes))).faces;
  } catch (error) {
    if (error instanceof ImageDecodeError) return unreadable(error.problem);
    if (error instanceof PhotoTooLargeError) return unreadable('it is too large');
    throw error; // not the photo's fault: logged by the caller and retried at the next start, never recorded red
  }
  if (faces.length === 0) return red('no_face', 0);
  let reference = await context.reference();
  if (kind !== 'document' && faces.length > 1) {
    // Not the test-taker alone, whoever they are: red, but each face is still looked for among the profiles, so
    // the proctor learns who else is there (and how near the nearest face is to the test-taker's reference).
    const distance = reference ? Math.min(...faces.map((f) => faceDistance(f.descriptor, reference!.descriptor))) : null;
    return red('several_faces', faces.length, distance === null ? null : round(distance), context.similarTo(faces.map((f) => f.descriptor)));
  }
  // An ID-document photo may also show its holder: every face in it must match.
  const descriptors = kind === 'document' ? faces.map((f) => f.descriptor) : [faces[0].descriptor];
  if (!reference && kind === 'face') {
    if (await context.adoptReference(descriptors[0])) return passed('new_reference', null, context.similarTo(descriptors), faces.length);
    reference = await context.reference(); // another photo set it first
  }
  if (!reference) return red('no_reference', faces.length, null, context.similarTo(descriptors));
  const distance = round(Math.max(...descriptors.map((d) => faceDistance(d, reference.descriptor))));
  const similar = context.similarTo(descriptors);
  if (distance > context.threshold) return red('mismatch', faces.length, distance, similar);
  return passed('match', distance, similar, faces.length);
}

/**
 * The descriptor of an uploaded reference photo, which must show exactly one face (`ValidationError` otherwise, and
 * for an image that cannot be read).
 */
export async function referenceDescriptor(analyzer: FaceAnalyzer, image: Uint8Array): Promise<number[]> {
  const { faces } = await analyzer.analyze(image).catch((error: Error) => {
    if (error instanceof ImageDecodeError) throw new ValidationError(`the reference photo could not be read: ${error.problem}`);
    throw error;
  });
  if (faces.length !== 1) throw new ValidationError(`a reference photo must show exactly one face, not ${faces.length}`);
  return faces[0].descriptor;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

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
