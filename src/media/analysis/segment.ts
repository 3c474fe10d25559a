import type { SecondFindings } from '../../domain/session/events.js';
import { faceDistance, type FaceAnalyzer } from '../faces/analyzer.js';
import { decodeAudio, decodeFrames, type Frame } from './ffmpeg.js';
import { FROZEN_MAD, frozenFrames, isDark, meanAbsoluteDifference } from './pictures.js';
import { soundLevels } from './sound.js';

export interface SegmentAnalysisOptions {
  /** Finds and describes faces (the process's face threads). */
  readonly analyzer: FaceAnalyzer;
  /** The test-taker's reference face, if their profile has one. */
  readonly reference: readonly number[] | null;
  /** Above this distance to the reference a face is someone else's (FACE_MATCH_THRESHOLD). */
  readonly threshold: number;
  /** Whether to look for faces (the camera) or only at the picture (the screen). */
  readonly faces: boolean;
  /** Frames are scaled to fit this box (default 320×240: faces stay above the detector's 32 px, decoding stays cheap). */
  readonly maxWidth?: number;
  readonly maxHeight?: number;
}

/** What one segment showed and sounded like, second by second, and how many frames were looked at. */
export interface SegmentAnalysis {
  readonly seconds: SecondFindings[];
  readonly frames: number;
}

/**
 * Analyses one WebM segment: ffmpeg decodes one frame a second (scaled small) and the sound; each frame is judged dark
 * or not and, on the camera, has its faces counted and compared with the reference; runs of identical frames are
 * frozen; each second of sound gets its level. Throws `FfmpegMissingError` or `UndecodableSegmentError`.
 */
export async function analyseSegment(webm: Uint8Array, options: SegmentAnalysisOptions): Promise<SegmentAnalysis> {
  const frames = await decodeFrames(webm, { maxWidth: options.maxWidth, maxHeight: options.maxHeight });
  const samples = await decodeAudio(webm);
  const sound = samples ? soundLevels(samples, 8000) : [];
  const dark = frames.map(isDark);
  const frozen = frozenFrames(frames, dark);
  const seconds: SecondFindings[] = [];
  // face-api is nearly all of the cost: a picture next to identical to the last one it looked at (within what makes a
  // frozen picture) has the same faces, so those findings stand. Compared with that frame, not the previous one, so a
  // slow change still adds up to a new look.
  let seen: { readonly frame: Frame; readonly face: { faces: number; distance: number | null } } | null = null;
  for (let i = 0; i < Math.max(frames.length, sound.length); i++) {
    const frame: Frame | undefined = frames[i];
    let face: { faces: number | null; distance: number | null } = { faces: null, distance: null };
    if (frame && options.faces) {
      if (seen && meanAbsoluteDifference(frame, seen.frame) < FROZEN_MAD) face = seen.face;
      else seen = { frame, face: (face = await facesIn(frame, dark[i], options)) };
    }
    seconds.push({
      faces: face.faces,
      distance: face.distance,
      stranger: face.distance !== null && face.distance > options.threshold,
      dark: dark[i] ?? false,
      frozen: frozen[i] ?? false,
      db: sound[i]?.db ?? null,
      loud: sound[i]?.loud ?? false,
    });
  }
  return { seconds, frames: frames.length };
}

/** The faces of one frame, and the distance of the one least like the reference (a dark frame has none to find). */
async function facesIn(frame: Frame, dark: boolean, options: SegmentAnalysisOptions): Promise<{ faces: number; distance: number | null }> {
  if (dark) return { faces: 0, distance: null };
  // The face threads take encoded images; a small lossless PNG keeps the pixels ffmpeg gave.
  // Loaded on the first frame, as the face analyser loads it: a server that analyses nothing never holds it (≈25 MB).
  const { default: sharp } = await import('sharp');
  const png = await sharp(frame.rgb, { raw: { width: frame.width, height: frame.height, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
  const { faces } = await options.analyzer.analyze(png);
  const { reference } = options;
  if (!reference || faces.length === 0) return { faces: faces.length, distance: null };
  const distance = Math.max(...faces.map((f) => faceDistance(f.descriptor, reference)));
  return { faces: faces.length, distance: Math.round(distance * 1000) / 1000 };
}
