import { loadFaceApi, readFaces, type FrameFaces } from './face-model.js';

export { yaw } from './face-model.js';

/**
 * Face metrics in the browser: c2 (no face, or not looking at the camera), c3 (several faces), c4 (a face other than
 * the one that started the exam). Detection runs in a Web Worker (face-api on tfjs WASM there), one frame every
 * `everyMs` and the next only after the last finished: the page's own thread only grabs the frame (a few ms), so
 * the test-taker's typing never waits for a detection. Where a worker cannot run it, it runs on the page instead.
 */
export interface FaceReading {
  faces: number;
  lookingAway: boolean;
  /** Distance of the single face from the exam's first face (null: no single face, or no reference yet). */
  distance: number | null;
  at: number;
  /** Detection time (in the worker, or on the page in the fallback). */
  ms: number;
  /** How long the page's own thread was busy for this reading. */
  pageMs: number;
  where: 'worker' | 'page';
}

/** Yaw estimate beyond which the test-taker is taken to look away (nose offset from the eyes' middle ÷ eye distance). */
export const YAW_LIMIT = 0.35;
/** Descriptor distance beyond which a face is another person's (measured: same face ≈ 0.1–0.4, others ≥ 0.45). */
export const OTHER_FACE = 0.55;

function distance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}

/** The face worker of this page, answering one frame at a time. */
class FaceWorker {
  private readonly worker = new Worker(new URL('./face-worker.ts', import.meta.url), { type: 'module' });
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (r: FrameFaces) => void; reject: (e: Error) => void }>();

  constructor() {
    this.worker.onmessage = (e: MessageEvent<{ id: number; result?: FrameFaces; error?: string }>) => {
      const w = this.waiting.get(e.data.id);
      this.waiting.delete(e.data.id);
      if (e.data.result) w?.resolve(e.data.result);
      else w?.reject(new Error(e.data.error ?? 'face worker failed'));
    };
    this.worker.onerror = (e) => {
      for (const w of this.waiting.values()) w.reject(new Error(e.message || 'face worker failed'));
      this.waiting.clear();
    };
  }

  read(frame: ImageBitmap): Promise<FrameFaces> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, frame }, [frame]);
    });
  }

  close(): void {
    this.worker.terminate();
  }
}

const workersWork = () => typeof Worker !== 'undefined' && typeof OffscreenCanvas !== 'undefined' && typeof createImageBitmap !== 'undefined';

export class FaceWatcher {
  latest: FaceReading | null = null;
  error: string | null = null;
  private reference: Float32Array | null = null;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private worker: FaceWorker | null = null;

  constructor(private readonly video: HTMLVideoElement, private readonly everyMs = 1500) {}

  start(): void {
    if (workersWork()) this.worker = new FaceWorker();
    const loop = async () => {
      if (this.stopped) return;
      try {
        await this.detect();
      } catch (e) {
        this.error = (e as Error).message;
        if (this.worker) {
          // A browser whose worker cannot run the model: detect on the page from now on.
          this.worker.close();
          this.worker = null;
        }
      }
      if (!this.stopped) this.timer = setTimeout(loop, this.everyMs);
    };
    void loop();
  }

  private async detect(): Promise<void> {
    if (this.video.readyState < 2) return;
    let read: FrameFaces;
    let pageMs: number;
    const where = this.worker ? 'worker' : 'page';
    if (this.worker) {
      const t0 = performance.now();
      const frame = await createImageBitmap(this.video);
      const pending = this.worker.read(frame);
      pageMs = performance.now() - t0;
      read = await pending;
    } else {
      const { faceapi } = await loadFaceApi();
      read = await readFaces(faceapi, this.video);
      pageMs = read.ms;
    }
    let lookingAway = read.faces === 0;
    let d: number | null = null;
    if (read.faces === 1 && read.descriptor) {
      lookingAway = Math.abs(read.yaw ?? 0) > YAW_LIMIT;
      if (!this.reference) this.reference = read.descriptor;
      else d = distance(this.reference, read.descriptor);
    }
    this.latest = { faces: read.faces, lookingAway, distance: d, at: Date.now(), ms: read.ms, pageMs, where };
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
    this.worker?.close();
  }
}
