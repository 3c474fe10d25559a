import { SESSION_EVENT_TYPES, sessionIdOf } from '../../domain/session/events.js';
import type { RecordedEvent } from '../../store/event-store.js';
import { RecentMap } from '../../store/recent-map.js';
import type { Sql } from '../../store/sql.js';
import type { AppliedBatch } from '../runner.js';
import { getMonitorRow, getMonitorRows } from './queries.js';
import type { MonitorRow } from './row.js';

const SESSION_TYPES = new Set<string>(SESSION_EVENT_TYPES);
/** Committed batches remembered for `after`: a command's answer is asked for right after its batch is delivered. */
const RECENT_BATCHES = 16;
/** Sessions whose parties are remembered (≈150 bytes each). */
const PARTIES = 20_000;

/** Who a session belongs to: what never changes once the session exists (the monitor projection sets it on insert). */
export interface FixedParties {
  readonly sessionId: string;
  readonly student: string;
  readonly createdBy: string;
}

/** Last event per session in a batch, in batch order. */
export function changedSessions(events: readonly RecordedEvent[]): Map<string, RecordedEvent> {
  const out = new Map<string, RecordedEvent>();
  for (const e of events) if (SESSION_TYPES.has(e.type)) out.set(sessionIdOf(e), e);
  return out;
}

/**
 * The monitor rows of the sessions each committed batch changed, read in one query however many ask for them: every
 * live subscription group and every command's answer of that batch. A command answered with its session waits for
 * its events to be applied, then takes its row from the read of the newest batch that changed the session: that read
 * happened after the command's own events were applied. Under load one batch holds many commands, so their answers and
 * the proctors' lists cost one statement per batch instead of one per command.
 *
 * Also remembers each session's fixed parties (test-taker, creator) from every row it reads, so that authorising a
 * test-taker's command on their own session needs no read: those columns never change once the row exists, and rows
 * are never deleted.
 */
export class BatchRows {
  private readonly reads = new WeakMap<AppliedBatch, Promise<Map<string, MonitorRow>>>();
  /** Newest last. */
  private readonly recent: Array<{ readonly batch: AppliedBatch; readonly sessions: ReadonlySet<string> }> = [];
  private readonly fixed = new RecentMap<string, FixedParties>(PARTIES);

  constructor(
    private readonly db: Sql,
    runner: { onApplied(listener: (batch: AppliedBatch) => void): () => void },
  ) {
    runner.onApplied((batch) => {
      const sessions = new Set(changedSessions(batch.events).keys());
      if (sessions.size === 0) return;
      this.recent.push({ batch, sessions });
      if (this.recent.length > RECENT_BATCHES) this.recent.shift();
    });
  }

  /** The rows of every session `batch` changed (one query per batch, shared by every caller). */
  rowsOf(batch: AppliedBatch): Promise<Map<string, MonitorRow>> {
    let rows = this.reads.get(batch);
    if (!rows) {
      rows = getMonitorRows(this.db, [...changedSessions(batch.events).keys()]).then((found) => {
        for (const row of found.values()) this.remember(row);
        return found;
      });
      this.reads.set(batch, rows);
    }
    return rows;
  }

  /**
   * The session's row as of the newest committed batch that changed it, or as read now when no recent batch did. For
   * answering a command whose events are applied already (`Core`'s writes resolve only then).
   */
  async after(sessionId: string): Promise<MonitorRow | null> {
    for (let k = this.recent.length - 1; k >= 0; k--) {
      const { batch, sessions } = this.recent[k];
      if (!sessions.has(sessionId)) continue;
      const row = (await this.rowsOf(batch)).get(sessionId);
      if (row) return row;
      break;
    }
    return this.row(sessionId);
  }

  /** The session's row, read now. */
  async row(sessionId: string): Promise<MonitorRow | null> {
    const row = await getMonitorRow(this.db, sessionId);
    if (row) this.remember(row);
    return row;
  }

  /** The session's fixed parties if a row of it was read lately (it exists then), else undefined. */
  parties(sessionId: string): FixedParties | undefined {
    return this.fixed.get(sessionId);
  }

  private remember(row: MonitorRow): void {
    this.fixed.set(row.sessionId, { sessionId: row.sessionId, student: row.student, createdBy: row.createdBy });
  }
}
