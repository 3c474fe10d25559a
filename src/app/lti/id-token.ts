import { compactVerify, decodeProtectedHeader, errors, type JWTVerifyGetKey } from 'jose';
import { UnauthenticatedError, ValidationError } from '../../domain/core/errors.js';
import { getLtiPlatform, type LtiPlatformRow } from '../../projections/lti/projection.js';
import type { Core } from '../core/core.js';
import { readLaunchClaims, type LaunchClaims } from './claims.js';
import type { PlatformKeySets } from './platform-jwks.js';
import { cookieName, matchesBrowser, type LoginState, type LoginStates } from './state.js';

/** How far a platform's clock may be from ours (exp, iat). */
export const CLOCK_SKEW_S = 60;

/** What the launch endpoint received: the form post, the cookies, and what the storage page read back (if it ran). */
export interface LaunchInput {
  readonly idToken: string | undefined;
  readonly state: string | undefined;
  readonly cookies: Readonly<Record<string, string>>;
  readonly stored?: { readonly state: string; readonly nonce: string } | null;
}

/** A launch that passed every check, its nonce used up. `binding` says how the state was tied to the browser (see state.ts). */
export interface VerifiedLaunch {
  readonly platform: LtiPlatformRow;
  readonly claims: LaunchClaims;
  readonly binding: 'cookie' | 'storage';
}

/** What verification needs besides the core. */
export interface LaunchVerifier {
  readonly states: LoginStates;
  readonly keys: PlatformKeySets;
}

/** Why a launch bound to the browser neither by its cookie nor by platform storage is refused (see state.ts). */
export const UNBOUND_LAUNCH = 'This browser did not send back the cookie that ties the launch to it (cookies are blocked for this tool here), '
  + 'so the launch cannot be told apart from one started in someone else\'s browser and was refused.';

const unauthenticated = (message: string): never => {
  throw new UnauthenticatedError(message);
};

/**
 * Verifies an LTI 1.3 launch (1EdTech Security Framework §5.1.3, LTI 1.3 Core §5.1.2): the state is ours, unexpired
 * and bound to this browser (by its cookie or by platform storage, else refused as `UNBOUND_LAUNCH`); the id_token is RS256, signed by a key the platform's JWKS publishes under its `kid`, issued by
 * the registered issuer for our client id, current, with the login's nonce; its LTI claims are complete; and its nonce
 * has not been used. Throws `ValidationError` or `UnauthenticatedError` with a message for the platform's
 * administrator; writes nothing but the used nonce.
 */
export async function verifyLaunch(core: Core, verifier: LaunchVerifier, input: LaunchInput): Promise<VerifiedLaunch> {
  if (!input.idToken) throw new ValidationError('The launch has no id_token: the platform must post the id_token and state to this address.');
  if (!input.state) throw new ValidationError('The launch has no state: the platform must post back the state this tool sent at login.');
  const now = core.now();
  const login = verifier.states.open(input.state, now);
  const binding = bindingOf(login, input);
  const platform = await getLtiPlatform(core.db, login.platformId);
  if (!platform || platform.removed) unauthenticated('The platform this launch comes from is no longer registered with this tool.');
  const payload = await verifiedPayload(input.idToken, verifier.keys.forPlatform(platform!.platformId, platform!.jwksUrl), platform!);
  checkRegisteredClaims(payload, platform!, login, now);
  const claims = readLaunchClaims(payload);
  if (!platform!.deploymentIds.includes(claims.deploymentId)) {
    throw new ValidationError(`The deployment id ${JSON.stringify(claims.deploymentId)} is not registered for the platform "${platform!.name}"; an administrator adds it to the platform's deployments.`);
  }
  const until = new Date(Math.max(login.expiresAt.getTime(), (payload.exp as number) * 1000 + CLOCK_SKEW_S * 1000));
  if (!(await core.claims.claim(`lti-nonce:${platform!.platformId}:${login.nonce}`, until))) {
    unauthenticated('This launch was used already (its nonce was seen before). A launch works once: start it again from the course page.');
  }
  return { platform: platform!, claims, binding };
}

