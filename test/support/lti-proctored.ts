import { ltiPlatformId, registerLtiPlatform } from '../../src/app/lti/platforms.js';
import { TokenService } from '../../src/api/auth/tokens.js';
import type { LtiLink } from '../../src/domain/session/events.js';
import { linkFromClaims } from './lti-link.js';
import type { TestApi } from './api.js';
import { type LtiPlatform, type ProctoringLaunchOptions, type ToolRegistration } from './lti-platform.js';
import { launchClaims } from './lti-platform/id-token.js';

/** Our tool registered at the test platform, and the platform registered with us: what a proctored launch needs. */
export async function connectPlatform(api: TestApi, platform: LtiPlatform): Promise<ToolRegistration> {
  const app = api.server.url;
  const registration = platform.register({ loginUrl: `${app}/lti/login`, redirectUris: [`${app}/lti/launch`], jwksUrl: `${app}/.well-known/jwks.json`, targetLinkUri: `${app}/lti/launch` });
  await registerLtiPlatform(api.core, {
    name: 'Test LMS', issuer: platform.issuer, clientId: registration.clientId, deploymentIds: [registration.deploymentId],
    authUrl: platform.endpoints.authorization, tokenUrl: platform.endpoints.token, jwksUrl: platform.endpoints.jwks,
  }, 'manual', { id: 'admin', role: 'admin' });
  return registration;
}

/**
 * An LtiStartProctoring the platform prepared, as if its id_token had reached us: the claims are the platform's own
 * (kept in `issued`, which its start_assessment_url checks our echo against), the session is created for `student`
 * with the link the launch records, and the test-taker gets the session-bound token the launch would issue.
 */
export async function proctoredSession(
  api: TestApi,
  platform: LtiPlatform,
  sessionId: string,
  options: { student?: string; studentName?: string; proctoring?: ProctoringLaunchOptions; url?: string } = {},
): Promise<{ link: LtiLink; claims: Record<string, unknown>; token: string; launchId: string }> {
  const launch = platform.prepareLaunch({ messageType: 'LtiStartProctoring', proctoring: options.proctoring ?? { acs: true } });
  const claims = launchClaims({
    issuer: platform.issuer, now: Math.floor(Date.now() / 1000), lineItemsUrl: (c) => platform.endpoints.lineItems(c), membershipsUrl: (c) => platform.endpoints.memberships(c),
    acsUrl: platform.endpoints.assessmentControl, deepLinkReturnUrl: (id) => `${platform.issuer}/deep-link-return/${id}`,
  }, launch, 'nonce-of-the-launch');
  launch.issued = { idToken: '', claims, state: 'state', redirectUri: launch.registration.redirectUris[0], nonce: 'nonce-of-the-launch' };
  const student = options.student ?? 'student1';
  await api.createSession(sessionId, { student, studentName: options.studentName ?? null, proctor: 'proctor1', url: options.url ?? null });
  const link = linkFromClaims(claims, ltiPlatformId(platform.issuer, launch.registration.clientId));
  await api.core.session(sessionId, 'RecordLtiLaunch', { messageType: 'LtiStartProctoring', link }, { id: `lti:${link.platformId}`, role: 'integrator' });
  const { token } = await new TokenService(api.config.jwtSecret).issue({ id: student, role: 'student' }, { sessionId, ttlSeconds: 3600 });
  return { link, claims, token, launchId: launch.id };
}
