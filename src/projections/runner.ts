import { EventEmitter } from 'node:events';
import { NotFoundError } from '../domain/core/errors.js';
import type { EventStore, RecordedEvent, Subscription } from '../store/event-store.js';
import { leadershipOn, type Leadership } from '../store/leadership.js';
import { migrate } from '../store/migrate.js';
import { CHECKPOINTS_DDL } from '../store/sql-schema.js';
import type { Sql } from '../store/sql.js';
import { applyInIsolation, applyTogether, CheckpointsMoved, readStatuses, type ProjectionStatus } from './checkpoints.js';
import { APPLIED_CHANNEL, LeaderWatch } from './following.js';
import type { Projection } from './projection.js';
import { rebuildInShadow } from './rebuild.js';

export type { ProjectionStatus } from './checkpoints.js';

/** Emitted after each committed batch: what subscriptions re-read. */
export interface AppliedBatch {
  readonly events: readonly RecordedEvent[];
}

const RECENT_IDS = 20_000;
/** How long a failing batch waits before it is read and applied again (the database was unreachable, say). */
const RESTART_DELAYS_MS = [200, 1_000, 5_000, 15_000];

/**
 * Folds the event store into the read models. Each batch is one transaction that applies the events to every
 * projection whose checkpoint is behind them and moves those checkpoints. Several nodes may run a runner on one
 * PostgreSQL database: one leads (an advisory lock, see `Leadership`) and applies; the others read the same events and
 * only notify their own subscribers once the leader's checkpoints pass them. Should two ever apply at once (a lead
 * changing hands mid-batch), the checkpoint rows are locked for each transaction, so the second finds them moved.
 *
 * A projection that cannot apply an event fails alone: the batch is applied again with each projection behind a
 * savepoint, the failing one is retried, then marked failed at that event (its tables and checkpoint stay as they
 * were) and skipped from then on, while the others go on. `/healthz` reports it; `rebuild(name)` mends it. Anything
 * else that fails a batch (the database going away) stops delivery for a moment, never for good.
 */
export class ProjectionRunner {
  private readonly emitter = new EventEmitter();
  private subscription: Subscription | null = null;
  private readonly recent = new Set<string>();
  /** The last store checkpoint every read model has here: applied by this runner, or found when it began to follow. */
  private through: string | null = null;
  private readonly waiters = new Map<string, Array<() => void>>();
  /** Why the last batch could not be applied at all, until one is (null while healthy). */
  private stalled: unknown = null;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private running = false;
  /** Batches apply one at a time; a rebuild's swap takes a turn too. */
  private turn: Promise<unknown> = Promise.resolve();
  /** Set while started: who leads, and the wait for the leader's commits when this node follows. */
  private watch: LeaderWatch | null = null;
  /**
   * The checkpoints as this runner's last batch left them, so the next batch locks and checks them in the pipeline of
   * its writes rather than waiting to read them first (`applyTogether`); null when not known (started, followed the
   * leader, a batch failed, a rebuild).
   */
  private assumed: ReadonlyMap<string, ProjectionStatus> | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly db: Sql,
    readonly projections: readonly Projection[],
    private readonly log: (message: string, error?: unknown) => void = (message, error) => console.error(message, error ?? ''),
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** Creates the read-model tables if needed. */
  async migrate(): Promise<void> {
    await migrate(this.db, CHECKPOINTS_DDL, ...this.projections.map((p) => p.ddl));
  }

  /**
   * Catches up from the stored checkpoints and keeps following new events until `stop`. On PostgreSQL it contends for
   * the lead of the cluster's projections (`leadership`, unless one is given).
   */
  async start(leadership?: Leadership): Promise<void> {
    await this.migrate();
    const lead = leadership ?? (await leadershipOn(this.db, 'projections', { log: this.log }));
    this.watch = new LeaderWatch(this.db, this.projections.map((p) => p.name), lead);
    await this.watch.start();
    this.running = true;
    await this.follow();
  }

  /** Who leads the projections (null until started): what must happen once per cluster runs where it leads. */
  get leadership(): Leadership | null {
    return this.watch?.leadership ?? null;
  }

