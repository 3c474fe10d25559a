import type { Core } from '../../core/core.js';
import { isSessionStream, sessionIdOf, sessionStreamId, type SessionEvent } from '../../../domain/session/events.js';
import { getLtiSessionLink, ltiSessionsActiveSince } from '../../../projections/lti/session-links.js';
import { RecentMap } from '../../../store/recent-map.js';
import { controlAttempt } from './acs.js';
import { publishAttempt } from './ags.js';
import { openJobs, type OpenJob } from './plan.js';
import { serviceTokens, type ServiceTokens } from './token.js';

/** Timers, injectable so tests decide how long a back-off is without waiting for real minutes. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LtiServiceWorkerOptions {
  readonly clock?: () => Date;
  readonly timers?: Timers;
  /** The wait before attempt `n + 1` after `n` failed ones (default 30 s doubling, at most an hour). */
  readonly backoffMs?: (attempts: number) => number;
  /** How long a node holds an attempt before another may take it over (default 2 min; a call lasts at most 10 s). */
  readonly leaseMs?: number;
  /** How often sessions with recent activity are looked at again (default 5 min), and how far back (default 2 days). */
  readonly sweepMs?: number;
  readonly lookbackMs?: number;
  readonly tokens?: ServiceTokens;
  readonly log?: (message: string, error?: unknown) => void;
}

const TRIGGERS = new Set<string>([
  'LtiLaunched', 'SessionConcluded', 'SessionPaused', 'SessionResumed', 'SessionFinished', 'ContentBlocked', 'ContentUnblocked', 'ViolationDetected', 'LtiServiceCalled',
]);

const REAL_TIMERS: Timers = { setTimeout: (fn, ms) => setTimeout(fn, ms).unref(), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };

/**
 * Calls the session's LMS when the session owes it something (see `plan.ts`): the conclusion as an AGS score, and
 * pauses, resumes, incidents, violations and finishes as Assessment Control requests. It reacts to committed events
 * (the projection runner's batches, as the face verifier does), looks at recently active LTI sessions at start and
 * every sweep (so a restart or a node that died mid-call loses nothing), and retries failures with back-off.
 *
 * Across nodes each attempt is claimed first (`core.claims`, for `leaseMs`): two nodes never send the same call at
 * once, and a claim left by a node that died lapses. Each session's calls go out one at a time, in order.
 */
export class LtiServiceWorker {
  private readonly clock: () => Date;
  private readonly timers: Timers;
  private readonly tokens: ServiceTokens;
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly waiting = new Map<string, unknown>();
  /**
   * Sessions found to have no LMS link, so that their violations and pauses (most sessions' events, where sessions
   * come through an integration rather than LTI) cost no read each. A launch recorded later clears the entry;
   * `launches` counts them, so a read that a launch overtook is not kept as "no link".
   */
  private readonly withoutLink = new RecentMap<string, true>(20_000);
  private launches = 0;
  private unsubscribe: (() => void) | null = null;
  private sweepTimer: unknown = null;
  private stopped = false;

  constructor(
    private readonly core: Core,
    private readonly options: LtiServiceWorkerOptions = {},
  ) {
    this.clock = options.clock ?? (() => core.now());
    this.timers = options.timers ?? REAL_TIMERS;
    this.tokens = options.tokens ?? serviceTokens(core);
  }

  /** Starts reacting to events, and takes up the work recent sessions still owe. */
  async start(): Promise<void> {
    this.unsubscribe = this.core.runner.onApplied((batch) => {
      for (const event of batch.events) {
        if (!TRIGGERS.has(event.type) || !isSessionStream(event.streamId)) continue;
        const sessionId = sessionIdOf(event);
        if (event.type === 'LtiLaunched') {
          this.launches++;
          this.withoutLink.delete(sessionId);
        }
        void this.consider(sessionId);
      }
    });
    await this.sweep();
  }

  /** One look at every LTI session active within the look-back. */
  async sweep(): Promise<void> {
    if (this.stopped) return;
    try {
      const since = new Date(this.clock().getTime() - (this.options.lookbackMs ?? 2 * 24 * 3600_000));
      for (const id of await ltiSessionsActiveSince(this.core.db, since)) this.schedule(id);
    } catch (error) {
      this.log('LTI services: could not look for pending calls', error);
    }
    if (!this.stopped) this.sweepTimer = this.timers.setTimeout(() => void this.sweep(), this.options.sweepMs ?? 300_000);
  }

  /** Resolves once no session is being worked on (a session waiting for its back-off does not count). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.sweepTimer) this.timers.clearTimeout(this.sweepTimer);
    for (const handle of this.waiting.values()) this.timers.clearTimeout(handle);
    this.waiting.clear();
    await this.idle();
  }

  private async consider(sessionId: string): Promise<void> {
    if (this.withoutLink.get(sessionId)) return;
    const launches = this.launches;
    try {
      if (await getLtiSessionLink(this.core.db, sessionId)) this.schedule(sessionId);
      else if (launches === this.launches) this.withoutLink.set(sessionId, true);
    } catch (error) {
      this.log(`LTI services: could not read the link of session ${sessionId}`, error);
    }
  }

  private schedule(sessionId: string): void {
    if (this.stopped) return;
    if (this.running.has(sessionId)) {
      this.again.add(sessionId);
      return;
    }
    const handle = this.waiting.get(sessionId);
    if (handle !== undefined) this.timers.clearTimeout(handle);
    this.waiting.delete(sessionId);
    const run = this.work(sessionId)
      .catch((error) => this.log(`LTI services: calls for session ${sessionId} failed; they are tried again later`, error))
      .finally(() => {
        this.running.delete(sessionId);
        if (this.again.delete(sessionId)) this.schedule(sessionId);
      });
    this.running.set(sessionId, run);
  }

  /** Sends the session's next due call, again and again, until nothing is due; a later one gets a timer. */
  private async work(sessionId: string): Promise<void> {
    while (!this.stopped) {
      const events = await this.core.store.readStream<SessionEvent>(sessionStreamId(sessionId));
      const [next] = openJobs(events);
      if (!next) return;
      const wait = this.dueIn(next);
      if (wait > 0) return this.wake(sessionId, wait);
      const attempt = next.attempts + 1;
      const lease = this.options.leaseMs ?? 120_000;
      if (!(await this.core.claims.claim(`lti-call:${next.job.key}:${attempt}`, new Date(this.clock().getTime() + lease)))) {
        return this.wake(sessionId, lease); // another node has it: its record wakes us, or its lapsed claim does
      }
      if (next.job.service === 'ags') await publishAttempt(this.core, this.tokens, sessionId, next.job, attempt, this.clock);
      else await controlAttempt(this.core, this.tokens, sessionId, next.job, attempt, this.clock);
    }
  }

  private dueIn(open: OpenJob): number {
    if (open.attempts === 0 || open.lastAttemptAt === null) return 0;
    const backoff = this.options.backoffMs ?? ((n: number) => Math.min(30_000 * 2 ** (n - 1), 3600_000));
    return Date.parse(open.lastAttemptAt) + backoff(open.attempts) - this.clock().getTime();
  }

  private wake(sessionId: string, ms: number): void {
    if (this.stopped) return;
    this.waiting.set(sessionId, this.timers.setTimeout(() => {
      this.waiting.delete(sessionId);
      this.schedule(sessionId);
    }, ms));
  }

  private log(message: string, error?: unknown): void {
    this.options.log?.(message, error);
  }
}
