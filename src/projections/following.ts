import type { Leadership } from '../store/leadership.js';
import type { Sql } from '../store/sql.js';
import { readStatuses } from './checkpoints.js';

/** Where the leader says it committed a batch (inside its transaction, so followers hear of it only after the commit). */
export const APPLIED_CHANNEL = 'proctor_projections';
/** How often a follower looks at the checkpoints when no notification came (one lost with a dropped connection). */
const POLL_MS = 250;

/** Why `waitForLeader` returned. */
export type Followed = 'applied' | 'leading' | 'stopped';

/**
 * A runner's view of the leader's work when it does not lead: it reads the events itself (for read-your-writes and its
 * subscribers) but leaves applying them to the leader, and waits until the leader's checkpoints pass them.
 */
export class LeaderWatch {
  private readonly wakers = new Set<() => void>();
  private unlisten: (() => Promise<void>) | null = null;
  private offLead: () => void = () => {};
  private stopped = false;

  constructor(
    private readonly db: Sql,
    private readonly names: readonly string[],
    readonly leadership: Leadership,
  ) {}

  /** Starts hearing the leader's commits and changes of lead. */
  async start(): Promise<void> {
    this.stopped = false;
    this.offLead = this.leadership.onChange(() => this.wake());
    if (this.leadership.shared) this.unlisten = await this.db.listen(APPLIED_CHANNEL, () => this.wake());
  }

  /** Wakes every wait (a stopping runner's subscription waits for its handler). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    this.offLead();
    await this.unlisten?.().catch(() => {});
    this.unlisten = null;
  }

  /**
   * Resolves 'applied' once every read model the leader applies (its checkpoint rows; failed ones left out) is at
   * `checkpoint` or beyond; 'leading' as soon as this node takes the lead (it then applies what is left itself, the
   * checkpoint locks skipping what the old leader committed); 'stopped' when the runner stops.
   */
  async waitForLeader(checkpoint: string): Promise<Followed> {
    for (;;) {
      if (this.stopped) return 'stopped';
      if (this.leadership.leading) return 'leading';
      const statuses = await readStatuses(this.db, this.names);
      const live = statuses.filter((s) => !s.failure);
      // A projection without a row is one the leader does not run (a newer version's, during a rolling upgrade).
      if (statuses.length > 0 && live.every((s) => s.checkpoint !== null && s.checkpoint >= checkpoint)) return 'applied';
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wakers.delete(done);
          resolve();
        };
        const timer = setTimeout(done, POLL_MS);
        this.wakers.add(done);
      });
    }
  }

  private wake(): void {
    for (const wake of [...this.wakers]) wake();
  }
}
