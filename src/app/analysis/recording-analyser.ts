import type { Readable } from 'node:stream';
import type { Core } from '../core/core.js';
import { SYSTEM_ACTOR } from '../../domain/core/decider.js';
import { isSessionStream, sessionIdOf, type RecordingTrack, type SecondFindings, type SessionEvent } from '../../domain/session/events.js';
import { analyseSegment, type SegmentAnalysis, type SegmentAnalysisOptions } from '../../media/analysis/segment.js';
import { FfmpegMissingError, ffmpegAvailable, UndecodableSegmentError } from '../../media/analysis/ffmpeg.js';
import type { BlobStore } from '../../media/blob-store.js';
import type { FaceAnalyzer } from '../../media/faces/analyzer.js';
import { DEFAULT_MATCH_THRESHOLD } from '../../media/faces/judge.js';
import { sharedFaceAnalysisPool } from '../../media/faces/pool.js';
import { MediaDeletedError, sessionBlobs } from '../../media/sealed/sealed-blob-store.js';
import { getFaceReference } from '../../projections/faces/projection.js';
import { getMonitorRows } from '../../projections/monitor/queries.js';
import { segmentToAnalyse, unanalysedSegments } from '../../projections/protocol/queries.js';
import { JobQueue, type JobQueueOptions } from '../../store/job-queue.js';
import { RecentMap } from '../../store/recent-map.js';
import { JobRunner } from '../jobs/job-runner.js';
import type { Log } from '../core/log.js';

export interface RecordingAnalyserOptions {
  /** Segments analysed at once (ANALYSIS_WORKERS, default 1): each runs its own ffmpeg and shares the face threads. */
  readonly workers?: number;
  /** Faces are found by this (default: the process's face threads, `sharedFaceAnalysisPool()`). */
  readonly analyzer?: FaceAnalyzer;
  /** Above this distance to the reference, a face is a stranger's (default `DEFAULT_MATCH_THRESHOLD`). */
  readonly threshold?: number;
  /** The analysis of one segment (default `analyseSegment`; tests put one here that never ends, to be cut short). */
  readonly analyse?: (webm: Uint8Array, options: SegmentAnalysisOptions) => Promise<SegmentAnalysis>;
  /** The job queue's lease, attempts and back-off (tests shorten them). */
  readonly queue?: JobQueueOptions;
  readonly log?: Log;
}

/** The running analysis: `stop` ends it; `idle` resolves once every segment due so far is analysed (tests). */
export interface RecordingAnalyser {
  /**
   * Stops taking segments and waits for those in progress, at most `budgetMs` when given: one cut short is taken up
   * again after its lease (by this node's next start or another node), never lost.
   */
  stop(budgetMs?: number): Promise<void>;
  idle(): Promise<void>;
  /** Frames looked at so far by this analyser (the bench). */
  readonly frames: number;
}

/** The queue's kind for segment analyses; a job's id is `recording-analysis:<session>:<track>:<seq>`. */
export const ANALYSIS_JOB = 'recording-analysis';

interface Job {
  readonly sessionId: string;
  readonly track: RecordingTrack;
  readonly seq: number;
}

/** A segment to analyse, where it starts and, when known, when its exam started: the first of each minute goes first. */
interface Segment extends Job {
  readonly startMs: number;
  readonly durationMs: number;
  readonly startedAtMs?: number | null;
}

/**
 * The priority of a segment's job: 1 for the segment that begins a minute of the exam (less than its own length after
 * the minute turned, counted from the start as the browser and the session's tally count them), 0 for the others. The
 * analysis needs 10 s of a minute to compare it with the browser's report of that minute (t1), so when it falls
 * behind (≈2 frames per CPU-second here, where each session records 2 frames a second) every minute of every exam is
 * checked first and the rest waits for quieter times. Without the start, minutes of the clock.
 */
export function analysisPriority(startMs: number, durationMs: number, startedAtMs: number | null = null): number {
  const intoMinute = (((startMs - (startedAtMs ?? 0)) % 60_000) + 60_000) % 60_000;
  return intoMinute < Math.max(1, Math.min(durationMs, 60_000)) ? 1 : 0;
}

