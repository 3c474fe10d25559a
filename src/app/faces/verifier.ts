import type { Core } from '../core/core.js';
import { SYSTEM_ACTOR } from '../../domain/core/decider.js';
import { sessionDecider } from '../../domain/session/decide.js';
import { isSessionStream, sessionIdOf, sessionStreamId, type SessionEvent } from '../../domain/session/events.js';
import type { BlobStore } from '../../media/blob-store.js';
import type { FaceAnalyzer } from '../../media/faces/analyzer.js';
import { DEFAULT_MATCH_THRESHOLD, DEFAULT_SIMILAR_THRESHOLD, judgePhoto, unreadable, type Verdict } from '../../media/faces/judge.js';
import { DescriptorIndex } from '../../projections/faces/descriptor-index.js';
import { getFaceReference, pendingFacePhotos } from '../../projections/faces/projection.js';
import { getFile } from '../../projections/files/projection.js';
import { FaceAnalysisPool, sharedFaceAnalysisPool } from '../../media/faces/pool.js';
import { JobQueue, type JobQueueOptions } from '../../store/job-queue.js';
import { JobRunner } from '../jobs/job-runner.js';
import { adoptReference } from '../profiles/reference.js';
import { sessionBlobs } from '../../media/sealed/sealed-blob-store.js';
import type { Log } from '../core/log.js';

export interface FaceVerifierOptions {
  /** 1:1 distance threshold (default `DEFAULT_MATCH_THRESHOLD`, 0.5). */
  readonly threshold?: number;
  /** 1:N distance threshold for similar profiles (default `DEFAULT_SIMILAR_THRESHOLD`, 0.4). */
  readonly similarThreshold?: number;
  /** The face analyser (default: the process's worker threads, `sharedFaceAnalysisPool()`). */
  readonly analyzer?: FaceAnalyzer;
  /** Photos checked at once (default: the analyser's threads, one for another analyser). */
  readonly concurrency?: number;
  /** The job queue's lease, attempts and back-off (tests shorten them). */
  readonly queue?: JobQueueOptions;
  /** Photos larger than this are red without being decoded (default 20 MB). */
  readonly maxBytes?: number;
  readonly log?: Log;
}

/** The running reaction: `stop` ends it; `idle` resolves once every photo seen so far is checked (tests). */
export interface FaceVerifier {
  stop(): Promise<void>;
  idle(): Promise<void>;
  /** The in-memory 1:N index it keeps up to date. */
  readonly index: DescriptorIndex;
}

/** The queue's kind for identity-photo checks; a job's id is `face-check:<session>:<photo>`. */
export const FACE_CHECK_JOB = 'face-check';

interface Job {
  readonly sessionId: string;
  readonly photoId: string;
  readonly kind: string;
}

const SILENT: Log = { info() {}, warn() {}, error() {} };

/**
 * Checks every identity photo on the server. After each committed batch of events, each `IdentityPhotoSubmitted`
 * becomes a job in the store's queue (`JobQueue`, kind `face-check`), and at start every photo without a check is
 * enqueued again (a job already there, done or not, stays as it is). Jobs are taken by whichever node is free, as many
 * at once as there are analysis threads; the photo is judged (`judgePhoto`: decoded, its face found and described,
 * compared 1:1 with the test-taker's reference face and searched 1:N among every other profile), and the verdict is
 * recorded as `RecordFaceCheck` with its reason. A profile without a reference gets the face of its first face photo as reference
 * (`new_reference`, green or yellow).
 *
 * Idempotent: a photo whose `FaceChecked` is in the session stream is skipped, and the commands carry ids derived from
 * the photo, so a replay or a second node appends nothing twice; the queue runs each job once, and again only when its
 * run failed or its node died (after a back-off, at most `maxAttempts` runs). The decoding and the networks run in
 * worker threads, never on the thread serving HTTP. A bad image is logged once, in words, and recorded red as
 * `unreadable`; nothing here throws into the server.
 */
export function startFaceVerifier(core: Core, blobs: BlobStore, options: FaceVerifierOptions = {}): FaceVerifier {
  return new FaceVerification(core, blobs, options);
}

class FaceVerification implements FaceVerifier {
  readonly index = new DescriptorIndex();
  private readonly threshold: number;
  private readonly similarThreshold: number;
  private readonly analyzer: FaceAnalyzer;
  private readonly maxBytes: number;
  private readonly log: Log;
  private readonly queue: JobQueue;
  private readonly runner: JobRunner<Job>;
  private readonly enqueuing = new Set<Promise<void>>();
  private stopped = false;
  private readonly unsubscribe: () => void;
  private readonly ready: Promise<void>;

