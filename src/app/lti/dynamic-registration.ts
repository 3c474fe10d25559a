import { ValidationError } from '../../domain/core/errors.js';
import { clip } from '../../domain/core/fields.js';
import type { LtiPlatformSettings } from '../../domain/lti/platform.js';
import type { LtiPlatformRow } from '../../projections/lti/projection.js';
import type { Core } from '../core/core.js';
import { callPlatform, platformUrl } from './platform-http.js';
import { registerLtiPlatform } from './platforms.js';
import { claimRegistrationLink } from './registration-links.js';
import { deploymentIdOf, toolRegistrationRequest } from './tool.js';

const PLATFORM_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-platform-configuration';

/** What a platform's browser window brings to `GET /lti/register` (LTI Dynamic Registration 1.0 §3.3). */
export interface DynamicRegistrationRequest {
  readonly openidConfiguration: string | null;
  readonly registrationToken: string | null;
  /** Our single-use link token. */
  readonly linkToken: string | null;
}

/** The platform's OpenID configuration, checked: where to register and what to store. */
interface PlatformConfiguration {
  readonly issuer: string;
  readonly registrationEndpoint: URL;
  readonly authUrl: string;
  readonly tokenUrl: string;
  readonly jwksUrl: string;
  readonly productFamily: string;
}

/**
 * LTI Dynamic Registration, the tool's side: our link token is checked and used up, the platform's OpenID
 * configuration fetched and checked, our client registration POSTed to its registration endpoint (with its
 * registration token as a Bearer), and the platform registered from the answer (method 'dynamic'). Every failure
 * throws one of our errors with a message for the administrator, and nothing is registered.
 */
export async function registerDynamically(core: Core, config: { publicUrl: string; jwtSecret: string }, request: DynamicRegistrationRequest): Promise<LtiPlatformRow> {
  const by = await claimRegistrationLink(core, config.jwtSecret, request.linkToken);
  if (!request.openidConfiguration) throw new ValidationError('the platform sent no openid_configuration: start the registration from the LMS', { field: 'openid_configuration' });
  const platform = await fetchPlatformConfiguration(platformUrl(request.openidConfiguration, 'openid_configuration'));
  const answer = await postRegistration(platform.registrationEndpoint, toolRegistrationRequest(config.publicUrl), request.registrationToken);
  const settings: LtiPlatformSettings = {
    name: `${platform.productFamily} (${new URL(platform.issuer).host})`.slice(0, 200),
    issuer: platform.issuer,
    clientId: answer.clientId,
    deploymentIds: answer.deploymentId ? [answer.deploymentId] : [],
    authUrl: platform.authUrl,
    tokenUrl: platform.tokenUrl,
    jwksUrl: platform.jwksUrl,
  };
  return registerLtiPlatform(core, settings, 'dynamic', { id: by, role: 'admin' });
}

async function fetchPlatformConfiguration(url: URL): Promise<PlatformConfiguration> {
  const { status, json } = await callPlatform(url, { method: 'GET', headers: { accept: 'application/json' } }, 'openid_configuration');
  if (status !== 200 || !json) throw new ValidationError(`the platform's OpenID configuration answered ${status}${json ? '' : ' without a JSON object'}`);
  return checkPlatformConfiguration(json, url);
}

/** Checks an OpenID configuration as LTI Dynamic Registration 1.0 §3.4 asks a tool to. */
export function checkPlatformConfiguration(json: Record<string, unknown>, fetchedFrom: URL): PlatformConfiguration {
  if (typeof json.issuer !== 'string') throw new ValidationError("the platform's OpenID configuration has no issuer", { field: 'issuer' });
  const issuer = platformUrl(json.issuer, 'issuer');
  // A configuration may only speak for its own origin: else any site could register itself as someone else's LMS.
  if (issuer.origin !== fetchedFrom.origin) {
    throw new ValidationError(`the platform's issuer ${clip(json.issuer, 200)} is not on ${fetchedFrom.origin}, where its OpenID configuration came from`, { field: 'issuer' });
  }
  const algs = json.id_token_signing_alg_values_supported;
  if (!Array.isArray(algs) || !algs.includes('RS256')) {
    throw new ValidationError("the platform's id_token_signing_alg_values_supported does not include RS256", { field: 'id_token_signing_alg_values_supported' });
  }
  const lti = json[PLATFORM_CONFIGURATION];
  if (!lti || typeof lti !== 'object' || Array.isArray(lti)) {
    throw new ValidationError(`the platform's OpenID configuration has no ${PLATFORM_CONFIGURATION}: it is not an LTI platform`, { field: PLATFORM_CONFIGURATION });
  }
  const family = (lti as Record<string, unknown>).product_family_code;
  return {
    issuer: json.issuer,
    registrationEndpoint: platformUrl(json.registration_endpoint, 'registration_endpoint'),
    authUrl: asGiven(json.authorization_endpoint, 'authorization_endpoint'),
    tokenUrl: asGiven(json.token_endpoint, 'token_endpoint'),
    jwksUrl: asGiven(json.jwks_uri, 'jwks_uri'),
    productFamily: typeof family === 'string' && family.trim() ? clip(family.trim(), 100) : 'LMS',
  };
}

/** A URL checked by `platformUrl` and kept as the platform wrote it (normalising could change what launches compare). */
function asGiven(value: unknown, what: string): string {
  platformUrl(value, what);
  return String(value);
}

async function postRegistration(endpoint: URL, body: Record<string, unknown>, registrationToken: string | null): Promise<{ clientId: string; deploymentId: string | null }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (registrationToken) headers.authorization = `Bearer ${registrationToken}`;
  const { status, json } = await callPlatform(endpoint, { method: 'POST', headers, body: JSON.stringify(body) }, 'registration_endpoint');
  if (status < 200 || status > 299) {
    // RFC 7591 §3.2.2: the platform says why in error and error_description.
    const why = json ? [json.error, json.error_description].filter((v) => typeof v === 'string').map((v) => clip(v as string, 300)).join(': ') : '';
    throw new ValidationError(`the platform refused our registration (${status}${why ? `: ${why}` : ''})`);
  }
  if (!json || typeof json.client_id !== 'string' || !json.client_id.trim()) throw new ValidationError('the platform accepted our registration but gave no client_id');
  return { clientId: json.client_id.trim(), deploymentId: deploymentIdOf(json) };
}
