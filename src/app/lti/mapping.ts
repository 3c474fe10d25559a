import { createHash } from 'node:crypto';
import type { Account } from '../../domain/account/account.js';
import type { Actor } from '../../domain/core/decider.js';
import { ForbiddenError, UnauthenticatedError } from '../../domain/core/errors.js';
import { clip } from '../../domain/core/fields.js';
import type { LtiPlatformRow } from '../../projections/lti/projection.js';
import { NO_PASSWORD } from '../accounts/passwords.js';
import type { Core } from '../core/core.js';
import type { LaunchClaims } from './claims.js';

/**
 * The platform's people and things in our terms: who a launch is for (a test-taker or course staff), their account,
 * the session of an attempt and the tags that find a course's sessions.
 */

/** A test-taker (Learner), or course staff (Instructor, ContentDeveloper, TeachingAssistant, Administrator). */
export type LtiPersona = 'learner' | 'staff';

const STAFF_ROLES = new Set(['Instructor', 'ContentDeveloper', 'TeachingAssistant', 'Administrator']);

/** The role's name in a LIS role URI, full (`…/membership#Instructor`, `…/membership/Instructor#TeachingAssistant`) or short (`Instructor`). */
function roleName(role: string): string {
  const hash = role.lastIndexOf('#');
  return hash >= 0 ? role.slice(hash + 1) : role.slice(role.lastIndexOf('/') + 1);
}

/**
 * Staff when any role is a staff role (an instructor who is also enrolled as a learner still configures and
 * proctors), a learner when one is Learner; null for anyone else (a mentor, a guest), whom this tool does not serve.
 * Administrators (system, institution or course) are staff like instructors: they configure exams and proctor the
 * course's sessions; they get no admin rights over this tool.
 */
export function personaOf(roles: readonly string[]): LtiPersona | null {
  const names = roles.map(roleName);
  if (names.some((n) => STAFF_ROLES.has(n))) return 'staff';
  if (names.includes('Learner')) return 'learner';
  return null;
}

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex');

/**
 * Our username for a platform user: `lti-s-…` as a test-taker, `lti-p-…` as staff (an account has one role, and the
 * same person may take one course and teach another), from a hash of the issuer and `sub` (which may hold anything).
 */
export function ltiUsername(issuer: string, sub: string, persona: LtiPersona): string {
  return `lti-${persona === 'learner' ? 's' : 'p'}-${hash(issuer, sub).slice(0, 32)}`;
}

/** Who acts when a platform does something: the platform as an integrator. */
export function platformActor(platform: LtiPlatformRow): Actor {
  return { id: `lti:${platform.platformId}`, role: 'integrator' };
}

/** The session of one attempt of one user at one resource link: the same on every relaunch, another for a new attempt. */
export function ltiSessionId(platformId: string, resourceLinkId: string, sub: string, attempt: number): string {
  return `lti-${hash(platformId, resourceLinkId, sub, String(attempt)).slice(0, 32)}`;
}

/** The key of a resource link's settings stream. */
export function ltiLinkKey(platformId: string, resourceLinkId: string): string {
  return `${platformId}-${hash(resourceLinkId).slice(0, 24)}`;
}

/** The tag that finds a course's sessions: `course:<context id>` (hashed when the id is too long for a tag). */
export function courseTag(platformId: string, contextId: string): string {
  const tag = `course:${contextId}`;
  return tag.length <= 64 && !/[\u0000-\u001f\u007f"]/.test(tag) ? tag : `course:${hash(platformId, contextId).slice(0, 32)}`;
}

/** The search that lists a course's sessions on the monitor. */
export const courseQuery = (tag: string) => `tags = "${tag}"`;

export type ActiveAccount = Exclude<Account, { status: 'none' }>;

/** The account of the launch's user, registered now on their first launch with the name the claims give. */
export async function ltiAccount(core: Core, platform: LtiPlatformRow, claims: LaunchClaims, persona: LtiPersona): Promise<ActiveAccount> {
  const username = ltiUsername(platform.issuer, claims.sub, persona);
  const actor = platformActor(platform);
  let account = await core.loadAccount(username);
  if (account.status === 'none') {
    // The email claim has no place in our accounts yet; the name is enough to recognise someone on the monitor.
    const displayName = claims.name ? clip(claims.name, 200).trim() || username : username;
    account = await core.account(username, 'RegisterAccount', { username, role: persona === 'learner' ? 'student' : 'proctor', displayName, passwordHash: NO_PASSWORD }, actor);
  } else if (account.registeredBy !== actor.id) {
    throw new ForbiddenError('This account was not created by this platform; ask an administrator.');
  }
  if (account.status !== 'active') throw new UnauthenticatedError('Your account with this tool is disabled; ask an administrator.');
  return account as ActiveAccount;
}