  constructor(
    private readonly core: Core,
    private readonly blobs: BlobStore,
    options: FaceVerifierOptions,
  ) {
    this.threshold = options.threshold ?? DEFAULT_MATCH_THRESHOLD;
    this.similarThreshold = options.similarThreshold ?? DEFAULT_SIMILAR_THRESHOLD;
    this.analyzer = options.analyzer ?? sharedFaceAnalysisPool();
    this.maxBytes = options.maxBytes ?? 20 * 1024 * 1024;
    this.log = options.log ?? SILENT;
    this.queue = new JobQueue(core.db, options.queue);
    this.runner = new JobRunner<Job>(this.queue, FACE_CHECK_JOB, (job) => this.check(job.payload), {
      concurrency: options.concurrency ?? (this.analyzer instanceof FaceAnalysisPool ? this.analyzer.threads : 1),
      log: (message, err) => this.log.error({ err }, `faces: ${message}`),
    });
    this.unsubscribe = core.runner.onApplied((batch) => {
      this.index.applyBatch(batch);
      const jobs: Job[] = [];
      for (const event of batch.events) {
        if (event.type !== 'IdentityPhotoSubmitted' || !isSessionStream(event.streamId)) continue;
        const data = event.data as Extract<SessionEvent, { type: 'IdentityPhotoSubmitted' }>['data'];
        jobs.push({ sessionId: sessionIdOf(event), photoId: data.photoId, kind: data.kind });
      }
      this.enqueue(jobs);
    });
    // Subscribed first, then loaded: a reference set meanwhile is in the batch or in the page, and versions keep the newer.
    this.ready = this.begin().catch((error) => this.log.error({ err: error }, 'faces: could not start checking photos; they are checked at the next start'));
  }

  /** Loads the reference faces, queues the photos left unchecked, and starts taking jobs. */
  private async begin(): Promise<void> {
    await this.index.load(this.core.db);
    this.enqueue(await pendingFacePhotos(this.core.db));
    await Promise.all([...this.enqueuing]);
    if (!this.stopped) await this.runner.start();
  }

  async idle(): Promise<void> {
    await this.ready;
    while (this.enqueuing.size > 0) await Promise.all([...this.enqueuing]);
    await this.runner.idle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    await this.ready;
    await Promise.all([...this.enqueuing]);
    await this.runner.stop();
  }

  private enqueue(jobs: readonly Job[]): void {
    if (this.stopped || jobs.length === 0) return;
    const added = this.queue
      .enqueue(jobs.map((job) => ({ id: `${FACE_CHECK_JOB}:${job.sessionId}:${job.photoId}`, kind: FACE_CHECK_JOB, payload: job })))
      .then((n) => {
        if (n > 0) this.runner.kick();
      })
      .catch((error) => this.log.error({ err: error }, 'faces: could not queue photos to check; they are queued at the next start'))
      .finally(() => this.enqueuing.delete(added));
    this.enqueuing.add(added);
  }

  private async check(job: Job): Promise<void> {
    const events = (await this.core.store.readStream(sessionStreamId(job.sessionId))) as unknown as SessionEvent[];
    if (events.some((e) => e.type === 'FaceChecked' && e.data.photoId === job.photoId)) return;
    const session = events.reduce(sessionDecider.evolve, sessionDecider.initialState());
    if (session.status === 'none') return;
    const verdict = await this.judge(job, session.student);
    const { problem, ...data } = verdict;
    // One line per photo; an unreadable one says what is wrong in words (the decoder's text helps nobody here).
    if (problem) this.log.warn({ sessionId: job.sessionId, photoId: job.photoId, reason: verdict.reason }, `faces: ${problem}`);
    else this.log.info({ sessionId: job.sessionId, photoId: job.photoId, ...data }, 'faces: photo checked');
    await this.core.session(job.sessionId, 'RecordFaceCheck', { photoId: job.photoId, ...data }, SYSTEM_ACTOR, {
      commandId: `face-check:${job.sessionId}:${job.photoId}`,
    });
  }

  /** The photo as the session stored it, judged against the test-taker's profile. */
  private async judge(job: Job, student: string): Promise<Verdict> {
    const file = await getFile(this.core.db, job.photoId);
    if (!file || file.sessionId !== job.sessionId) return unreadable('it is not a file of this session');
    if (file.size > this.maxBytes) return unreadable('it is too large');
    const content = await sessionBlobs(this.blobs, file.sessionId).get(file.sha256);
    if (!content) return unreadable('its content is missing');
    return judgePhoto(content, job.kind, {
      analyzer: this.analyzer,
      threshold: this.threshold,
      maxBytes: this.maxBytes,
      reference: () => getFaceReference(this.core.db, student),
      similarTo: (descriptors) => this.similarTo(descriptors, student),
      adoptReference: (descriptor) => adoptReference(this.core, student, job, descriptor),
    });
  }

  /** Other profiles near any of the faces, nearest first. */
  private similarTo(descriptors: readonly number[][], student: string): string[] {
    const best = new Map<string, number>();
    for (const d of descriptors) {
      for (const hit of this.index.search(d, this.similarThreshold, { exclude: [student], limit: 10 })) {
        best.set(hit.username, Math.min(best.get(hit.username) ?? Infinity, hit.distance));
      }
    }
    return [...best].sort((a, b) => a[1] - b[1]).slice(0, 10).map(([username]) => username);
  }
}
