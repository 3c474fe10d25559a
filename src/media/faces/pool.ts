import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ImageDecodeError, type FaceAnalysis, type FaceAnalyzer, type FaceAnalyzerOptions } from './analyzer.js';

/** A photo sent to an analysis thread (its bytes are moved, not copied). */
export interface AnalysisRequest {
  readonly id: number;
  readonly image: Uint8Array;
}

/** What the thread answers: the analysis, or what went wrong (`problem` set for an image it cannot decode). */
export type AnalysisReply =
  | { readonly id: number; readonly ok: true; readonly analysis: FaceAnalysis }
  | { readonly id: number; readonly ok: false; readonly error: { readonly message: string; readonly problem: string | null } };

interface Task {
  readonly id: number;
  readonly image: Uint8Array;
  resolve(analysis: FaceAnalysis): void;
  reject(error: Error): void;
}

interface Thread {
  readonly worker: Worker;
  task: Task | null;
}

export interface FaceAnalysisPoolOptions {
  /** Threads at most (FACE_WORKERS), from one to the number of cores; started on demand. Default 1. */
  readonly threads?: number;
  readonly analyzer?: FaceAnalyzerOptions;
  /**
   * The threads' OS niceness (0 to 19; default 0). Background work (the recordings' analysis) runs at 19, so that on
   * a busy machine the threads serving HTTP, the identity checks and PostgreSQL come first. Linux keeps niceness per
   * thread; where a thread may not lower its own priority, it runs at the process's.
   */
  readonly niceness?: number;
}

// From source (tsx), a thread first registers tsx's loader (worker-entry.mjs), then imports the TypeScript module;
// compiled (dist/, `npm start`), it starts on the JavaScript sibling with plain node.
const COMPILED = !import.meta.url.endsWith('.ts');
const ENTRY = new URL(COMPILED ? './analysis-worker.js' : './worker-entry.mjs', import.meta.url);
const MODULE = new URL('./analysis-worker.ts', import.meta.url).href;

/**
 * Face analysis in worker threads, so that decoding and the networks (≈120 ms a photo, ≈1 s for a thread's first)
 * never hold up the thread serving HTTP and WebSockets. Photos queue here and go to the first idle thread, one at a
 * time each; a thread is started when there is work and fewer than `threads` run, and lives until `close`. A thread
 * that dies fails the photo it had (the caller's job is retried) and is replaced for the next one.
 */
export class FaceAnalysisPool implements FaceAnalyzer {
  readonly threads: number;
  private readonly options: FaceAnalyzerOptions;
  private readonly niceness: number;
  private readonly queue: Task[] = [];
  private readonly live = new Set<Thread>();
  private nextId = 0;
  private closed = false;
  /** Photos answered by a thread, and which threads (`threadId`) did the work. */
  readonly done = { photos: 0, threadIds: new Set<number>() };

  constructor(options: FaceAnalysisPoolOptions = {}) {
    this.threads = Math.min(availableParallelism(), Math.max(1, Math.floor(options.threads ?? 1)));
    this.options = options.analyzer ?? {};
    this.niceness = Math.min(19, Math.max(0, Math.floor(options.niceness ?? 0)));
  }

  analyze(image: Uint8Array): Promise<FaceAnalysis> {
    if (this.closed) return Promise.reject(new Error('the face analysis threads are stopped'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: ++this.nextId, image, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every thread; photos still waiting are refused. */
  async close(): Promise<void> {
    this.closed = true;
    const stopped = () => new Error('the face analysis threads are stopped');
    for (const task of this.queue.splice(0)) task.reject(stopped());
    for (const thread of this.live) thread.task?.reject(stopped());
    await Promise.all([...this.live].map((t) => t.worker.terminate()));
    this.live.clear();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let thread = [...this.live].find((t) => t.task === null);
      if (!thread && this.live.size < this.threads) thread = this.spawn();
      if (!thread) return;
      const task = this.queue.shift()!;
      thread.task = task;
      thread.worker.ref();
      // A copy the thread may own: the caller's buffer may be a slice of a larger pooled one.
      const image = new Uint8Array(task.image);
      thread.worker.postMessage({ id: task.id, image } satisfies AnalysisRequest, [image.buffer]);
    }
  }

  private spawn(): Thread {
    const worker = new Worker(ENTRY, { workerData: { entry: MODULE, options: this.options, niceness: this.niceness }, name: 'face-analysis' });
    const thread: Thread = { worker, task: null };
    this.live.add(thread);
    worker.on('message', (reply: AnalysisReply) => {
      const task = thread.task;
      if (!task || task.id !== reply.id) return;
      thread.task = null;
      worker.unref(); // an idle thread does not keep the process alive
      this.done.photos += 1;
      this.done.threadIds.add(worker.threadId);
      if (reply.ok) task.resolve(reply.analysis);
      else task.reject(reply.error.problem !== null ? new ImageDecodeError(reply.error.problem) : new Error(reply.error.message));
      this.dispatch();
    });
    const lost = (why: string) => {
      if (!this.live.delete(thread)) return;
      thread.task?.reject(new Error(`the face analysis thread stopped: ${why}`));
      thread.task = null;
      if (!this.closed) this.dispatch();
    };
    worker.on('error', (error) => lost(error.message));
    worker.on('exit', (code) => lost(`it exited with code ${code}`));
    return thread;
  }
}

let shared: FaceAnalysisPool | null = null;

/**
 * The process's pool, made on first use with `threads` (main passes FACE_WORKERS first; one thread otherwise). The
 * identity-photo checks and the reference uploads share it, so there is never more than one thread per core.
 */
export function sharedFaceAnalysisPool(threads?: number): FaceAnalysisPool {
  shared ??= new FaceAnalysisPool({ threads });
  return shared;
}

/** Stops the shared pool's threads (at shutdown). */
export async function closeSharedFaceAnalysisPool(): Promise<void> {
  const pool = shared;
  shared = null;
  await pool?.close();
}
