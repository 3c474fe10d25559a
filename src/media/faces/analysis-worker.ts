import { parentPort, workerData } from 'node:worker_threads';
import { createFaceAnalyzer, ImageDecodeError, type FaceAnalyzerOptions } from './analyzer.js';
import type { AnalysisReply, AnalysisRequest } from './pool.js';

// One face analysis thread: tfjs and the models load here on the first photo, and the photos it is given are
// analysed one at a time, off the thread that serves HTTP.
const analyzer = createFaceAnalyzer((workerData as { options?: FaceAnalyzerOptions }).options ?? {});

parentPort!.on('message', (request: AnalysisRequest) => {
  void analyzer.analyze(request.image).then(
    (analysis): AnalysisReply => ({ id: request.id, ok: true, analysis }),
    (error: Error): AnalysisReply => ({
      id: request.id,
      ok: false,
      error: { message: error?.message ?? String(error), problem: error instanceof ImageDecodeError ? error.problem : null },
    }),
  ).then((reply) => parentPort!.postMessage(reply));
});
