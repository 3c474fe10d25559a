import type { Core } from '../../app/core/core.js';
import type { Actor } from '../../domain/core/decider.js';
import { getMonitorRow } from '../../projections/monitor/queries.js';

/** A caller as the conference sees it: a token bound to one session or to a phone says so. */
export type ConferenceCaller = Actor & { readonly device?: string; readonly sessionId?: string };

/**
 * Who may join the conference room of a session: the port the conference's signalling and Janus rooms ask before
 * letting anyone in. The committee decides who its members are (`canJoinConference` in src/app/committee/access.ts).
 */
export type ConferenceAccess = (actor: ConferenceCaller, sessionId: string) => Promise<boolean>;

const STAFF = new Set<Actor['role']>(['admin', 'auditor', 'proctor']);

/**
 * The rule until the committee's own replaces it: administrators, auditors and proctors, and the session's own
 * test-taker (for a hearing). A phone never joins, and a token bound to another session does not either.
 */
export function defaultConferenceAccess(core: Pick<Core, 'db'>): ConferenceAccess {
  return async (actor, sessionId) => {
    if (actor.device !== undefined) return false;
    if (actor.sessionId !== undefined && actor.sessionId !== sessionId) return false;
    const row = await getMonitorRow(core.db, sessionId);
    if (!row) return false;
    return STAFF.has(actor.role) || (actor.role === 'student' && row.student === actor.id);
  };
}
