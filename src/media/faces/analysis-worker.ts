import { parentPort, workerData } from 'node:worker_threads';
import { makeThisThreadBackground } from '../background.js';
import { createFaceAnalyzer, ImageDecodeError, type FaceAnalyzerOptions } from './analyzer.js';
import type { AnalysisReply, AnalysisRequest } from './pool.js';

// One face analysis thread: tfjs and the models load here on the first photo, and the photos it is given are
// analysed one at a time, off the thread that serves HTTP.
const data = workerData as { options?: FaceAnalyzerOptions; niceness?: number };
const analyzer = createFaceAnalyzer(data.options ?? {});
// Background threads (the recordings' analysis) yield to the rest of the server; only this thread, not the process.
if (data.niceness) makeThisThreadBackground(data.niceness);

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
