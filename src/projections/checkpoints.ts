import type { RecordedEvent } from '../store/event-store.js';
import type { Sql } from '../store/sql.js';
import { pipelined } from './pipeline.js';
import type { Projection } from './projection.js';

/** Where a projection stopped on an event it could not apply. */
export interface ProjectionFailure {
  /** The store checkpoint of the event (the projection's own checkpoint is still before it). */
  readonly checkpoint: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly streamId: string;
  readonly error: string;
  readonly at: Date;
}

export interface ProjectionStatus {
  readonly name: string;
  /** The last event applied (null: none yet). */
  readonly checkpoint: string | null;
  readonly failure: ProjectionFailure | null;
}

interface Row {
  name: string;
  checkpoint: string | null;
  failed_checkpoint: string | null;
  failed_event_id: string | null;
  failed_event_type: string | null;
  failed_stream_id: string | null;
  failed_error: string | null;
  failed_at: Date | null;
}

const COLUMNS = 'name, checkpoint, failed_checkpoint, failed_event_id, failed_event_type, failed_stream_id, failed_error, failed_at';

function toStatus(r: Row): ProjectionStatus {
  const failure = r.failed_checkpoint === null
    ? null
    : {
        checkpoint: r.failed_checkpoint,
        eventId: r.failed_event_id ?? '',
        eventType: r.failed_event_type ?? '',
        streamId: r.failed_stream_id ?? '',
        error: r.failed_error ?? '',
        at: new Date(r.failed_at ?? 0),
      };
  return { name: r.name, checkpoint: r.checkpoint, failure };
}

export async function readStatuses(db: Sql, names: readonly string[]): Promise<ProjectionStatus[]> {
  const rows = await db.query<Row>(`SELECT ${COLUMNS} FROM projection_checkpoints WHERE name = ANY($1::text[])`, [names]);
  return rows.map(toStatus);
}

const LOCK = `SELECT ${COLUMNS} FROM projection_checkpoints WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE`;

/**
 * `LOCK`, and in the same statement the checkpoints of `$2` moved to `$3`: it answers the rows as they were before.
 * (The UPDATE joins the locked rows, so it runs once they are locked, in name order as always.)
 */
const LOCK_AND_MOVE = `WITH locked AS (${LOCK}),
  moved AS (UPDATE projection_checkpoints p SET checkpoint = $3, updated_at = now() FROM locked l WHERE p.name = l.name AND p.name = ANY($2::text[]))
  SELECT * FROM locked`;

/** Locks the checkpoint rows of `names` for this transaction (creating missing ones) and returns them by name. */
export async function lockCheckpoints(tx: Sql, names: readonly string[]): Promise<Map<string, ProjectionStatus>> {
  const lock = () => tx.query<Row>(LOCK, [names]);
  let rows = await lock();
  if (rows.length < names.length) {
    // First batch after a start or a rebuild: create the missing rows, then lock them all.
    await tx.query(
      `INSERT INTO projection_checkpoints (name, checkpoint, updated_at) SELECT n, NULL, now() FROM unnest($1::text[]) n ON CONFLICT (name) DO NOTHING`,
      [names],
    );
    rows = await lock();
  }
  return new Map(rows.map((r) => [r.name, toStatus(r)]));
}

/** One statement for every checkpoint a batch moved (PGlite costs ≈0.2 ms a statement, whatever its size). */
export async function moveCheckpoints(tx: Sql, names: readonly string[], checkpoint: string): Promise<void> {
  if (names.length === 0) return;
  await tx.query(`UPDATE projection_checkpoints SET checkpoint = $2, updated_at = now() WHERE name = ANY($1::text[])`, [names, checkpoint]);
}

/** Sets (or with `failure` null, clears) a projection's failure. */
export async function recordFailure(tx: Sql, name: string, failure: Omit<ProjectionFailure, 'at'> | null): Promise<void> {
  await tx.query(
    `UPDATE projection_checkpoints SET failed_checkpoint = $2, failed_event_id = $3, failed_event_type = $4, failed_stream_id = $5,
       failed_error = $6, failed_at = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END, updated_at = now() WHERE name = $1`,
    [name, failure?.checkpoint ?? null, failure?.eventId ?? null, failure?.eventType ?? null, failure?.streamId ?? null, failure?.error.slice(0, 2000) ?? null],
  );
}

/** The events of the batch `projection` has still to apply, or null when it is failed or already past the batch. */
function pendingFor(projection: Projection, state: ProjectionStatus | undefined, events: readonly RecordedEvent[]): RecordedEvent[] | null {
  if (state?.failure) return null;
  const from = state?.checkpoint ?? null;
  if (from !== null && from >= events[events.length - 1].checkpoint) return null;
  return events.filter((e) => (from === null || e.checkpoint > from) && projection.handles.has(e.type));
}

/** The checkpoint rows were not what a batch applied with `assumed` checkpoints took them to be: it was rolled back. */
export class CheckpointsMoved extends Error {
  constructor() {
    super('the projections\' checkpoints moved since the last batch (another node applied, or a rebuild): applied again with them read first');
  }
}

/**
 * Applies a batch to every projection whose checkpoint is behind it and moves those checkpoints, in the caller's
 * transaction and without savepoints (most batches apply cleanly). The writes are pipelined (one wait for the batch,
 * not one per statement), and a projection with `applyPage` folds its share in a few. Throws if any projection does.
 * Answers the checkpoints as the batch leaves them.
 *
 * With `assumed` (what the last batch left, as this runner knows it), the checkpoint rows are locked in the same
 * pipeline as the writes instead of a round trip before them, and checked once all is answered: rows that differ
 * (another node applied meanwhile, a rebuild) throw `CheckpointsMoved`, and the caller's transaction, rolled back,
 * is to be applied again without `assumed`. The lock is still the first statement, so nothing is written unlocked;
 * it moves the checkpoints too (which ones move follows from `assumed`): one statement a batch fewer, and batches
 * come about one a request on a busy node.
 */
