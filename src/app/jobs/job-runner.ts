import type { ClaimedJob, JobQueue } from '../../store/job-queue.js';

export interface JobRunnerOptions {
  /** Jobs run at once (default 1): as many as there are threads to do the work. */
  readonly concurrency?: number;
  /** How often the queue is looked at without a wake-up: back-offs that ended, leases that lapsed (default 5 s). */
  readonly pollMs?: number;
  /** How long a completed job's row is kept before the poll deletes it (default 7 days; failed ones are kept). */
  readonly keepDoneMs?: number;
  readonly clock?: () => Date;
  readonly log?: (message: string, error?: unknown) => void;
}

/** Completed jobs are pruned at most this often (a poll after it prunes). */
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Runs the jobs of one kind from the store's queue, up to `concurrency` at a time. Woken by a NOTIFY when jobs are
 * enqueued (here or on another node), by `kick`, and by a poll. A handler that throws fails the run (retried after a
 * back-off, within the queue's bound); one that returns completes the job.
 */
export class JobRunner<P> {
  private readonly concurrency: number;
  private readonly running = new Set<Promise<void>>();
  private claiming: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private prunedAt = 0;
  private pruning: Promise<void> | null = null;

  constructor(
    private readonly queue: JobQueue,
    private readonly kind: string,
    private readonly handle: (job: ClaimedJob<P>) => Promise<void>,
    private readonly options: JobRunnerOptions = {},
  ) {
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  }

  /** Listens for new jobs and takes up those already due. */
  async start(): Promise<void> {
    await this.queue.migrate();
    this.unlisten = await this.queue.listen(this.kind, () => this.kick());
    this.timer = setInterval(() => {
      this.kick();
      this.prune();
    }, this.options.pollMs ?? 5000);
    this.timer.unref();
    this.kick();
    this.prune();
  }

  /**
   * Deletes the rows of jobs completed longer ago than `keepDoneMs`, once an hour: a node storing a segment every few
   * milliseconds would otherwise add a row for each analysis to the table for good.
   */
  private prune(): void {
    const now = (this.options.clock ?? (() => new Date()))();
    if (this.stopped || this.pruning || now.getTime() - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now.getTime();
    this.pruning = this.queue
      .prune(this.kind, new Date(now.getTime() - (this.options.keepDoneMs ?? 7 * 24 * 3_600_000)))
      .then(() => undefined, (error) => this.log(`jobs: could not delete old ${this.kind} jobs; tried again in an hour`, error))
      .finally(() => (this.pruning = null));
  }

  /** Looks for due jobs now (after an enqueue in this process, so the work does not wait for the NOTIFY). */
  kick(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = this.fill()
      .catch((error) => this.log(`jobs: could not claim ${this.kind} jobs; tried again at the next poll`, error))
      .finally(() => {
        this.claiming = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves once no job is running and none is due (jobs waiting out a back-off do not count). */
  async idle(): Promise<void> {
    for (;;) {
      if (!this.claiming && this.running.size === 0) {
        this.kick();
        const looking = this.claiming;
        if (!looking) return; // stopped
        await looking;
        if (this.running.size === 0 && !this.claiming) return;
      }
      if (this.claiming) await this.claiming;
      if (this.running.size > 0) await Promise.race([...this.running]);
    }
  }

  /** Stops claiming; resolves when the runs in progress have ended (each is completed or failed as usual). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.unlisten?.().catch(() => undefined);
    if (this.claiming) await this.claiming;
    if (this.pruning) await this.pruning;
    await Promise.all([...this.running]);
  }

  private async fill(): Promise<void> {
    while (!this.stopped && (await this.fillOnce()) > 0);
  }

  /** Claims what free slots allow; answers how many jobs it started. */
  private async fillOnce(): Promise<number> {
    const free = this.concurrency - this.running.size;
    if (this.stopped || free <= 0) return 0;
    const jobs = await this.queue.claim<P>(this.kind, free);
    for (const job of jobs) {
      const run = this.run(job).finally(() => {
        this.running.delete(run);
        this.kick();
      });
      this.running.add(run);
    }
    return jobs.length;
  }

  private async run(job: ClaimedJob<P>): Promise<void> {
    try {
      await this.handle(job);
    } catch (error) {
      const outcome = await this.queue.fail(job, (error as Error)?.message ?? String(error)).catch(() => null);
      const then = outcome === 'failed' ? `given up after ${job.attempt} attempts` : `tried again later (attempt ${job.attempt} of ${job.maxAttempts})`;
      this.log(`jobs: ${this.kind} job ${job.id} failed; ${then}`, error);
      return;
    }
    await this.queue.complete(job).catch((error) => this.log(`jobs: could not mark ${this.kind} job ${job.id} done; it may run again`, error));
  }

  private log(message: string, error?: unknown): void {
    this.options.log?.(message, error);
  }
}
