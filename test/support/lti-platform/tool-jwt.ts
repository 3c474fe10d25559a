import { isDeepStrictEqual } from 'node:util';
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload, type JWTVerifyResult } from 'jose';
import type { PreparedLaunch, ToolMessageRecord, ToolRegistration } from './types.js';
import { CLAIM } from './vocabulary.js';

const CLOCK_TOLERANCE = 5;

/**
 * The tools' JWKS, fetched over HTTP from their registered URL; jose's remote set caches it and refetches when a
 * token names a kid it has not seen.
 */
export class ToolKeys {
  private readonly sets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  /** Verifies a JWT signed by the tool (RS256 only), with the registered claims checks given. */
  async verify(registration: ToolRegistration, jwt: string, options: { issuer: string; audience: string }): Promise<JWTVerifyResult> {
    let set = this.sets.get(registration.jwksUrl);
    if (!set) {
      set = createRemoteJWKSet(new URL(registration.jwksUrl), { cooldownDuration: 0 });
      this.sets.set(registration.jwksUrl, set);
    }
    const result = await jwtVerify(jwt, set, { algorithms: ['RS256'], issuer: options.issuer, audience: options.audience, clockTolerance: CLOCK_TOLERANCE, requiredClaims: ['exp', 'iat'] });
    if (typeof result.payload.iat === 'number' && result.payload.iat > Date.now() / 1000 + CLOCK_TOLERANCE) throw new Error('iat is in the future');
    return result;
  }
}

/** The reason a jose or our own check refused a JWT, for the record. */
export function refusalReason(e: unknown): string {
  if (e instanceof errors.JWTClaimValidationFailed) return `claim ${e.claim}: ${e.message}`;
  if (e instanceof errors.JOSEError) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** The `iss` of a JWT before verification (to find its registration), or undefined. */
export function unverifiedIssuer(jwt: string): string | undefined {
  try {
    const iss = decodeJwt(jwt).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/** The checks common to tool-to-platform messages (LTI 1.3 Core §5.4 read the other way round). */
function checkCommon(claims: JWTPayload, launch: PreparedLaunch, messageType: string, usedNonces: Set<string>): void {
  if (typeof claims.nonce !== 'string' || !claims.nonce) throw new Error('nonce is missing');
  if (usedNonces.has(claims.nonce)) throw new Error('nonce was already used');
  usedNonces.add(claims.nonce);
  if (claims[CLAIM.messageType] !== messageType) throw new Error(`message_type is ${JSON.stringify(claims[CLAIM.messageType])}, not ${messageType}`);
  if (claims[CLAIM.version] !== '1.3.0') throw new Error(`version is ${JSON.stringify(claims[CLAIM.version])}, not 1.3.0`);
  if (claims[CLAIM.deploymentId] !== launch.deploymentId) throw new Error(`deployment_id is ${JSON.stringify(claims[CLAIM.deploymentId])}, not ${launch.deploymentId}`);
}

function mustEcho(claims: JWTPayload, name: string, sent: unknown): void {
  if (!isDeepStrictEqual(claims[name], sent)) throw new Error(`${name} is ${JSON.stringify(claims[name])}, not the ${JSON.stringify(sent)} sent`);
}

/** Verifies an LtiStartAssessment against the LtiStartProctoring launch it answers (LTI Proctoring Services 1.0 §4.3). */
export async function verifyStartAssessment(keys: ToolKeys, issuer: string, launch: PreparedLaunch, jwt: string, usedNonces: Set<string>): Promise<ToolMessageRecord> {
  try {
    const { payload, protectedHeader } = await keys.verify(launch.registration, jwt, { issuer: launch.registration.clientId, audience: issuer });
    checkCommon(payload, launch, 'LtiStartAssessment', usedNonces);
    const sent = launch.issued?.claims ?? {};
    mustEcho(payload, CLAIM.resourceLink, sent[CLAIM.resourceLink]);
    mustEcho(payload, CLAIM.sessionData, sent[CLAIM.sessionData]);
    mustEcho(payload, CLAIM.attemptNumber, sent[CLAIM.attemptNumber]);
    const verified = payload[CLAIM.verifiedUser];
    if (verified !== undefined && (typeof verified !== 'object' || verified === null || Array.isArray(verified))) throw new Error('verified_user is not an object');
    const endReturn = payload[CLAIM.endAssessmentReturn];
    if (endReturn !== undefined && typeof endReturn !== 'boolean') throw new Error('end_assessment_return is not a boolean');
    return { launchId: launch.id, valid: true, header: protectedHeader, claims: payload };
  } catch (e) {
    return { launchId: launch.id, valid: false, reason: refusalReason(e) };
  }
}

/** Verifies an LtiDeepLinkingResponse against its request (Deep Linking 2.0 §4.2). */
export async function verifyDeepLinkingResponse(keys: ToolKeys, issuer: string, launch: PreparedLaunch, jwt: string, usedNonces: Set<string>): Promise<ToolMessageRecord> {
  try {
    const { payload, protectedHeader } = await keys.verify(launch.registration, jwt, { issuer: launch.registration.clientId, audience: issuer });
    checkCommon(payload, launch, 'LtiDeepLinkingResponse', usedNonces);
    if (launch.deepLinkData !== undefined) mustEcho(payload, CLAIM.deepLinkingData, launch.deepLinkData);
    const items = payload[CLAIM.deepLinkingContentItems];
    if (items !== undefined && !Array.isArray(items)) throw new Error('content_items is not an array');
    return { launchId: launch.id, valid: true, header: protectedHeader, claims: payload };
  } catch (e) {
    return { launchId: launch.id, valid: false, reason: refusalReason(e) };
  }
}
