import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
type Tf = typeof import('@tensorflow/tfjs');
type FaceApi = typeof import('@vladmandic/face-api/dist/face-api.node-wasm.js');

/**
 * Which detector finds the faces before landmarks and descriptors:
 * - `tiny`: TinyFaceDetector (fast, ≈4× quicker than SSD, misses some tilted or dark faces);
 * - `ssd`: SSD MobileNet v1 (slower, finds more faces);
 * - `auto`: TinyFaceDetector, and SSD only when it finds no face, so "no face" is never the fast detector's miss.
 */
export type DetectorChoice = 'tiny' | 'ssd' | 'auto';

export interface FaceAnalyzerOptions {
  /** Default `auto` (chosen by measurement: see `npm run bench:faces`). */
  readonly detector?: DetectorChoice;
  /** The photo is scaled down so that its longer side is at most this (default 640 px). */
  readonly maxSide?: number;
  /** TinyFaceDetector's input size, a multiple of 32 (default 320). */
  readonly tinyInputSize?: number;
  /** Minimum detection score, both detectors (default 0.5). */
  readonly minScore?: number;
  /** Faces narrower than this (px, after scaling) are ignored: too small to identify (default 32). */
  readonly minFaceSize?: number;
  /** Refuse images with more pixels than this before decoding (default 40 megapixels). */
  readonly maxInputPixels?: number;
}

/** One face found in a photo. */
export interface DetectedFace {
  /** Where it is, in pixels of the scaled photo. */
  readonly box: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  /** Detection confidence, 0–1. */
  readonly score: number;
  /** The 128-D descriptor, rounded to 6 decimals (Euclidean distance < ≈0.5 means the same person). */
  readonly descriptor: number[];
}

/** What `analyze` found in one photo. */
export interface FaceAnalysis {
  /** Size of the photo as analysed (after EXIF rotation and scaling). */
  readonly width: number;
  readonly height: number;
  /** Every face at least `minFaceSize` wide, largest first. */
  readonly faces: readonly DetectedFace[];
  /** The detector whose result this is (`auto` reports the one that answered). */
  readonly detector: 'tiny' | 'ssd';
  /** Decoding + detection + descriptors, in ms. */
  readonly ms: number;
}

/** Detects faces and computes their descriptors. */
export interface FaceAnalyzer {
  /**
   * Decodes an image (JPEG, PNG, WebP, GIF, AVIF, TIFF), finds its faces and computes a descriptor for each.
   * Throws `ImageDecodeError` when the bytes are not an image it can decode. Calls run one at a time.
   */
  analyze(image: Uint8Array): Promise<FaceAnalysis>;
}

/**
 * The bytes are not a decodable image (corrupt, truncated, not an image, too large). Its message says so in words, for
 * people ("the photo could not be read: it is not a complete image"); the decoder's own text is kept in `cause`.
 */
export class ImageDecodeError extends Error {
  constructor(
    /** What is wrong, in words: "it is not a complete image", "it is not an image", … */
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`the photo could not be read: ${problem}`, options);
    this.name = 'ImageDecodeError';
  }
}

/** The decoder's error (libvips text) in words. */
export function decodeProblem(decoderMessage: string): string {
  if (/premature end|truncat|unexpected end|end of (file|data)|incomplete|short read/i.test(decoderMessage)) return 'it is not a complete image';
  if (/unsupported image format|not a known|bad seek|no loader/i.test(decoderMessage)) return 'it is not an image';
  if (/pixel limit|too large|exceeds/i.test(decoderMessage)) return 'it has too many pixels';
  if (/corrupt|invalid|bad|header/i.test(decoderMessage)) return 'it is damaged';
  return 'it is not an image that can be decoded';
}

interface Models {
  readonly tf: Tf;
  readonly faceapi: FaceApi;
}

let models: Promise<Models> | null = null;

/**
 * Loads tfjs on its WebAssembly backend and face-api's weights from its npm package, once per process. Nothing is
 * fetched from the network: the wasm binaries and the weights are read from `node_modules`.
 */