  private async follow(): Promise<void> {
    const after = await this.lowestCheckpoint();
    this.reached(after);
    this.subscription = this.store.subscribe((events) => this.applyBatch(events), {
      after,
      onError: (error) => {
        this.stalled = error;
        this.subscription = null;
        const delay = RESTART_DELAYS_MS[Math.min(this.restarts++, RESTART_DELAYS_MS.length - 1)];
        this.log(`read models could not apply events; trying again in ${delay} ms`, error);
        if (this.emitter.listenerCount('failed') > 0) this.emitter.emit('failed', error);
        for (const list of this.waiters.values()) for (const release of list) release(); // nobody waits on a stalled runner
        this.waiters.clear();
        if (!this.running) return;
        this.restartTimer = setTimeout(() => {
          this.restartTimer = null;
          if (this.running) this.follow().catch((e) => this.subscriptionFailed(e));
        }, delay);
      },
    });
  }

  private subscriptionFailed(error: unknown): void {
    // Reading the checkpoints failed too: the same back-off as a failed batch.
    this.stalled = error;
    const delay = RESTART_DELAYS_MS[Math.min(this.restarts++, RESTART_DELAYS_MS.length - 1)];
    this.restartTimer = setTimeout(() => this.running && this.follow().catch((e) => this.subscriptionFailed(e)), delay);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.watch?.stop();
    await this.subscription?.close();
    this.subscription = null;
    await this.watch?.leadership.stop();
    this.watch = null;
  }

  /** Applies everything stored so far, without following (startup scripts, tests). */
  async catchUp(): Promise<void> {
    await this.migrate();
    let after = await this.lowestCheckpoint();
    for (;;) {
      const events = await this.store.readAll({ after, limit: 1000 });
      if (events.length === 0) return;
      await this.applyBatch(events);
      after = events[events.length - 1].checkpoint;
    }
  }

  /**
   * Without a name: empties every read model and folds all events again from the beginning (tests, a fresh copy).
   * With one: builds that projection anew in a shadow schema while the live tables keep serving, then swaps them in
   * one transaction and clears its failure, so readers never see a half-built model.
   */
  async rebuild(name?: string): Promise<void> {
    this.assumed = null; // (a batch that assumed them anyway finds the rows changed and applies again)
    await this.migrate();
    if (name !== undefined) {
      const projection = this.projections.find((p) => p.name === name);
      if (!projection) throw new NotFoundError(`no projection named ${name}; there are ${this.projections.map((p) => p.name).join(', ')}`);
      await rebuildInShadow(this.store, this.db, projection, (fn) => this.exclusive(fn));
      return;
    }
    await this.db.transaction(async (tx) => {
      for (const p of this.projections) for (const table of p.tables) await tx.exec(`TRUNCATE ${table}`);
      await tx.query(`DELETE FROM projection_checkpoints WHERE name = ANY($1::text[])`, [this.projections.map((p) => p.name)]);
    });
    await this.catchUp();
  }

  /** Each projection's checkpoint and failure, as stored (any node's runner may have written them). */
  async status(): Promise<ProjectionStatus[]> {
    const stored = new Map((await readStatuses(this.db, this.projections.map((p) => p.name))).map((s) => [s.name, s]));
    return this.projections.map((p) => stored.get(p.name) ?? { name: p.name, checkpoint: null, failure: null });
  }

  /** Why no batch can be applied right now (the database is unreachable, say), or null. */
  get stalledBy(): unknown {
    return this.stalled;
  }

  /** Started and delivering: every committed event reaches `onApplied` listeners as it is applied (here or by the leader). */
  get following(): boolean {
    return this.running && this.stalled === null;
  }

  /** Calls `listener` after each batch is committed. Returns the unsubscribe function. */
  onApplied(listener: (batch: AppliedBatch) => void): () => void {
    this.emitter.on('applied', listener);
    return () => this.emitter.off('applied', listener);
  }

  /** Calls `listener` when a batch could not be applied at all (it is tried again after a pause). */
  onFailed(listener: (error: unknown) => void): () => void {
    this.emitter.on('failed', listener);
    return () => this.emitter.off('failed', listener);
  }

  /**
   * Resolves true once the event with this id is in every read model that has not failed (read-your-writes for the
   * API), false when `timeoutMs` passes first or the runner is stalled: the event is stored either way, so a command
   * never fails because a read model is slow or broken.
   */
  waitForEvent(eventId: string, timeoutMs = 5000): Promise<boolean> {
    if (this.recent.has(eventId)) return Promise.resolve(true);
    if (this.stalled) return Promise.resolve(false);
    return new Promise((resolve) => {
      const release = (applied: boolean) => {
        clearTimeout(timer);
        const rest = (this.waiters.get(eventId) ?? []).filter((w) => w !== onApplied);
        if (rest.length) this.waiters.set(eventId, rest);
        else this.waiters.delete(eventId);
        resolve(applied);
      };
      const onApplied = () => release(!this.stalled);
      const timer = setTimeout(() => release(false), timeoutMs);
      const list = this.waiters.get(eventId) ?? [];
      list.push(onApplied);
      this.waiters.set(eventId, list);
    });
  }

