import { SESSION_EVENT_TYPES, sessionIdOf } from '../../domain/session/events.js';
import { compilePredicate, parseQuery } from '../../projections/search/index.js';
import type { RecordedEvent } from '../../store/event-store.js';
import { authorize, authorizeOn, can, readableBatches } from '../authorization.js';
import type { ApiContext } from '../context.js';
import { fromBatches } from '../subscriptions/from-batches.js';
import { toSession } from './mapping.js';
import { assertSearchable, eventDataFor } from './student-view.js';
import type { SessionActivity, SessionChange } from './session.type.js';

const SESSION_TYPES = new Set<string>(SESSION_EVENT_TYPES);
// The committee's votes and comments are its own: the test-taker learns the outcome as the session's conclusion.
const STAFF_ONLY = new Set(['NoteAdded', 'ScoreComputed', 'SentToCommittee', 'CommitteeDecided']);
/** Face-check reasons a test-taker is told, to retake the photo; whether a face matches is for the proctor to see. */
const RETAKE_REASONS = new Set(['no_face', 'several_faces', 'unreadable']);

/** What a test-taker sees of an event: staff-only ones not at all, a face check only as what would need a retake. */
function studentView(e: RecordedEvent): Record<string, unknown> | null {
  if (STAFF_ONLY.has(e.type)) return null;
  if (e.type !== 'FaceChecked') return e.data as Record<string, unknown>;
  const d = e.data as { photoId: string; reason?: string | null; faceCount?: number | null; at: string };
  const problem = d.reason && RETAKE_REASONS.has(d.reason) ? d.reason : null;
  return { photoId: d.photoId, problem, faceCount: problem ? (d.faceCount ?? null) : null, at: d.at };
}
/** Sessions a `sessionsChanged` source remembers as dropped from its subscribers' lists (≈100 bytes each). */
const MAX_HIDDEN = 100_000;

/**
 * Source of `sessionsChanged(query)`: after each committed batch, one list of the changed sessions the subscriber may
 * read, with whether each matches the query now (a `false` tells the client to drop it). One message per batch, not
 * per event: under load batches grow, so the messages a socket gets per second stay bounded. Authorisation is
 * checked per session, per batch.
 */
export function sessionsChangedSource(ctx: ApiContext, query: string | null): AsyncIterableIterator<SessionChange[]> {
  authorize(ctx.actor, 'session.read');
  const parsed = query?.trim() ? parseQuery(query) : null;
  if (parsed) assertSearchable(ctx.actor, parsed);
  const predicate = parsed ? compilePredicate(parsed) : () => true;
  // Sessions last reported as not matching, and when. Their next changes that still do not match are news to nobody
  // (a list dropped them already) and are not sent, unless a subscriber joined since: its list, read before it
  // subscribed, may still hold the session, so the next such change goes out once more. With searches that match a
  // few sessions out of many, this is most of the messages.
  const hidden = new Map<string, number>();
  // Signed in: `authorize` threw otherwise.
  return fromBatches(ctx, readableBatches(ctx.actor!), ({ changed, rows }) => {
    const changes: SessionChange[] = [];
    for (const [id, last] of changed) {
      const row = rows.get(id);
      if (!row || !can(ctx.actor, 'session.read', row)) continue;
      const matches = predicate(row);
      if (matches) hidden.delete(id);
      else {
        const since = hidden.get(id);
        if (since !== undefined && since > (ctx.sharedGroup?.lastJoinAt ?? -Infinity)) continue;
        if (hidden.size >= MAX_HIDDEN) hidden.clear(); // forgetting only costs messages
        hidden.set(id, performance.now());
      }
      changes.push({ event: last.type, session: toSession(row), matches });
    }
    return changes.length ? [changes] : [];
  });
}

/** Source of `sessionActivity(id)`: each event of one session, as committed. Students do not see staff-only events. */
export async function sessionActivitySource(ctx: ApiContext, sessionId: string): Promise<AsyncIterableIterator<SessionActivity>> {
  authorizeOn(ctx.actor, 'session.read', sessionId, await ctx.core.monitorRows.row(sessionId));
  return fromBatches(ctx, { session: sessionId }, ({ batch, changed, rows }) => {
    if (!changed.has(sessionId)) return [];
    const mine = batch.events.filter((e) => SESSION_TYPES.has(e.type) && sessionIdOf(e) === sessionId);
    const current = rows.get(sessionId);
    if (!current || !can(ctx.actor, 'session.read', current)) return [];
    const student = ctx.actor?.role === 'student';
    return mine.flatMap((e) => {
      const data = student ? studentView(e) : e.data;
      if (data === null) return [];
      return [{
        sessionId,
        seq: e.streamVersion,
        type: e.type,
        at: new Date(((e.data as { at?: string }).at ?? e.recordedAt.toISOString())),
        actor: (e.metadata.actor as string | undefined) ?? null,
        data: eventDataFor(ctx.actor, e.type, data),
      }];
    });
  });
}
