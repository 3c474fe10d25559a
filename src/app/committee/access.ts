import type { Core } from '../core/core.js';
import type { Actor } from '../../domain/core/decider.js';
import { roomRoleOf } from '../../domain/committee/decide.js';
import { loadReview } from './review.js';

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

/**
 * Whether `actor` may take part in the conference of `sessionId`'s examination committee (camera and microphone):
 * its members and chair, the invited witness, the test-taker invited to a hearing, and administrators; only while the
 * review is open. For the media side, which asks it before it lets anyone publish or subscribe in the room.
 */
export async function canJoinConference(core: Core, actor: Actor | null, sessionId: string): Promise<boolean> {
  if (!actor || !SESSION_ID.test(String(sessionId))) return false;
  const review = await loadReview(core, sessionId);
  return review.status === 'open' && roomRoleOf(review, actor) !== null;
}

/** The question the media side asks, as one function to hand it. */
export type ConferenceAccess = typeof canJoinConference;
