import type { Actor } from '../domain/core/decider.js';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../domain/core/errors.js';
import type { Device } from './auth/tokens.js';

/** Every operation the API exposes that touches a session, or the system. The matrix below is the whole policy. */
export type Operation =
  | 'session.read'
  | 'session.create'
  | 'session.assignProctor'
  | 'session.cancel'
  | 'session.reschedule'
  | 'session.bulk'
  | 'session.checkIn'
  | 'session.submitPhoto'
  | 'session.verifyIdentity'
  | 'session.start'
  | 'session.recordMetrics'
  | 'session.recordViolation'
  | 'session.sendMessage'
  | 'session.sendIncident'
  | 'session.join'
  | 'session.addNote'
  | 'session.pause'
  | 'session.finish'
  | 'session.conclude'
  | 'session.media'
  | 'session.publish'
  | 'session.watch'
  | 'session.record'
  | 'session.playback'
  | 'session.call'
  | 'session.mobileLink'
  | 'session.hangUp'
  | 'session.events'
  | 'session.verifyStream'
  | 'session.replay'
  | 'session.export'
  | 'account.manage'
  | 'account.list'
  | 'account.changeOwnPassword'
  | 'session.book'
  | 'schedule.read'
  | 'schedule.manage'
  | 'system.inspect'
  | 'system.manage'
  | 'integration.webhook'
  | 'lti.manage'
  | 'template.read'
  | 'template.manage';

/**
 * Whose sessions a role may touch for an operation: every session, its own ones (by relation), or none. `appointed`:
 * the sessions whose examination committee the caller sits on.
 */
type Reach = 'all' | 'assigned' | 'own' | 'created' | 'appointed' | 'none';

const A = 'all', P = 'assigned', S = 'own', C = 'created', N = 'none';
//                                      admin proctor student auditor integrator
const MATRIX: Record<Operation, readonly [Reach, Reach, Reach, Reach, Reach]> = {
  'session.read':             [A, P, S, A, C],
  'session.create':           [A, N, N, N, A],
  'session.assignProctor':    [A, N, N, N, C],
  'session.cancel':           [A, N, N, N, C],
  'session.reschedule':       [A, N, N, N, C],
  // The console's actions on many sessions at once; proctors pause and resume their own one at a time.
  'session.bulk':             [A, N, N, N, N],
  'session.checkIn':          [A, N, S, N, N],
  'session.submitPhoto':      [A, N, S, N, N],
  'session.verifyIdentity':   [A, P, N, N, N],
  'session.start':            [A, N, S, N, N],
  'session.recordMetrics':    [A, N, S, N, N],
  'session.recordViolation':  [A, N, S, N, N],
  'session.sendMessage':      [A, P, S, N, N],
  'session.sendIncident':     [A, P, N, N, N],
  'session.join':             [A, P, N, N, N],
  'session.addNote':          [A, P, N, N, N],
  'session.pause':            [A, P, N, N, N],
  // An LMS ends the sessions it created (the exam closed on its side).
  'session.finish':           [A, P, S, N, C],
  'session.conclude':         [A, P, N, N, N],
  'session.media':            [A, P, S, N, N],
  'session.publish':          [A, N, S, N, N],
  'session.watch':            [A, P, N, N, N],
  'session.record':           [A, N, S, N, N],
  'session.playback':         [A, P, N, A, C],
  'session.call':             [A, P, N, N, N],
  'session.mobileLink':       [N, N, S, N, N],
  'session.hangUp':           [A, P, S, N, N],
  'session.events':           [A, N, N, A, C],
  'session.verifyStream':     [A, N, N, A, C],
  // The replay screen and the export for an outside auditor: the audit roles only.
  'session.replay':           [A, N, N, A, N],
  // A data export holds the sessions the caller may list, never more (see `visibleSessions`).
  'session.export':           [A, P, N, A, C],
  'account.manage':           [A, N, N, N, N],
  'account.list':             [A, A, N, A, N],
  'template.read':            [A, A, N, A, A],
  'template.manage':          [A, N, N, N, N],
  'account.changeOwnPassword':[A, A, A, A, A],
  'session.book':             [A, N, S, N, N],
  // A calendar is "assigned" to its proctor (checked with the proctor as the party).
  'schedule.read':            [A, P, N, A, N],
  'schedule.manage':          [A, P, N, N, N],
  'system.inspect':           [A, N, N, A, N],
  'system.manage':            [A, N, N, N, N],
  // An integration sets its own result webhook (src/app/webhooks/settings.ts narrows 'own' to its username).
  'integration.webhook':      [A, N, N, N, S],
  // LMS platforms, our LTI keys and registration links.
  'lti.manage':               [A, N, N, N, N],
};

const COLUMN = { admin: 0, proctor: 1, student: 2, auditor: 3, integrator: 4 } as const;

/**
 * The committee role's column, apart so the matrix keeps its shape: a committee member reads the protocol and plays
 * the recording of the sessions they are appointed to, and nothing else (no monitor of every session).
 */
const COMMITTEE_COLUMN: Partial<Record<Operation, Reach>> = {
  'session.read': 'appointed',
  'session.playback': 'appointed',
  'account.changeOwnPassword': 'all',
};

/** What sitting on a session's committee lets anyone do there (a proctor or an administrator acting as a member too). */
const MEMBER_OPERATIONS: ReadonlySet<Operation> = new Set(['session.read', 'session.playback']);

/** The people a session relates to (a monitor row or the write model both have them). */
export interface SessionParties {
  readonly sessionId?: string;
  readonly student: string;
  readonly proctor: string | null;
  readonly createdBy: string;
  /** Who sits on the session's examination committee (absent: nobody). */
  readonly committee?: readonly string[];
}

