import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Actor } from '../../domain/core/decider.js';
import { ForbiddenError, IllegalStateError, NotFoundError } from '../../domain/core/errors.js';
import type { LtiLink } from '../../domain/session/events.js';
import type { Session } from '../../domain/session/state.js';
import { getLtiPlatform } from '../../projections/lti/projection.js';
import { getMonitorRow } from '../../projections/monitor/queries.js';
import type { Core } from '../core/core.js';
import { toolKeyring } from './keys.js';

/**
 * LtiStartAssessment (LTI Proctoring Services 1.0 §4.3): once the proctored session has started, we tell the platform
 * the learner may take the assessment by form-POSTing a JWT signed by our key to the launch's `start_assessment_url`.
 *
 * The browser carries the form, from a small page of ours (see src/api/http/start-assessment.ts). That page cannot be
 * authorised by the test-taker's Bearer token (an iframe's navigation sends no header, and a token in its URL would
 * travel on), so the test-taker's page first asks for a start code: single use, a minute long, bound to the session
 * and its test-taker by an HMAC, used up in the shared once-claims table so no node accepts it twice.
 */

const AP = 'https://purl.imsglobal.org/spec/lti-ap/claim/';
const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
/** How long a start code may wait before the page that uses it is opened. */
export const START_CODE_TTL_MS = 60_000;
/** How long the platform may take to receive the JWT once the page is served (the browser posts it at once). */
const JWT_LIFETIME_SECONDS = 300;

/** A start code, and the page that uses it (a path on our own origin). */
export interface StartCode {
  readonly url: string;
  readonly expiresAt: Date;
}

/** What the start page posts: the JWT and where it goes. */
export interface StartAssessmentForm {
  readonly url: string;
  readonly jwt: string;
}

/** The session's proctoring link, when an LTI-proctored session may start its assessment now; else why not. */
function proctoredAndRunning(state: Session): { link: LtiLink & { proctoring: NonNullable<LtiLink['proctoring']> }; student: string } {
  if (state.status === 'none') throw new NotFoundError('no such session');
  if (!state.lti?.proctoring) throw new IllegalStateError('this session was not started by an LMS for proctoring (LtiStartProctoring)');
  if (state.ltiEnded) throw new IllegalStateError('the LMS has ended this attempt');
  if (state.status !== 'in_progress') throw new IllegalStateError(`the assessment opens once the session is in progress; it is ${state.status.replace('_', ' ')}`);
  return { link: state.lti as LtiLink & { proctoring: NonNullable<LtiLink['proctoring']> }, student: state.student };
}

function codeKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('lti-start-assessment/v1').digest();
}

function mac(secret: string, sessionId: string, student: string, codeId: string, until: number): string {
  return createHmac('sha256', codeKey(secret)).update(JSON.stringify([sessionId, student, codeId, until])).digest('base64url');
}

/**
 * A start code for the session's test-taker (`actor`, who must be its test-taker), while the session is in progress and
 * came from LtiStartProctoring.
 */
export async function issueStartCode(core: Core, secret: string, actor: Actor, sessionId: string): Promise<StartCode> {
  const { state } = await core.loadSession(sessionId);
  const { student } = proctoredAndRunning(state);
  if (actor.id !== student) throw new ForbiddenError('only the test-taker of this session starts its assessment');
  const codeId = randomBytes(16).toString('base64url');
  const until = core.now().getTime() + START_CODE_TTL_MS;
  const code = `${codeId}.${until}.${mac(secret, sessionId, student, codeId, until)}`;
  return { url: `/lti/start-assessment/${encodeURIComponent(sessionId)}?code=${encodeURIComponent(code)}`, expiresAt: new Date(until) };
}

