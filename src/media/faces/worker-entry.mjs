// A worker thread's first module: Node 20 does not pass `--import tsx` on to worker threads, so the TypeScript loader
// is registered here before the thread's real module (workerData.entry) is imported.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
