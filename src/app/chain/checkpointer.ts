import { randomUUID, sign } from 'node:crypto';
import type { Core } from '../../core.js';
import { CHAIN_STREAM, signedPayload, type ChainEvent, type StreamHead } from '../../domain/chain/chain.js';
import { ConcurrencyError } from '../../domain/core/errors.js';
import { lastCheckpointVersion } from '../../projections/chain/projection.js';
import type { ChainKeys } from '../../store/chain-keys.js';
import type { RecordedEvent } from '../../store/event-store.js';

/** Heads one checkpoint signs at most (the rest wait for the next one). */
const MAX_HEADS = 2000;

/**
 * Signs the heads of the streams that changed since the last checkpoint, every `intervalMs` (a checkpoint event in
 * `chain-checkpoints`, each naming the hash of the one before). With several nodes, each tries; the stream's expected
 * version lets one win each round, and the others' heads go into the next.
 */
export class ChainCheckpointer {
  private readonly pending = new Map<string, StreamHead>();
  private last: { version: number; hash: string } | null = null;
  private through: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private off: (() => void) | null = null;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly core: Core,
    private readonly keys: ChainKeys,
    private readonly options: { intervalMs?: number; report?: (message: string, error?: unknown) => void } = {},
  ) {}

  /** Picks up where the last checkpoint (by any node) left off, then checkpoints every interval. */
  async start(): Promise<void> {
    await this.loadLast();
    this.off = this.core.runner.onApplied(({ events }) => this.note(events));
    for (let after = this.through; ;) {
      const events = await this.core.store.readAll({ after, limit: 1000 });
      if (events.length === 0) break;
      this.note(events);
      after = events[events.length - 1].checkpoint;
    }
    this.timer = setInterval(() => void this.checkpoint().catch((error) => this.options.report?.('could not sign a checkpoint of the event chain', error)), this.options.intervalMs ?? 10_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.off?.();
    await this.busy;
  }

  /** Signs a checkpoint now if any stream changed; resolves to whether one was written. */
  checkpoint(): Promise<boolean> {
    const run = this.busy.then(() => this.write());
    this.busy = run.catch(() => {});
    return run;
  }

  private note(events: readonly RecordedEvent[]): void {
    for (const e of events) {
      if (e.streamId === CHAIN_STREAM) continue;
      const known = this.pending.get(e.streamId);
      if (!known || known.version < e.streamVersion) this.pending.set(e.streamId, { stream: e.streamId, version: e.streamVersion, hash: e.hash });
      if (this.through === null || e.checkpoint > this.through) this.through = e.checkpoint;
    }
  }

  private async write(): Promise<boolean> {
    if (this.pending.size === 0 || this.through === null) return false;
    const heads = [...this.pending.values()].sort((a, b) => a.stream.localeCompare(b.stream)).slice(0, MAX_HEADS);
    const unsigned = { heads, previous: this.last?.hash ?? null, through: this.through, keyId: this.keys.keyId, at: this.core.now().toISOString() };
    const signature = sign(null, Buffer.from(signedPayload(unsigned)), this.keys.signingKey).toString('base64');
    const event: ChainEvent = { type: 'ChainCheckpointSigned', data: { ...unsigned, signature } };
    try {
      const result = await this.core.store.appendToStream(CHAIN_STREAM, [{ id: randomUUID(), type: event.type, data: event.data, metadata: { actor: 'system', role: 'system' } }], {
        expectedVersion: this.last ? this.last.version : 'no_stream',
      });
      const [stored] = await this.core.store.readStream(CHAIN_STREAM, { fromVersion: result.nextExpectedVersion, limit: 1 });
      this.last = { version: stored.streamVersion, hash: stored.hash };
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      await this.loadLast(); // another node signed first: build on its checkpoint next time
      return false;
    }
    for (const h of heads) if (this.pending.get(h.stream)?.version === h.version) this.pending.delete(h.stream);
    return true;
  }

  private async loadLast(): Promise<void> {
    // The read model says roughly where the last one is; the stream itself has the final word.
    let from = (await lastCheckpointVersion(this.core.db)) ?? 0;
    let last: RecordedEvent | null = null;
    for (;;) {
      const page = await this.core.store.readStream(CHAIN_STREAM, { fromVersion: from, limit: 500 });
      if (page.length === 0) break;
      last = page[page.length - 1];
      from = last.streamVersion + 1;
    }
    this.last = last ? { version: last.streamVersion, hash: last.hash } : null;
    if (last && (this.through === null || (last.data as ChainEvent['data']).through > this.through)) this.through = (last.data as ChainEvent['data']).through;
  }
}
