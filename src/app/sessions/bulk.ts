import type { Actor } from '../../domain/core/decider.js';
import { DomainError, NotFoundError, ValidationError, assertNever } from '../../domain/core/errors.js';
import { existingSessionIds } from '../../projections/monitor/queries.js';
import type { Core } from '../core/core.js';
import { assignProctor, cancelSession } from '../scheduling/booking.js';

/** The most sessions one bulk request acts on: a page of the console's "all matching" selection. */
export const MAX_BULK_SESSIONS = 1000;

/** Sessions acted on at once: enough to keep the projection runner's batches full, few enough not to crowd other work. */
const CONCURRENCY = 8;

/** What the console can do to many sessions at once; each is the command a single session would get. */
export type BulkAction =
  | { readonly kind: 'assignProctor'; readonly proctor: string | null }
  | { readonly kind: 'reschedule'; readonly scheduledAt: Date }
  | { readonly kind: 'cancel'; readonly reason: string }
  | { readonly kind: 'pause' }
  | { readonly kind: 'resume' };

/** One session's answer: done (or nothing to do), or the error that refused it. */
export interface BulkOutcome {
  readonly id: string;
  readonly error: DomainError | null;
}

/**
 * Runs `action` on each session of `ids` as `actor`, each as its own command (its own event, with who did it), and
 * answers per session in the order given. A refusal answers for that session only: the others still run, since a bulk
 * action over a search result routinely meets a few sessions that have moved on (finished, already cancelled).
 * Authorising the caller is the API's part.
 */
export async function runBulk(core: Core, actor: Actor, ids: readonly string[], action: BulkAction): Promise<BulkOutcome[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw new ValidationError('name at least one session');
  if (unique.length > MAX_BULK_SESSIONS) throw new ValidationError(`at most ${MAX_BULK_SESSIONS} sessions per request, not ${unique.length}`);
  const existing = await existingSessionIds(core.db, unique);
  const outcomes = new Map<string, BulkOutcome>();
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const id = unique[next++];
      outcomes.set(id, { id, error: existing.has(id) ? await attempt(core, actor, id, action) : new NotFoundError(`no session ${id}`) });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, unique.length) }, worker));
  return unique.map((id) => outcomes.get(id)!);
}

async function attempt(core: Core, actor: Actor, id: string, action: BulkAction): Promise<DomainError | null> {
  try {
    await perform(core, actor, id, action);
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error; // a fault of ours, not a refusal: the request fails loudly rather than report it as one session's
  }
}

function perform(core: Core, actor: Actor, id: string, action: BulkAction): Promise<unknown> {
  switch (action.kind) {
    case 'assignProctor':
      return assignProctor(core, actor, id, action.proctor);
    case 'reschedule':
      return core.session(id, 'RescheduleSession', { scheduledAt: action.scheduledAt }, actor);
    case 'cancel':
      return cancelSession(core, actor, id, action.reason);
    case 'pause':
      return core.session(id, 'PauseSession', {}, actor);
    case 'resume':
      return core.session(id, 'ResumeSession', {}, actor);
    default:
      return assertNever(action, 'bulk action');
  }
}