export function loadFaceModels(): Promise<Models> {
  models ??= (async () => {
    const before = processErrorListeners();
    const tf = require('@tensorflow/tfjs') as Tf;
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    // Without this, the wasm backend fetches its binaries from a CDN.
    wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    try {
      if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend did not start');
      await tf.ready();
    } finally {
      forgetErrorListenersSince(before);
    }
    const dir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
    await Promise.all([
      faceapi.nets.tinyFaceDetector.loadFromDisk(dir),
      faceapi.nets.ssdMobilenetv1.loadFromDisk(dir),
      faceapi.nets.faceLandmark68Net.loadFromDisk(dir),
      faceapi.nets.faceRecognitionNet.loadFromDisk(dir),
    ]);
    return { tf, faceapi };
  })();
  models.catch(() => (models = null));
  return models;
}

type ErrorListeners = Record<'uncaughtException' | 'unhandledRejection', Function[]>;

function processErrorListeners(): ErrorListeners {
  return { uncaughtException: process.listeners('uncaughtException'), unhandledRejection: process.listeners('unhandledRejection') };
}

/**
 * The wasm backend's Emscripten glue adds process-wide listeners that rethrow any uncaught exception and any unhandled
 * rejection, which makes Node exit at once (code 7) instead of whatever the thread had set up: one stray rejection
 * anywhere in the thread then kills it without a word of where it came from (a test worker died so in CI).
 */
function forgetErrorListenersSince(before: ErrorListeners): void {
  for (const [event, listeners] of Object.entries(processErrorListeners()) as [keyof ErrorListeners, Function[]][]) {
    for (const listener of listeners) if (!before[event].includes(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
  }
}

/** Whether this thread has started loading tfjs and the models (the server's main thread never should). */
export function faceModelsLoaded(): boolean {
  return models !== null;
}

/** Euclidean distance between two descriptors. */
export function faceDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`descriptor lengths differ: ${a.length} and ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  return Math.sqrt(sum);
}

interface Decoded {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
}

async function decode(image: Uint8Array, maxSide: number, maxInputPixels: number): Promise<Decoded> {
  // Loaded on the first photo: libvips is ≈30 MB of a process, and only the face analysis threads decode photos.
  const { default: sharp } = await import('sharp');
  try {
    const { data, info } = await sharp(image, { failOn: 'error', limitInputPixels: maxInputPixels })
      .rotate() // EXIF orientation (phone photos)
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (error) {
    throw new ImageDecodeError(decodeProblem((error as Error).message), { cause: error });
  }
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** A face analyser with the given settings. Models load on the first `analyze` and are shared by every analyser. */
export function createFaceAnalyzer(options: FaceAnalyzerOptions = {}): FaceAnalyzer {
  const detector = options.detector ?? 'auto';
  const maxSide = options.maxSide ?? 640;
  const tinyInputSize = options.tinyInputSize ?? 320;
  const minScore = options.minScore ?? 0.5;
  const minFaceSize = options.minFaceSize ?? 32;
  const maxInputPixels = options.maxInputPixels ?? 40_000_000;
  let queue: Promise<unknown> = Promise.resolve();

  async function run(image: Uint8Array): Promise<FaceAnalysis> {
    const start = performance.now();
    const { tf, faceapi } = await loadFaceModels();
    const { pixels, width, height } = await decode(image, maxSide, maxInputPixels);
    const input = tf.tensor3d(pixels, [height, width, 3], 'int32');
    try {
      const detect = async (which: 'tiny' | 'ssd') => {
        const opts =
          which === 'tiny'
            ? new faceapi.TinyFaceDetectorOptions({ inputSize: tinyInputSize, scoreThreshold: minScore })
            : new faceapi.SsdMobilenetv1Options({ minConfidence: minScore });
        const found = await faceapi.detectAllFaces(input as never, opts).withFaceLandmarks().withFaceDescriptors();
        return found.filter((f) => f.detection.box.width >= minFaceSize);
      };
      let used: 'tiny' | 'ssd' = detector === 'ssd' ? 'ssd' : 'tiny';
      let found = await detect(used);
      if (found.length === 0 && detector === 'auto') found = await detect((used = 'ssd'));
      const faces = found
        .map((f) => {
          const b = f.detection.box;
          return {
            box: { x: Math.round(b.x), y: Math.round(b.y), width: Math.round(b.width), height: Math.round(b.height) },
            score: Math.round(f.detection.score * 1000) / 1000,
            descriptor: Array.from(f.descriptor, round6),
          };
        })
        .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
      return { width, height, faces, detector: used, ms: performance.now() - start };
    } finally {
      input.dispose();
    }
  }

  return {
    analyze(image) {
      const result = queue.then(() => run(image));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
