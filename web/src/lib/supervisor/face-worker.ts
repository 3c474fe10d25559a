/// <reference lib="webworker" />
/**
 * Face detection off the page's thread: the page sends a frame (an ImageBitmap, transferred), the worker answers what
 * it shows. face-api looks for a DOM to decide its environment; a worker has none, so it gets OffscreenCanvas and fetch.
 */
import { loadFaceApi, readFaces, type FaceApi } from './face-model.js';

function workerEnvironment(faceapi: FaceApi): void {
  const unsupported = () => {
    throw new Error('not available in the face worker');
  };
  faceapi.env.setEnv({
    Canvas: OffscreenCanvas as never,
    CanvasRenderingContext2D: OffscreenCanvasRenderingContext2D as never,
    Image: class {} as never,
    ImageData,
    Video: class {} as never,
    createCanvasElement: () => new OffscreenCanvas(1, 1) as never,
    createImageElement: unsupported as never,
    createVideoElement: unsupported as never,
    fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
    readFile: unsupported as never,
  });
}

let canvas: OffscreenCanvas | null = null;

self.onmessage = async (event: MessageEvent<{ id: number; frame: ImageBitmap }>) => {
  const { id, frame } = event.data;
  try {
    const { faceapi, tf } = await loadFaceApi(workerEnvironment);
    canvas ??= new OffscreenCanvas(frame.width, frame.height);
    if (canvas.width !== frame.width || canvas.height !== frame.height) {
      canvas.width = frame.width;
      canvas.height = frame.height;
    }
    const g = canvas.getContext('2d', { willReadFrequently: true })!;
    g.drawImage(frame, 0, 0);
    frame.close();
    const input = tf.browser.fromPixels(g.getImageData(0, 0, canvas.width, canvas.height));
    try {
      const read = await readFaces(faceapi, input as never); // face-api declares its own copy of tfjs's Tensor type
      const result = { ...read, descriptor: read.descriptor ? new Float32Array(read.descriptor) : null }; // its own buffer, to transfer
      self.postMessage({ id, result }, result.descriptor ? [result.descriptor.buffer] : []);
    } finally {
      input.dispose();
    }
  } catch (error) {
    self.postMessage({ id, error: (error as Error).message });
  }
};
