/**
 * What the signed-in user may do, for deciding what the screens show: the rows of the server's authorisation matrix
 * (`src/api/authorization.ts`) that a control or a page depends on. The server still decides every request; this
 * table only keeps controls that would be refused off the screen. `test/permissions.test.ts` compares it with the
 * server's `can()` for every role and relation, so the two cannot drift apart unnoticed.
 *
 * A table here rather than a question to the server: the session lists come from subscriptions whose execution is
 * shared by every subscriber with the same visibility (all administrators and auditors), so a per-viewer field on a
 * session would be computed for one of them and sent to all.
 */
export type Role = 'admin' | 'proctor' | 'student' | 'auditor' | 'integrator' | 'committee';

export type UiOperation =
  | 'session.create'
  | 'session.start'
  | 'session.sendMessage'
  | 'session.sendIncident'
  | 'session.join'
  | 'session.finish'
  | 'session.conclude'
  | 'session.media'
  | 'session.watch'
  | 'session.call'
  | 'session.verifyIdentity'
  | 'account.list'
  | 'schedule.manage'
  | 'lti.manage'
  | 'session.bulk'
  | 'template.read'
  | 'template.manage'
  | 'session.export'
  | 'session.replay';

/** Whose sessions a role may touch: every session, the ones it proctors, takes or created, or none. */
export type Reach = 'all' | 'assigned' | 'own' | 'created' | 'none';

const A = 'all', P = 'assigned', S = 'own', C = 'created', N = 'none';
//                                          admin proctor student auditor integrator
export const UI_MATRIX: Record<UiOperation, readonly [Reach, Reach, Reach, Reach, Reach]> = {
  'session.create':       [A, N, N, N, A],
  'session.start':        [A, N, S, N, N],
  'session.sendMessage':  [A, P, S, N, N],
  'session.sendIncident': [A, P, N, N, N],
  'session.join':         [A, P, N, N, N],
  'session.finish':       [A, P, S, N, C],
  'session.conclude':     [A, P, N, N, N],
  'session.media':        [A, P, S, N, N],
  'session.watch':        [A, P, N, N, N],
  'session.call':         [A, P, N, N, N],
  'session.verifyIdentity': [A, P, N, N, N],
  'account.list':         [A, A, N, A, N],
  'schedule.manage':      [A, P, N, N, N],
  'lti.manage':           [A, N, N, N, N],
  'session.bulk':         [A, N, N, N, N],
  'template.read':        [A, A, N, A, A],
  'template.manage':      [A, N, N, N, N],
  'session.export':       [A, P, N, A, C],
  'session.replay':       [A, N, N, A, N],
};

const COLUMN: Record<Exclude<Role, 'committee'>, number> = { admin: 0, proctor: 1, student: 2, auditor: 3, integrator: 4 };

export interface Viewer {
  username: string;
  role: Role;
}

/** The people a session relates to, as the session lists carry them. */
export interface Parties {
  student: string;
  proctor: string | null;
  createdBy?: string;
}

/**
 * Whether `user` may do `operation` to `session`; without a session, whether to some sessions at all (the page-level
 * question: does this role have the control anywhere).
 */
export function can(user: Viewer | null | undefined, operation: UiOperation, session?: Parties | null): boolean {
  // An examination committee member reads the protocols of the sessions they review (the committee page), no more.
  if (!user || user.role === 'committee') return false;
  const reach = UI_MATRIX[operation][COLUMN[user.role]];
  if (session === undefined || session === null) return reach !== 'none';
  switch (reach) {
    case 'all':
      return true;
    case 'none':
      return false;
    case 'assigned':
      return session.proctor === user.username;
    case 'own':
      return session.student === user.username;
    case 'created':
      return session.createdBy === user.username;
    default: {
      const exhaustive: never = reach;
      throw new Error(`unknown reach ${String(exhaustive)}`);
    }
  }
}

/** The pages that are forms for one kind of work, and what a role needs to use them. */
export const PAGE_NEEDS = {
  'new-session': ['session.create', 'account.list'],
  calendar: ['schedule.manage'],
  lms: ['lti.manage'],
  console: ['session.bulk'],
  templates: ['template.read'],
} as const satisfies Record<string, readonly UiOperation[]>;

export type GuardedPage = keyof typeof PAGE_NEEDS;

export function mayOpen(user: Viewer | null | undefined, page: GuardedPage): boolean {
  return PAGE_NEEDS[page].every((op) => can(user, op));
}

/** The replay screen and its export: auditors and administrators. */
export function mayReplay(user: Viewer | null | undefined): boolean {
  return can(user, 'session.replay');
}

const ROLE_NAME: Record<Role, string> = { admin: 'an administrator', proctor: 'a proctor', student: 'a test-taker', auditor: 'an auditor', integrator: 'an integration', committee: 'an examination committee member' };

export function roleName(role: Role): string {
  return ROLE_NAME[role];
}