export async function applyTogether(
  tx: Sql,
  projections: readonly Projection[],
  events: readonly RecordedEvent[],
  assumed?: ReadonlyMap<string, ProjectionStatus>,
): Promise<Map<string, ProjectionStatus>> {
  const names = projections.map((p) => p.name);
  const last = events[events.length - 1].checkpoint;
  const pendingIn = (checkpoints: ReadonlyMap<string, ProjectionStatus>) =>
    projections.flatMap((projection) => {
      const mine = pendingFor(projection, checkpoints.get(projection.name), events);
      return mine === null ? [] : [{ projection, mine }];
    });
  let locked: Promise<Row[]> | null = null;
  let checkpoints: ReadonlyMap<string, ProjectionStatus>;
  let pending: Array<{ projection: Projection; mine: RecordedEvent[] }>;
  if (assumed && names.every((n) => assumed.has(n))) {
    checkpoints = assumed;
    pending = pendingIn(checkpoints);
    locked = tx.query<Row>(LOCK_AND_MOVE, [names, pending.map((p) => p.projection.name), last]);
    locked.catch(() => {}); // awaited below; a failure fails the statements after it too, and the flush throws first
  } else {
    checkpoints = await lockCheckpoints(tx, names);
    pending = pendingIn(checkpoints);
  }
  const pipe = pipelined(tx);
  const after = new Map(checkpoints);
  let failed: { error: unknown } | null = null;
  try {
    for (const { projection, mine } of pending) {
      if (mine.length > 0 && projection.applyPage) await projection.applyPage(pipe.sql, mine);
      else for (const event of mine) await projection.apply(pipe.sql, event);
      after.set(projection.name, { name: projection.name, checkpoint: last, failure: null });
    }
    if (!locked) await moveCheckpoints(pipe.sql, pending.map((p) => p.projection.name), last);
  } catch (error) {
    failed = { error };
  }
  // Every statement sent is answered before the transaction ends, even when a projection threw while sending.
  await pipe.flush().catch((error: unknown) => {
    failed ??= { error };
  });
  // Rows that moved explain whatever failed too (events applied twice break constraints): applied again, it passes.
  const rows = locked && (await locked.catch(() => null));
  if (rows) {
    const now = new Map(rows.map((r) => [r.name, toStatus(r)]));
    const same = (a: ProjectionStatus | undefined, b: ProjectionStatus | undefined) =>
      a !== undefined && b !== undefined && a.checkpoint === b.checkpoint && (a.failure === null) === (b.failure === null);
    if (!names.every((n) => same(now.get(n), checkpoints.get(n)))) throw new CheckpointsMoved();
  }
  if (failed) throw failed.error;
  return after;
}

const ATTEMPTS = 3;

/**
 * Applies a batch with each projection behind a savepoint, one event at a time: one that throws is rolled back to its
 * savepoint and tried again (a lock timeout passes), and after the last attempt stops at the event that threw: the
 * events before it are applied, its checkpoint moves to the last of them and it is marked failed at that event, while
 * the others apply the whole batch and move on. Returns the projections that failed here.
 */
export async function applyInIsolation(
  tx: Sql,
  projections: readonly Projection[],
  events: readonly RecordedEvent[],
): Promise<Array<{ name: string; failure: Omit<ProjectionFailure, 'at'> }>> {
  const checkpoints = await lockCheckpoints(tx, projections.map((p) => p.name));
  const moved: string[] = [];
  const failed: Array<{ name: string; failure: Omit<ProjectionFailure, 'at'> }> = [];
  for (const projection of projections) {
    const mine = pendingFor(projection, checkpoints.get(projection.name), events);
    if (mine === null) continue;
    const stopped = await applyAlone(tx, projection, mine);
    if (stopped === null) {
      moved.push(projection.name);
      continue;
    }
    const { at, error } = stopped;
    // It holds every event of the batch before the one at fault: its checkpoint moves to the one just before.
    const from = checkpoints.get(projection.name)?.checkpoint ?? null;
    const previous = events[events.indexOf(at) - 1]?.checkpoint ?? null;
    if (previous !== null && (from === null || previous > from)) await moveCheckpoints(tx, [projection.name], previous);
    const failure = {
      checkpoint: at.checkpoint, eventId: at.id, eventType: at.type, streamId: at.streamId,
      error: error instanceof Error ? error.message : String(error),
    };
    await recordFailure(tx, projection.name, failure);
    failed.push({ name: projection.name, failure });
  }
  await moveCheckpoints(tx, moved, events[events.length - 1].checkpoint);
  return failed;
}

/**
 * Applies `mine` behind a savepoint, up to `ATTEMPTS` times. When the last attempt fails, applies the events before
 * the one that threw (so the projection stops just before it) and answers that event with its error; null when all
 * applied.
 */
async function applyAlone(tx: Sql, projection: Projection, mine: readonly RecordedEvent[]): Promise<{ at: RecordedEvent; error: unknown } | null> {
  let at: RecordedEvent = mine[0];
  for (let attempt = 1; ; attempt++) {
    try {
      await tx.savepoint(async (sp) => {
        for (const event of mine) {
          at = event;
          await projection.apply(sp, event);
        }
      });
      return null;
    } catch (error) {
      if (attempt < ATTEMPTS) continue;
      const before = mine.slice(0, mine.indexOf(at));
      if (before.length > 0) await tx.savepoint(async (sp) => {
        for (const event of before) await projection.apply(sp, event);
      });
      return { at, error };
    }
  }
}
