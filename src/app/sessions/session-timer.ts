import type { Core } from '../core/core.js';
import { SYSTEM_ACTOR } from '../../domain/core/decider.js';
import { IllegalStateError } from '../../domain/core/errors.js';
import { overdueSessions } from '../../projections/monitor/queries.js';

/**
 * Finishes sessions whose time is up ("automatically at the end of the allotted time"). Candidates come from the
 * monitor read model; the decider has the exact deadline (pauses move it) and refuses the rest, which are simply
 * tried again on a later tick. Several nodes may run it: a second finish is a no-op.
 */
export class SessionTimer {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly core: Core,
    private readonly log: (message: string, error?: unknown) => void = () => {},
  ) {}

  start(everyMs = 15_000): void {
    this.timer = setInterval(() => void this.tick(), everyMs);
  }

  /** One pass: finishes every overdue session. Answers the ids it finished. */
  async tick(now = this.core.now()): Promise<string[]> {
    if (this.running) await this.running;
    const finished: string[] = [];
    const pass = (async () => {
      for (const id of await overdueSessions(this.core.db, now)) {
        try {
          const { events } = await this.core.session(id, 'FinishSession', { timeout: true }, SYSTEM_ACTOR, { now });
          if (events.length) finished.push(id);
        } catch (error) {
          if (!(error instanceof IllegalStateError)) this.log(`could not finish session ${id} on time-out`, error);
        }
      }
    })();
    this.running = pass;
    await pass;
    this.running = null;
    return finished;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
