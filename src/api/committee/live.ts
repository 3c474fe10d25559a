import { randomUUID } from 'node:crypto';
import { committeeSessionIdOf, isCommitteeStream } from '../../domain/committee/events.js';
import { isSessionStream, sessionIdOf } from '../../domain/session/events.js';
import { POSITION_KIND, positionChannel, type PresenterPosition } from '../../app/committee/position.js';
import { getReview } from '../../projections/committee/queries.js';
import type { RecordedEvent } from '../../store/event-store.js';
import type { ApiContext } from '../context.js';
import { PushQueue } from '../push-queue.js';
import type { CommitteeChange } from './committee.type.js';
import { reviewFor, viewpointOf } from './view.js';

const concerns = (sessionId: string) => (e: RecordedEvent) =>
  (isCommitteeStream(e.streamId) && committeeSessionIdOf(e) === sessionId) || (e.type === 'CommitteeDecided' && isSessionStream(e.streamId) && sessionIdOf(e) === sessionId);

/**
 * Source of `committeeChanged(sessionId)`: the review after every committed batch that touched it, and the presenter's
 * positions as they are relayed (to the committee only: the test-taker at a hearing sees no protocol to follow).
 */
export async function committeeChangedSource(ctx: ApiContext, sessionId: string): Promise<AsyncIterableIterator<CommitteeChange>> {
  const first = await getReview(ctx.core.db, sessionId);
  reviewFor(ctx.actor, first, sessionId);
  const following = viewpointOf(ctx.actor, first!) === 'committee';
  let stopListening = () => {};
  let offBatches = () => {};
  const queue = new PushQueue<CommitteeChange>(() => {
    offBatches();
    stopListening();
  });
  let reading = Promise.resolve();
  offBatches = ctx.core.runner.onApplied((batch) => {
    if (!batch.events.some(concerns(sessionId))) return;
    // One read at a time, in batch order, so a slow read never overtakes a later one.
    reading = reading.then(async () => {
      try {
        queue.push({ review: reviewFor(ctx.actor, await getReview(ctx.core.db, sessionId), sessionId), position: null });
      } catch (error) {
        queue.fail(error);
      }
    });
  });
  if (following) {
    // A listener name of its own: the relay skips the sender, and a shared execution may serve the presenter's peers.
    stopListening = await ctx.media.signals.listen(positionChannel(sessionId), `committee-watch:${randomUUID()}`, (signal) => {
      if (signal.kind !== POSITION_KIND) return;
      const p = signal.payload as PresenterPosition;
      queue.push({ review: null, position: { presenter: p.presenter, time: p.time, minute: p.minute, playing: p.playing, at: new Date(p.at) } });
    });
  }
  return queue;
}
