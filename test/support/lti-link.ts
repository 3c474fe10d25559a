import { randomUUID } from 'node:crypto';
import type { LtiLink } from '../../src/domain/session/events.js';
import { readLaunchClaims } from '../../src/app/lti/claims.js';
import { linkOf } from '../../src/app/lti/launch.js';
import type { LaunchOptions, LtiPlatform } from './lti-platform.js';

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

/** The session link the launch claims give: the launch pipeline's own reading of them (what it stores with RecordLtiLaunch). */
export function linkFromClaims(claims: Record<string, unknown>, platformId: string): LtiLink {
  return linkOf(platformId, readLaunchClaims(claims));
}
