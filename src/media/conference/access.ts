import type { Actor } from '../../domain/core/decider.js';

/** A caller as the conference sees it: a token bound to one session or to a phone says so. */
export type ConferenceCaller = Actor & { readonly device?: string; readonly sessionId?: string };

/**
 * Who may join the conference room of a session: the port the conference's signalling and Janus rooms ask before
 * letting anyone in. The committee decides who its members are (`canJoinConference` in src/app/committee/access.ts).
 */
export type ConferenceAccess = (actor: ConferenceCaller, sessionId: string) => Promise<boolean>;

/**
 * `rule` (the committee's: `canJoinConference` in src/app/committee/access.ts), with what the media side refuses
 * whatever the rule says: a phone never joins, and a token bound to another session does not either.
 */
export function conferenceAccess(rule: (actor: Actor, sessionId: string) => Promise<boolean>): ConferenceAccess {
  return async (actor, sessionId) => {
    if (actor.device !== undefined) return false;
    if (actor.sessionId !== undefined && actor.sessionId !== sessionId) return false;
    return rule(actor, sessionId);
  };
}