const FFMPEG_MISSING = 'ffmpeg not installed';
const SILENT: Log = { info() {}, warn() {}, error() {} };
const ANALYSED_TRACKS: readonly string[] = ['camera', 'screen'];
/** Segments are at most 100 MB (SEGMENT_MAX_MB's ceiling); one larger is not read into memory here. */
const MAX_SEGMENT_BYTES = 256 * 1024 * 1024;

/**
 * Analyses every stored camera and screen segment on the server, so that what the browser reported can be checked
 * against what was recorded. Each `RecordingSegmentStored` becomes a job in the store's queue (kind
 * `recording-analysis`; durable, run once, taken up again after a crash when its lease lapses), and at start every
 * segment without an analysis is queued again. A job decrypts the segment, has ffmpeg decode a frame a second and the
 * sound (`analyseSegment`), and records `RecordAnalysis`: the session's decider raises t1 where the findings contradict
 * the browser's minutes. Without ffmpeg, each segment is recorded as skipped and the log says so once.
 */
export function startRecordingAnalyser(core: Core, blobs: BlobStore, options: RecordingAnalyserOptions = {}): RecordingAnalyser {
  return new RecordingAnalysis(core, blobs, options);
}

class RecordingAnalysis implements RecordingAnalyser {
  frames = 0;
  private readonly log: Log;
  private readonly queue: JobQueue;
  private readonly runner: JobRunner<Job>;
  private readonly enqueuing = new Set<Promise<void>>();
  /** When recent sessions started (their segments' priorities count minutes from it). */
  private readonly starts = new RecentMap<string, number>(10_000);
  private readonly unsubscribe: () => void;
  private readonly ready: Promise<void>;
  private stopped = false;
  private saidMissing = false;

  constructor(
    private readonly core: Core,
    private readonly blobs: BlobStore,
    private readonly options: RecordingAnalyserOptions,
  ) {
    this.log = options.log ?? SILENT;
    // A ten-minute segment takes a minute or two to analyse: the lease outlasts it before another node may take it over.
    this.queue = new JobQueue(core.db, { leaseMs: 10 * 60_000, ...options.queue });
    this.runner = new JobRunner<Job>(this.queue, ANALYSIS_JOB, (job) => this.analyse(job.payload), {
      concurrency: options.workers ?? 1,
      log: (message, err) => this.log.error({ err }, `analysis: ${message}`),
    });
    this.unsubscribe = core.runner.onApplied((batch) => {
      const jobs: Segment[] = [];
      for (const event of batch.events) {
        if (event.type !== 'RecordingSegmentStored' || !isSessionStream(event.streamId)) continue;
        const data = event.data as Extract<SessionEvent, { type: 'RecordingSegmentStored' }>['data'];
        if (ANALYSED_TRACKS.includes(data.track)) {
          jobs.push({ sessionId: sessionIdOf(event), track: data.track, seq: data.seq, startMs: Date.parse(data.start), durationMs: data.durationMs });
        }
      }
      this.enqueue(jobs);
    });
    this.ready = this.begin().catch((err) => this.log.error({ err }, 'analysis: could not start; segments are analysed at the next start'));
  }

  private async begin(): Promise<void> {
    this.enqueue((await unanalysedSegments(this.core.db)) as Segment[]);
    await Promise.all([...this.enqueuing]);
    if (!this.stopped) await this.runner.start();
  }

  async idle(): Promise<void> {
    await this.ready;
    while (this.enqueuing.size > 0) await Promise.all([...this.enqueuing]);
    await this.runner.idle();
  }

