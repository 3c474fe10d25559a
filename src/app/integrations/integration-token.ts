import { decodeProtectedHeader, decodeJwt, errors, jwtVerify } from 'jose';
import { UnauthenticatedError, ValidationError } from '../../domain/core/errors.js';

/** Claims of an LMS integration's session token (ProctorEdu-compatible names). */
export interface IntegrationClaims {
  readonly integration: string;
  readonly username: string;
  readonly nickname: string | null;
  readonly identifier: string;
  readonly subject: string;
  /** Minutes; null when not given (the template's duration, else 60). */
  readonly timeout: number | null;
  readonly template: string | null;
  readonly metrics: string[] | null;
  readonly weights: Record<string, number> | null;
  readonly threshold: number | null;
  readonly url: string | null;
  readonly proctor: string | null;
  /** `schedule`: the test-taker books the time from the proctors' calendars. */
  readonly selfScheduling: boolean;
  /** `secondCamera`: the session asks for a phone as a second camera; null when not given (the template says, else no). */
  readonly secondCamera: boolean | null;
  /** The token's own id: each token opens a link once. */
  readonly jti: string;
  readonly expiresAt: Date;
}

/** How far ahead an LMS token may expire: a link is signed as the test-taker opens it, not days before. */
export const MAX_INTEGRATION_TOKEN_SECONDS = 10 * 60;
/** Clock difference tolerated between the LMS and us. */
const CLOCK_SKEW_SECONDS = 60;

/**
 * Reads which integration signed a token without trusting it yet (`iss`, or the `kid` header), so the caller can
 * fetch that integration's secret and then `verifyIntegrationToken`.
 */
export function integrationOf(token: string): string {
  try {
    const header = decodeProtectedHeader(token);
    const claims = decodeJwt(token);
    const name = (typeof claims.iss === 'string' && claims.iss) || (typeof header.kid === 'string' && header.kid);
    if (!name) throw new Error('no issuer');
    return name;
  } catch {
    throw new UnauthenticatedError('the integration token is malformed or names no integration (iss)');
  }
}

/**
 * Checks an LMS integration's token with the integration's secret (HS256) and reads its claims: it must carry a `jti`,
 * must not have expired, and may expire at most `MAX_INTEGRATION_TOKEN_SECONDS` ahead (`UnauthenticatedError`
 * otherwise); a claim of the wrong shape is a `ValidationError`.
 */
export async function verifyIntegrationToken(token: string, integration: string, secret: string, now = new Date()): Promise<IntegrationClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'], requiredClaims: ['exp', 'jti'], currentDate: now, clockTolerance: CLOCK_SKEW_SECONDS }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new UnauthenticatedError('the integration token has expired');
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'jti') throw new UnauthenticatedError('the integration token has no jti (a unique id for each token)');
    throw new UnauthenticatedError('the integration token signature or claims are not valid');
  }
  const seconds = Math.floor(now.getTime() / 1000);
  const exp = payload.exp as number;
  if (exp > seconds + MAX_INTEGRATION_TOKEN_SECONDS + CLOCK_SKEW_SECONDS) {
    throw new UnauthenticatedError(`the integration token expires more than ${MAX_INTEGRATION_TOKEN_SECONDS / 60} minutes ahead; sign each link when it is opened`);
  }
  if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > seconds + CLOCK_SKEW_SECONDS)) {
    throw new UnauthenticatedError('the integration token was issued in the future (iat): check the LMS clock');
  }
  if (typeof payload.jti !== 'string' || !payload.jti || payload.jti.length > 200) throw new UnauthenticatedError('the integration token jti must be a string of at most 200 characters');
  return claimsOf(payload, integration, payload.jti, exp);
}

/** The token's claims, read with ProctorEdu's lenience (numbers as strings, lists as comma-separated text). */
function claimsOf(payload: Record<string, unknown>, integration: string, jti: string, exp: number): IntegrationClaims {
  const str = (key: string, required = false): string | null => {
    const v = payload[key];
    if (v === undefined || v === null || v === '') {
      if (required) throw new ValidationError(`the integration token has no ${key}`);
      return null;
    }
    if (typeof v !== 'string' && typeof v !== 'number') throw new ValidationError(`the integration token's ${key} is not a string`);
    return String(v);
  };
  const list = (key: string): string[] | null => {
    const v = payload[key];
    if (v === undefined || v === null) return null;
    if (typeof v === 'string') return v.split(/[,\s]+/).filter(Boolean);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    throw new ValidationError(`the integration token's ${key} is not a list of metric codes`);
  };
  const num = (key: string): number | null => {
    const v = payload[key];
    if (v === undefined || v === null) return null;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new ValidationError(`the integration token's ${key} is not a number`);
    return n;
  };
  const bool = (key: string): boolean => {
    const v = payload[key];
    if (v === undefined || v === null || v === false || v === 'false' || v === 0 || v === '0') return false;
    if (v === true || v === 'true' || v === 1 || v === '1') return true;
    throw new ValidationError(`the integration token's ${key} is not true or false`);
  };
  const weights = payload.weights;
  if (weights !== undefined && (typeof weights !== 'object' || weights === null || Array.isArray(weights))) {
    throw new ValidationError('the integration token\'s weights must be an object of metric code to number');
  }
  return {
    integration,
    username: str('username', true)!,
    nickname: str('nickname'),
    identifier: str('identifier', true)!,
    subject: str('subject') ?? str('identifier', true)!,
    timeout: num('timeout'),
    template: str('template'),
    metrics: list('metrics'),
    weights: (weights as Record<string, number> | undefined) ?? null,
    threshold: num('threshold'),
    url: str('url'),
    proctor: str('proctor'),
    selfScheduling: bool('schedule'),
    secondCamera: payload.secondCamera === undefined || payload.secondCamera === null ? null : bool('secondCamera'),
    jti,
    expiresAt: new Date(exp * 1000),
  };
}
