import { NotFoundError } from '../../domain/core/errors.js';
import type { LtiPlatformRow } from '../../projections/lti/projection.js';
import type { Core } from '../core/core.js';
import type { LaunchClaims } from './claims.js';
import { ltiSessionId, platformActor } from './mapping.js';

/**
 * LtiEndAssessment (LTI Proctoring Services §4.3): the platform says the attempt was submitted. The attempt's session
 * records it (with the platform's error message and log when it sends the error variant) and, while it still runs,
 * is finished by the platform, so recording stops. A second end of the same attempt changes nothing.
 */
export async function endAssessment(core: Core, platform: LtiPlatformRow, claims: LaunchClaims): Promise<{ kind: 'ended'; sessionId: string }> {
  const end = claims.endAssessment!;
  const sessionId = ltiSessionId(platform.platformId, claims.resourceLink!.id, claims.sub, end.attemptNumber);
  const { state } = await core.loadSession(sessionId);
  if (state.status === 'none' || !state.lti) {
    throw new NotFoundError(`There is no proctoring session for attempt ${end.attemptNumber} of this user at this resource link.`);
  }
  const actor = platformActor(platform);
  if (!state.ltiEnded) await core.session(sessionId, 'EndLtiAssessment', { errorMessage: end.errorMessage, errorLog: end.errorLog }, actor);
  if (state.status === 'in_progress' || state.status === 'paused') await core.session(sessionId, 'FinishSession', {}, actor);
  return { kind: 'ended', sessionId };
}