/** Uses up `code` and answers the form the page posts; records the message on the session (an auditor sees each one). */
export async function useStartCode(core: Core, secret: string, sessionId: string, code: string): Promise<StartAssessmentForm> {
  const [codeId, untilText, given, extra] = code.split('.');
  const until = Number(untilText);
  if (!codeId || !given || extra !== undefined || !Number.isSafeInteger(until)) throw new ForbiddenError('the start code is malformed');
  const { state } = await core.loadSession(sessionId);
  if (state.status === 'none') throw new NotFoundError('no such session');
  const expected = Buffer.from(mac(secret, sessionId, state.student, codeId, until));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new ForbiddenError('the start code is not for this session');
  if (until <= core.now().getTime()) throw new ForbiddenError('the start code has expired: reload the exam page');
  const { link, student } = proctoredAndRunning(state);
  if (!(await core.claims.claim(`lti-start-assessment:${codeId}`, new Date(until)))) throw new ForbiddenError('the start code was used already: reload the exam page');
  const jwt = await startAssessmentJwt(core, sessionId, link);
  await core.session(sessionId, 'RecordLtiMessage', { messageType: 'LtiStartAssessment', url: link.proctoring.startAssessmentUrl }, { id: student, role: 'student' });
  return { url: link.proctoring.startAssessmentUrl, jwt };
}

/**
 * The LtiStartAssessment JWT for the session's link: `iss` is our client id at that platform and `aud` its issuer (a
 * tool-originating message, LTI 1.3 Core §5.4 read the other way round), with the platform's resource link, session
 * data and attempt number echoed exactly as the launch gave them.
 *
 * `verified_user` names the test-taker as their account does (one display name: we keep no given and family names
 * apart). It never carries `picture`: our identity photos are served only to callers we authorise, and a URL the
 * platform could fetch unauthenticated would publish a biometric photo to whoever holds the link. Nor `iss`/`sub`,
 * which the spec says the tool cannot vouch for.
 */
export async function startAssessmentJwt(
  core: Core,
  sessionId: string,
  link: LtiLink & { proctoring: NonNullable<LtiLink['proctoring']> },
): Promise<string> {
  const platform = await getLtiPlatform(core.db, link.platformId);
  if (!platform || platform.removed) throw new IllegalStateError('the LMS this session came from is no longer registered');
  const row = await getMonitorRow(core.db, sessionId);
  const name = row?.studentName?.trim();
  const now = Math.floor(core.now().getTime() / 1000);
  const { kid, key } = await toolKeyring(core).signer();
  return new SignJWT({
    nonce: randomUUID(),
    [`${LTI}message_type`]: 'LtiStartAssessment',
    [`${LTI}version`]: '1.3.0',
    [`${LTI}deployment_id`]: link.deploymentId,
    [`${LTI}resource_link`]: link.resourceLinkClaim ? (JSON.parse(link.resourceLinkClaim) as object) : { id: link.resourceLinkId },
    [`${AP}session_data`]: link.proctoring.sessionData,
    [`${AP}attempt_number`]: link.proctoring.attemptNumber,
    ...(name ? { [`${AP}verified_user`]: { name } } : {}),
    [`${AP}end_assessment_return`]: true,
  })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(platform.clientId)
    .setAudience(platform.issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + JWT_LIFETIME_SECONDS)
    .sign(key);
}

/** What the test-taker's page needs to know of the LMS a session came from. */
export interface SessionLmsInfo {
  /** Launched by LtiStartProctoring: the assessment opens in the exam page once the session is in progress. */
  readonly proctored: boolean;
  /** Where to go back to the course, when the launch said. */
  readonly returnUrl: string | null;
  /** The platform has said the attempt is over (LtiEndAssessment). */
  readonly assessmentEnded: boolean;
}

/** The LMS side of a session, or null for a session that did not come from an LTI launch. */
export async function sessionLms(core: Core, sessionId: string): Promise<SessionLmsInfo | null> {
  const { state } = await core.loadSession(sessionId);
  if (state.status === 'none' || !state.lti) return null;
  return { proctored: state.lti.proctoring !== null, returnUrl: state.lti.returnUrl ?? null, assessmentEnded: state.ltiEnded };
}
