import type { Core } from '../core/core.js';
import { SYSTEM_ACTOR } from '../../domain/core/decider.js';
import { DomainError } from '../../domain/core/errors.js';
import { stalledCameraRecordings } from '../../projections/protocol/queries.js';

/**
 * Raises n3 ("records are not saved") when a running session's camera recording stops keeping up with its time:
 * no segment has arrived for `graceMs` beyond where the recording ends. Only real gaps count: segments queued in the
 * browser while offline arrive later and close the gap, and each gap is reported once, however many nodes watch.
 */
export class RecordingWatchdog {
  private timer: ReturnType<typeof setInterval> | null = null;
  /** The pass running now: the next one due meanwhile is skipped, not run beside it (both would raise the same gaps). */
  private pass: Promise<void> | null = null;
  private stopping = false;
  /** Per session: the recording end already reported as stalled. */
  private readonly reported = new Map<string, number>();

  constructor(
    private readonly core: Core,
    private readonly graceMs = 90_000,
    private readonly log: (message: string, error?: unknown) => void = () => {},
  ) {}

  start(everyMs = 30_000): void {
    this.timer = setInterval(() => {
      if (this.pass) return;
      this.pass = this.tick()
        .then(() => undefined, (e: unknown) => this.log('recording watchdog failed', e))
        .finally(() => (this.pass = null));
    }, everyMs);
  }

  /** One pass. Answers the sessions it raised n3 for. */
  async tick(now = this.core.now()): Promise<string[]> {
    const raised: string[] = [];
    const stalledNow = await stalledCameraRecordings(this.core.db, new Date(now.getTime() - this.graceMs));
    // A session not stalled now has no gap left to remember: its next one ends elsewhere.
    const ids = new Set(stalledNow.map((s) => s.sessionId));
    for (const id of this.reported.keys()) if (!ids.has(id)) this.reported.delete(id);
    for (const stalled of stalledNow) {
      if (this.stopping) break; // what is left is raised by the next node to watch, or after the restart
      const { sessionId } = stalled;
      const until = stalled.until.getTime();
      if (this.reported.get(sessionId) === until) continue;
      try {
        const detail = `no camera recording since ${new Date(until).toISOString()}`;
        // The id names the gap: every node's watchdog may see it (or one that took over after a crash), n3 is raised once.
        await this.core.session(sessionId, 'RecordViolation', { code: 'n3', detail }, SYSTEM_ACTOR, { now, commandId: `recording-gap:${sessionId}:${until}` });
        this.reported.set(sessionId, until);
        raised.push(sessionId);
      } catch (error) {
        // A session that does not use n3 (ValidationError) or just ended (IllegalStateError) is not a failure.
        if (error instanceof DomainError) this.reported.set(sessionId, until);
        else this.log(`could not raise n3 for ${sessionId}`, error);
      }
    }
    return raised;
  }

  /** No more passes; resolves once the one running has stopped (before the database closes under it). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.pass;
  }
}
