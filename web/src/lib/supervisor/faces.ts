/**
 * Face metrics in the browser: c2 (no face, or not looking at the camera), c3 (several faces), c4 (a face other than
 * the one that started the exam). face-api on the tfjs WebAssembly backend, with the weights and the .wasm files
 * served by our server from their npm packages. Detection runs on the page at a bounded rate (one frame every
 * `everyMs`, the next only after the last finished), so the page never stalls for more than one detection (≈0.1 s).
 */
export interface FaceReading {
  faces: number;
  lookingAway: boolean;
  /** Distance of the single face from the exam's first face (null: no single face, or no reference yet). */
  distance: number | null;
  at: number;
  ms: number;
}

/** Yaw estimate beyond which the test-taker is taken to look away (nose offset from the eyes' middle ÷ eye distance). */
export const YAW_LIMIT = 0.35;
/** Descriptor distance beyond which a face is another person's (measured: same face ≈ 0.1–0.4, others ≥ 0.45). */
export const OTHER_FACE = 0.55;

type FaceApi = typeof import('@vladmandic/face-api/dist/face-api.esm-nobundle.js');
let loading: Promise<FaceApi> | null = null;

function load(): Promise<FaceApi> {
  loading ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths('/wasm/');
    await tf.setBackend('wasm');
    await tf.ready();
    const faceapi = await import('@vladmandic/face-api/dist/face-api.esm-nobundle.js');
    await Promise.all([
      faceapi.nets.tinyFaceDetector.loadFromUri('/models'),
      faceapi.nets.faceLandmark68TinyNet.loadFromUri('/models'),
      faceapi.nets.faceRecognitionNet.loadFromUri('/models'),
    ]);
    return faceapi;
  })();
  return loading;
}

/** Nose tip (68-point layout: 30) against the middle of the eyes (36–41, 42–47), in eye distances. 0 = facing the camera. */
export function yaw(points: ReadonlyArray<{ x: number; y: number }>): number {
  const mean = (from: number, to: number) => points.slice(from, to + 1).reduce((s, p) => s + p.x, 0) / (to - from + 1);
  const left = mean(36, 41);
  const right = mean(42, 47);
  const span = Math.abs(right - left) || 1;
  return (points[30].x - (left + right) / 2) / span;
}

function distance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}

export class FaceWatcher {
  latest: FaceReading | null = null;
  error: string | null = null;
  private reference: Float32Array | null = null;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly video: HTMLVideoElement, private readonly everyMs = 1500) {}

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      try {
        await this.detect();
      } catch (e) {
        this.error = (e as Error).message;
      }
      if (!this.stopped) this.timer = setTimeout(loop, this.everyMs);
    };
    void loop();
  }

  private async detect(): Promise<void> {
    if (this.video.readyState < 2) return;
    const faceapi = await load();
    const t0 = performance.now();
    const found = await faceapi
      .detectAllFaces(this.video, new faceapi.TinyFaceDetectorOptions({ inputSize: 320, scoreThreshold: 0.5 }))
      .withFaceLandmarks(true)
      .withFaceDescriptors();
    const ms = performance.now() - t0;
    let lookingAway = found.length === 0;
    let d: number | null = null;
    if (found.length === 1) {
      const face = found[0];
      lookingAway = Math.abs(yaw(face.landmarks.positions)) > YAW_LIMIT;
      if (!this.reference) this.reference = face.descriptor;
      else d = distance(this.reference, face.descriptor);
    }
    this.latest = { faces: found.length, lookingAway, distance: d, at: Date.now(), ms };
  }

  /** c2 c3 c4 from the last reading, if it is fresh; nothing when the detector has not read a frame yet. */
  metrics(now = Date.now()): Record<string, boolean> {
    const r = this.latest;
    if (!r || now - r.at > this.everyMs * 3) return {};
    return { c2: r.faces === 0 || (r.faces === 1 && r.lookingAway), c3: r.faces > 1, c4: r.distance !== null && r.distance > OTHER_FACE };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