function bindingOf(login: LoginState, input: LaunchInput): VerifiedLaunch['binding'] {
  const secret = input.cookies[cookieName(input.state!)];
  if (secret !== undefined) {
    if (!matchesBrowser(login, secret)) unauthenticated('The launch\'s state does not match the one this browser started (state mismatch). Start the launch again from the course page.');
    return 'cookie';
  }
  if (input.stored) {
    if (input.stored.state !== input.state || input.stored.nonce !== login.nonce) {
      unauthenticated('The launch\'s state does not match the one stored in the platform\'s window (state mismatch). Start the launch again from the course page.');
    }
    return 'storage';
  }
  return unauthenticated(UNBOUND_LAUNCH);
}

async function verifiedPayload(idToken: string, keys: JWTVerifyGetKey, platform: LtiPlatformRow): Promise<Record<string, unknown>> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(idToken);
  } catch {
    return unauthenticated('The id_token is not a signed JWT.');
  }
  if (header.alg !== 'RS256') unauthenticated(`The id_token is signed with ${JSON.stringify(header.alg ?? null)}; LTI 1.3 accepts RS256 only.`);
  if (!header.kid) unauthenticated('The id_token\'s header names no key (kid); the platform must say which of its published keys signed it.');
  let bytes: Uint8Array;
  try {
    bytes = (await compactVerify(idToken, keys, { algorithms: ['RS256'] })).payload;
  } catch (error) {
    if (error instanceof errors.JWKSNoMatchingKey) {
      return unauthenticated(`The id_token is signed with the key ${JSON.stringify(header.kid)}, which the platform's key set (${platform.jwksUrl}) does not publish.`);
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return unauthenticated(`The id_token's signature does not verify with the platform's key ${JSON.stringify(header.kid)}: it was altered or signed by someone else.`);
    }
    if (error instanceof errors.JOSEError && !(error instanceof errors.JWSInvalid)) {
      return unauthenticated(`The platform's key set could not be read from ${platform.jwksUrl}; check the JWKS URL registered for "${platform.name}".`);
    }
    return unauthenticated('The id_token could not be verified (it is not a well-formed signed JWT).');
  }
  try {
    const payload = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) return payload as Record<string, unknown>;
  } catch {
    // refused below
  }
  return unauthenticated('The id_token\'s claims are not a JSON object.');
}

function checkRegisteredClaims(c: Record<string, unknown>, platform: LtiPlatformRow, login: LoginState, now: Date): void {
  if (c.iss !== platform.issuer) unauthenticated(`The id_token's issuer (iss) ${JSON.stringify(c.iss ?? null)} is not the registered issuer ${JSON.stringify(platform.issuer)}.`);
  const aud = c.aud;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(platform.clientId)) unauthenticated(`The id_token's audience (aud) does not include this tool's client id ${JSON.stringify(platform.clientId)}.`);
  if (Array.isArray(aud) && c.azp === undefined) unauthenticated('The id_token has several audiences (aud is a list) but no authorized party (azp); it must name this tool\'s client id.');
  if (c.azp !== undefined && c.azp !== platform.clientId) unauthenticated(`The id_token's authorized party (azp) ${JSON.stringify(c.azp)} is not this tool's client id.`);
  const seconds = now.getTime() / 1000;
  if (typeof c.exp !== 'number') unauthenticated('The id_token has no expiry time (exp).');
  if (seconds > (c.exp as number) + CLOCK_SKEW_S) unauthenticated('The id_token has expired (exp is in the past). Check the platform\'s clock, or start the launch again.');
  if (typeof c.iat !== 'number') unauthenticated('The id_token has no issue time (iat).');
  if ((c.iat as number) > seconds + CLOCK_SKEW_S) unauthenticated('The id_token was issued in the future (iat); check the platform\'s clock.');
  if (typeof c.nonce !== 'string' || !c.nonce) unauthenticated('The id_token has no nonce; the platform must copy the nonce this tool sent at login.');
  if (c.nonce !== login.nonce) unauthenticated('The id_token\'s nonce is not the one this login sent (a launch of another login).');
}
