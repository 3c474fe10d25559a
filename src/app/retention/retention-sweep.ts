import { SYSTEM_ACTOR } from '../../domain/core/decider.js';
import { DomainError } from '../../domain/core/errors.js';
import { deleteSessionMedia } from '../../domain/session/retention.js';
import { DEFAULT_TEMPLATE } from '../../domain/template/settings.js';
import type { BlobStore } from '../../media/blob-store.js';
import { SealedBlobStores } from '../../media/sealed/sealed-blob-store.js';
import { listFiles } from '../../projections/files/projection.js';
import { recordingSegments } from '../../projections/protocol/queries.js';
import { expiredMedia } from '../../projections/retention/projection.js';
import type { Core } from '../core/core.js';
import { DEFAULT_TEMPLATE_ID } from '../templates/templates.js';

/** What one sweep did: the sessions whose media it deleted, and those it could not (tried again at the next sweep). */
export interface SweepResult {
  readonly deleted: readonly string[];
  readonly failed: readonly string[];
}

/**
 * Deletes the recordings, photos and files of sessions whose retention is over (their template's days after they
 * ended), then records it on each session's stream (`SessionMediaDeleted`), which takes the session out of the
 * candidates. The key is shredded before the event is appended, so a crash in between leaves a session still listed:
 * the next sweep shreds again (a no-op) and appends. Every node may sweep; the commands' ids make the record once.
 */
export class RetentionSweeper {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<SweepResult> | null = null;
  private stopped = false;

  constructor(
    private readonly core: Core,
    private readonly blobs: BlobStore,
    private readonly options: { readonly log?: (message: string, error?: unknown) => void; readonly leading?: () => boolean } = {},
  ) {}

  /** Sweeps every `everyMs` while this node leads the cluster's projections (one sweeper at a time, not a rule). */
  start(everyMs = 3_600_000): void {
    const leading = this.options.leading ?? (() => this.core.runner.leadership?.leading ?? true);
    const tick = () => {
      if (leading()) this.sweep().catch((e) => this.options.log?.('retention sweep failed', e));
    };
    this.timer = setInterval(tick, everyMs);
    this.timer.unref();
    tick();
  }

  /** One pass at `now` (the core's clock by default); a pass already running is waited for, not doubled. */
  async sweep(now = this.core.now()): Promise<SweepResult> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.pass(now);
    try {
      return await this.running;
    } finally {
      this.running = null;
    }
  }

  /** No new sweep; the one running stops after the session it is deleting (the rest wait for the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async pass(now: Date): Promise<SweepResult> {
    const defaultDays = await this.defaultRetentionDays();
    const deleted: string[] = [];
    const failed: string[] = [];
    const seen = new Set<string>();
    for (;;) {
      const batch = (await expiredMedia(this.core.db, now, defaultDays, 100 + seen.size)).filter((id) => !seen.has(id));
      if (batch.length === 0) break;
      for (const sessionId of batch) {
        if (this.stopped) return { deleted, failed };
        seen.add(sessionId);
        try {
          if (await this.deleteOne(sessionId, now, defaultDays)) deleted.push(sessionId);
        } catch (error) {
          this.options.log?.(`could not delete the media of session ${sessionId}`, error);
          failed.push(sessionId);
        }
      }
    }
    return { deleted, failed };
  }

  /** Deletes one session's media; false when its own stream says it is not due, or done already. */
  private async deleteOne(sessionId: string, now: Date, defaultRetentionDays: number): Promise<boolean> {
    const data = { reason: 'retention' as const, defaultRetentionDays };
    const { state } = await this.core.loadSession(sessionId);
    try {
      // The decider's own answer, before anything is destroyed: nothing goes that it would not record as gone.
      const due = deleteSessionMedia({ type: 'DeleteSessionMedia', data, metadata: { now, actor: SYSTEM_ACTOR, commandId: '' } }, state);
      if (due.length === 0) return false;
    } catch (error) {
      if (error instanceof DomainError) return false;
      throw error;
    }
    await this.destroy(sessionId);
    await this.core.session(sessionId, 'DeleteSessionMedia', data, SYSTEM_ACTOR, { now, commandId: `retention:${sessionId}` });
    return true;
  }

  private async destroy(sessionId: string): Promise<void> {
    if (this.blobs instanceof SealedBlobStores) {
      await this.blobs.shred(sessionId, 'retention');
      return;
    }
    // Without a master key (tests, a development setup) the blobs are plain and named by content: removed one by one.
    const listed = [...(await recordingSegments(this.core.db, sessionId)), ...(await listFiles(this.core.db, sessionId))];
    for (const { sha256 } of listed) await this.blobs.remove(sha256);
  }

  /** The default template's retention now (sessions made without a template keep their media that long). */
  private async defaultRetentionDays(): Promise<number> {
    const template = await this.core.loadTemplate(DEFAULT_TEMPLATE_ID);
    return template.status === 'none' ? DEFAULT_TEMPLATE.retentionDays : template.settings.retentionDays;
  }
}
