/**
 * face-api on the tfjs WebAssembly backend, with the weights and the .wasm files served by our server from their npm
 * packages (never a CDN). Used inside the face worker, and on the page where workers cannot run it.
 */
export type FaceApi = typeof import('@vladmandic/face-api/dist/face-api.esm-nobundle.js');
export type Tf = typeof import('@tensorflow/tfjs');

/** What one frame shows: how many faces, and for a single face its head yaw and descriptor. */
export interface FrameFaces {
  faces: number;
  /** Nose offset from the eyes' middle in eye distances (single face only). */
  yaw: number | null;
  descriptor: Float32Array | null;
  ms: number;
}

let loading: Promise<{ faceapi: FaceApi; tf: Tf }> | null = null;

/** Loads tfjs (WASM) and the three small nets once. `beforeNets` may prepare face-api's environment (a worker has no DOM). */
export function loadFaceApi(beforeNets?: (faceapi: FaceApi) => void): Promise<{ faceapi: FaceApi; tf: Tf }> {
  loading ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths('/wasm/');
    await tf.setBackend('wasm');
    await tf.ready();
    const faceapi = await import('@vladmandic/face-api/dist/face-api.esm-nobundle.js');
    beforeNets?.(faceapi);
    await Promise.all([
      faceapi.nets.tinyFaceDetector.loadFromUri('/models'),
      faceapi.nets.faceLandmark68TinyNet.loadFromUri('/models'),
      faceapi.nets.faceRecognitionNet.loadFromUri('/models'),
    ]);
    return { faceapi, tf };
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

/** Detects the faces of one frame (a video element on the page, a tensor in the worker). */
export async function readFaces(faceapi: FaceApi, input: Parameters<FaceApi['detectAllFaces']>[0]): Promise<FrameFaces> {
  const t0 = performance.now();
  const found = await faceapi
    .detectAllFaces(input, new faceapi.TinyFaceDetectorOptions({ inputSize: 320, scoreThreshold: 0.5 }))
    .withFaceLandmarks(true)
    .withFaceDescriptors();
  const single = found.length === 1 ? found[0] : null;
  return {
    faces: found.length,
    yaw: single ? yaw(single.landmarks.positions) : null,
    descriptor: single ? single.descriptor : null,
    ms: performance.now() - t0,
  };
}