  /**
   * Resolves true once the read models hold everything the store had up to `checkpoint` (false after `timeoutMs`, or
   * at once while stalled). For an answer read from a read model when the events it rests on are not the caller's own.
   */
  waitForCheckpoint(checkpoint: string, timeoutMs = 5000): Promise<boolean> {
    const done = () => this.through !== null && this.through >= checkpoint;
    if (done()) return Promise.resolve(true);
    if (this.stalled) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (applied: boolean) => {
        clearTimeout(timer);
        off();
        resolve(applied);
      };
      const off = this.onApplied(() => done() && finish(true));
      const timer = setTimeout(() => finish(done()), timeoutMs);
    });
  }

  private reached(checkpoint: string | null): void {
    if (checkpoint !== null && (this.through === null || checkpoint > this.through)) this.through = checkpoint;
  }

  private async lowestCheckpoint(): Promise<string | null> {
    const statuses = await readStatuses(this.db, this.projections.map((p) => p.name));
    const live = statuses.filter((s) => !s.failure);
    if (statuses.length < this.projections.length) return null;
    if (live.length === 0) return statuses.map((s) => s.checkpoint).reduce((max, c) => (c !== null && (max === null || c > max) ? c : max), null as string | null);
    return live.map((r) => r.checkpoint).reduce((min, c) => (c === null || min === null ? null : c < min ? c : min), live[0].checkpoint);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(fn, fn);
    this.turn = run.catch(() => {});
    return run;
  }

  private applyBatch(events: readonly RecordedEvent[]): Promise<void> {
    return this.exclusive(() => this.applyNow(events));
  }

  private async applyNow(events: readonly RecordedEvent[]): Promise<void> {
    const watch = this.watch;
    // Followers are told of each commit; a node alone on its database has nobody to tell.
    const announce = () => Boolean(watch?.leadership.shared && !watch.leadership.alone);
    if (watch && !watch.leadership.leading) {
      this.assumed = null; // the leader moves the checkpoints meanwhile
      const followed = await watch.waitForLeader(events[events.length - 1].checkpoint);
      if (followed === 'stopped') return;
      if (followed === 'leading') await this.applyHere(events, announce());
    } else await this.applyHere(events, announce());
    this.delivered(events);
  }

  /** Applies a batch to the read models (see the class comment); `announce` tells followers when it is committed. */
  private async applyHere(events: readonly RecordedEvent[], announce: boolean): Promise<void> {
    // The common case in one transaction without savepoints: each statement costs, and most batches apply cleanly.
    const together = (assumed: ReadonlyMap<string, ProjectionStatus> | undefined) => this.db.transaction(async (tx) => {
      const left = await applyTogether(tx, this.projections, events, assumed);
      if (announce) await tx.query(`SELECT pg_notify('${APPLIED_CHANNEL}', '')`);
      return left;
    });
    const assumed = this.assumed;
    this.assumed = null;
    try {
      this.assumed = await together(assumed ?? undefined).catch((error: unknown) => {
        if (error instanceof CheckpointsMoved) return together(undefined);
        throw error;
      });
    } catch (error) {
      // Find which projection fails, on which event, by applying each behind a savepoint. If the database itself is
      // the trouble this throws too, and the subscription backs off and tries again.
      const failures = await this.db.transaction(async (tx) => {
        const failed = await applyInIsolation(tx, this.projections, events);
        if (announce) await tx.query(`SELECT pg_notify('${APPLIED_CHANNEL}', '')`);
        return failed;
      });
      for (const f of failures) this.log(`projection ${f.name} failed at event ${f.failure.eventId} (${f.failure.eventType}); it is skipped until rebuilt`, error);
    }
  }

  /** The batch is in the read models (applied here or by the leader): waiters are released, subscribers told. */
  private delivered(events: readonly RecordedEvent[]): void {
    this.stalled = null;
    this.restarts = 0;
    this.reached(events[events.length - 1].checkpoint);
    for (const event of events) {
      this.recent.add(event.id);
      const waiting = this.waiters.get(event.id);
      if (waiting) for (const release of [...waiting]) release();
    }
    if (this.recent.size > RECENT_IDS) {
      const drop = this.recent.size - RECENT_IDS;
      let i = 0;
      for (const id of this.recent) {
        if (i++ >= drop) break;
        this.recent.delete(id);
      }
    }
    this.emitter.emit('applied', { events });
  }
}