/**
 * A caller. A token bound to a session (`sessionId`: an LMS link, a phone) acts on that session only; a phone's token
 * (`device`) also only for a few operations.
 */
export type Caller = Actor & { readonly device?: Device; readonly sessionId?: string };

/** What a phone may do with its token: the link only connects; the connected camera publishes and records. */
const DEVICE_OPERATIONS: Record<Device, ReadonlySet<Operation>> = {
  'mobile-link': new Set<Operation>(['session.read']),
  mobile: new Set<Operation>(['session.read', 'session.media', 'session.record']),
};

function reachOf(actor: Caller, operation: Operation): Reach {
  if (actor.role === 'system') return 'all';
  if (actor.device && !DEVICE_OPERATIONS[actor.device].has(operation)) return 'none';
  if (actor.role === 'committee') return COMMITTEE_COLUMN[operation] ?? 'none';
  return MATRIX[operation][COLUMN[actor.role]];
}

/**
 * True when `actor` may perform `operation` on `session`. Without a session: whether the actor may perform it on
 * some sessions at all (lists then narrow themselves with `visibleSessions`).
 */
export function can(actor: Caller | null, operation: Operation, session?: SessionParties): boolean {
  if (!actor) return false;
  const reach = reachOf(actor, operation);
  if (session === undefined) return reach !== 'none';
  if (actor.sessionId !== undefined && session.sessionId !== actor.sessionId) return false;
  if (MEMBER_OPERATIONS.has(operation) && actor.device === undefined && session.committee?.includes(actor.id)) return true;
  switch (reach) {
    case 'all':
      return true;
    case 'none':
      return false;
    case 'assigned':
      return session.proctor === actor.id;
    case 'own':
      return session.student === actor.id;
    case 'created':
      return session.createdBy === actor.id;
    case 'appointed':
      return session.committee?.includes(actor.id) ?? false;
  }
}

/**
 * Whose sessions' changes a live source may be handed: every session's (`all`), one session's, or those of the
 * sessions a person is a party to (test-taker, proctor, creator or committee member).
 */
export type BatchInterest = 'all' | { readonly session: string } | { readonly party: string };

/**
 * The sessions whose changes `actor` may be shown, as `fromBatches` narrows them: one (a token bound to a session),
 * every one (a reach of all), or those they are a party to. Wider than `can`, never narrower: `can` still decides.
 */
export function readableBatches(actor: Caller): BatchInterest {
  if (actor.sessionId !== undefined) return { session: actor.sessionId };
  return reachOf(actor, 'session.read') === 'all' ? 'all' : { party: actor.id };
}

/**
 * `operation` on the session `id` (its row, or null when there is none): throws `NotFoundError` when the caller may not
 * see it, as if it did not exist (so ids cannot be probed), `ForbiddenError` when they see it but may not do this, or
 * when their role may never do this to any session.
 */
export function authorizeOn(actor: Caller | null, operation: Operation, id: string, session: SessionParties | null): Actor {
  if (!session || !can(actor, 'session.read', session)) {
    authorize(actor, operation);
    throw new NotFoundError(`no session ${id}`);
  }
  return authorize(actor, operation, session);
}

/** Throws `UnauthenticatedError` without an actor and `ForbiddenError` when the matrix says no. */
export function authorize(actor: Caller | null, operation: Operation, session?: SessionParties): Actor {
  if (!actor) throw new UnauthenticatedError('sign in first');
  if (!can(actor, operation, session)) {
    throw new ForbiddenError(`a ${actor.role} may not ${operation.replace('session.', '').replace(/([A-Z])/g, ' $1').toLowerCase()} ${session ? 'on this session' : ''}`.trim());
  }
  return actor;
}

/**
 * The SQL condition that limits a list of monitor rows to what `actor` may read, so lists and counts never leak.
 * Parameters are numbered from $1.
 */
export function visibleSessions(actor: Caller): { where: string; params: unknown[] } {
  const reach = reachOf(actor, 'session.read');
  if (actor.sessionId !== undefined) {
    if (reach === 'none') return { where: 'false', params: [] };
    if (reach === 'all') return { where: 'session_id = $1', params: [actor.sessionId] };
    if (reach === 'appointed') return { where: 'session_id = $1 AND $2 = ANY(committee_members)', params: [actor.sessionId, actor.id] };
    return { where: `session_id = $1 AND ${REACH_COLUMN[reach]} = $2`, params: [actor.sessionId, actor.id] };
  }
  switch (reach) {
    case 'all':
      return { where: 'true', params: [] };
    case 'assigned':
      return { where: '(proctor = $1 OR $1 = ANY(committee_members))', params: [actor.id] };
    case 'appointed':
      return { where: '$1 = ANY(committee_members)', params: [actor.id] };
    case 'own':
      return { where: 'student = $1', params: [actor.id] };
    case 'created':
      return { where: 'created_by = $1', params: [actor.id] };
    case 'none':
      return { where: 'false', params: [] };
  }
}

const REACH_COLUMN = { assigned: 'proctor', own: 'student', created: 'created_by' } as const;

/** Subscribers that see the same rows share one execution: admins and auditors share a scope, others are alone. */
export function visibilityScope(actor: Caller): string {
  if (actor.sessionId !== undefined) return `${actor.device ?? 'bound'}:${actor.role}:${actor.id}:${actor.sessionId}`;
  return reachOf(actor, 'session.read') === 'all' ? 'all' : `${actor.role}:${actor.id}`;
}
