import { randomUUID } from 'node:crypto';
import type { LtiLink } from '../../src/domain/session/events.js';
import { CLAIM, type LaunchOptions, type LtiPlatform } from './lti-platform.js';

/**
 * Has the test platform authenticate a launch without a browser or the tool's launch pipeline: the authorization
 * request the tool's login step would send, straight to the platform. Answers the id_token claims it issued.
 */
export async function issueLaunch(lms: LtiPlatform, options: LaunchOptions): Promise<Record<string, unknown>> {
  const launch = lms.prepareLaunch(options);
  const q = new URLSearchParams({
    scope: 'openid', response_type: 'id_token', response_mode: 'form_post', prompt: 'none', client_id: launch.registration.clientId,
    redirect_uri: launch.registration.redirectUris[0], login_hint: launch.loginHint, lti_message_hint: launch.id, nonce: randomUUID(), state: randomUUID(),
  });
  const res = await fetch(`${lms.endpoints.authorization}?${q}`);
  if (res.status !== 200 || !launch.issued) throw new Error(`the platform did not authenticate the launch: ${res.status} ${await res.text()}`);
  return launch.issued.claims;
}

/** The session link the launch claims give (what the launch pipeline stores with RecordLtiLaunch). */
export function linkFromClaims(claims: Record<string, unknown>, platformId: string): LtiLink {
  const ags = claims[CLAIM.ags] as { lineitems?: string; lineitem?: string; scope?: string[] } | undefined;
  const nrps = claims[CLAIM.nrps] as { context_memberships_url?: string } | undefined;
  const acs = claims[CLAIM.acs] as { assessment_control_url?: string; actions?: string[] } | undefined;
  const proctoring = claims[CLAIM.startAssessmentUrl] !== undefined;
  return {
    platformId,
    deploymentId: claims[CLAIM.deploymentId] as string,
    userId: claims.sub as string,
    resourceLinkId: (claims[CLAIM.resourceLink] as { id: string }).id,
    contextId: (claims[CLAIM.context] as { id?: string } | undefined)?.id ?? null,
    lineItemsUrl: ags?.lineitems ?? null,
    lineItemUrl: ags?.lineitem ?? null,
    agsScopes: ags?.scope ?? [],
    membershipsUrl: nrps?.context_memberships_url ?? null,
    proctoring: proctoring
      ? {
          attemptNumber: claims[CLAIM.attemptNumber] as number,
          startAssessmentUrl: claims[CLAIM.startAssessmentUrl] as string,
          sessionData: claims[CLAIM.sessionData] as string,
          acsUrl: acs?.assessment_control_url ?? null,
          acsActions: acs?.actions ?? [],
          settings: null,
        }
      : null,
  };
}