  async stop(budgetMs?: number): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    const stopping = (async () => {
      await this.ready;
      await Promise.all([...this.enqueuing]);
      await this.runner.stop();
    })();
    if (budgetMs === undefined) return stopping;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopping, new Promise((resolve) => (timer = setTimeout(resolve, budgetMs)))]);
    clearTimeout(timer);
  }

  private enqueue(segments: readonly Segment[]): void {
    if (this.stopped || segments.length === 0) return;
    const added = this.withStarts(segments)
      .then((known) => this.queue.enqueue(known.map(({ sessionId, track, seq, startMs, durationMs, startedAtMs }) => ({
        id: `${ANALYSIS_JOB}:${sessionId}:${track}:${seq}`,
        kind: ANALYSIS_JOB,
        payload: { sessionId, track, seq } satisfies Job,
        priority: analysisPriority(startMs, durationMs, startedAtMs ?? null),
      }))))
      .then((n) => {
        if (n > 0) this.runner.kick();
      })
      .catch((err) => this.log.error({ err }, 'analysis: could not queue segments; they are queued at the next start'))
      .finally(() => this.enqueuing.delete(added));
    this.enqueuing.add(added);
  }

  /**
   * The segments with their exams' starts, from the monitor's read model where they came without (live ones). A start
   * never changes once there, so the recent ones are kept: a live session's segments cost one lookup, not one each.
   */
  private async withStarts(segments: readonly Segment[]): Promise<readonly Segment[]> {
    const missing = [...new Set(segments.filter((s) => s.startedAtMs === undefined && this.starts.get(s.sessionId) === undefined).map((s) => s.sessionId))];
    if (missing.length > 0) {
      const rows = await getMonitorRows(this.core.db, missing);
      for (const id of missing) {
        const startedAt = rows.get(id)?.startedAt;
        if (startedAt) this.starts.set(id, startedAt.getTime());
      }
    }
    return segments.map((s) => (s.startedAtMs === undefined ? { ...s, startedAtMs: this.starts.get(s.sessionId) ?? null } : s));
  }

  private async analyse(job: Job): Promise<void> {
    // From the read models, not by folding the session's stream: one row, however long the exam has run. A segment
    // analysed twice (a crash between its analysis and its job's end) records nothing twice: the session takes one
    // analysis per segment.
    const segment = await segmentToAnalyse(this.core.db, job.sessionId, job.track, job.seq);
    if (!segment) return;
    const { sha256, student } = segment;
    const outcome = await this.findings(job, sha256, student);
    let data: { seconds: SecondFindings[]; skipped: string | null };
    if ('skipped' in outcome) {
      if (outcome.skipped !== FFMPEG_MISSING) this.log.warn({ sessionId: job.sessionId, track: job.track, seq: job.seq }, `analysis: skipped: ${outcome.skipped}`);
      data = { seconds: [], skipped: outcome.skipped };
    } else {
      this.frames += outcome.frames;
      data = { seconds: outcome.seconds, skipped: null };
    }
    await this.core.session(job.sessionId, 'RecordAnalysis', { track: job.track, seq: job.seq, ...data }, SYSTEM_ACTOR, {
      commandId: `${ANALYSIS_JOB}:${job.sessionId}:${job.track}:${job.seq}`,
    });
  }

  /** The segment's findings, or why there are none (a reason that running again would not change). */
  private async findings(job: Job, sha256: string, student: string): Promise<SegmentAnalysis | { skipped: string }> {
    if (!(await ffmpegAvailable())) return this.missing();
    let content: Buffer | null;
    try {
      const stream = await sessionBlobs(this.blobs, job.sessionId).get(sha256);
      content = stream ? await readAll(stream) : null;
    } catch (error) {
      if (error instanceof MediaDeletedError) return { skipped: 'the recording was deleted' };
      throw error;
    }
    if (!content) return { skipped: 'its content is missing' };
    const reference = job.track === 'camera' ? ((await getFaceReference(this.core.db, student))?.descriptor ?? null) : null;
    const analyse = this.options.analyse ?? analyseSegment;
    try {
      return await analyse(content, {
        analyzer: this.options.analyzer ?? sharedFaceAnalysisPool(),
        reference,
        threshold: this.options.threshold ?? DEFAULT_MATCH_THRESHOLD,
        faces: job.track === 'camera',
      });
    } catch (error) {
      if (error instanceof FfmpegMissingError) return this.missing();
      if (error instanceof UndecodableSegmentError) return { skipped: error.message };
      throw error;
    }
  }

  private missing(): { skipped: string } {
    // Said once per process, not once per segment: every segment is marked skipped on the protocol meanwhile.
    if (!this.saidMissing) this.log.error({ hint: 'install ffmpeg (Debian: apt-get install ffmpeg) and restart' }, `analysis: skipped: ${FFMPEG_MISSING}`);
    this.saidMissing = true;
    return { skipped: FFMPEG_MISSING };
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_SEGMENT_BYTES) throw new Error('the segment is too large to analyse');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
