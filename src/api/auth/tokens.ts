import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader, decodeJwt, errors, jwtVerify, SignJWT } from 'jose';
import type { Actor, Role } from '../../domain/core/decider.js';
import { UnauthenticatedError, ValidationError } from '../../domain/core/errors.js';

const ISSUER = 'proctor';
const ROLES: readonly Role[] = ['admin', 'proctor', 'student', 'auditor', 'integrator'];

/**
 * A token that speaks for a test-taker's phone, not for the person: `mobile-link` may only connect the second camera
 * (the short-lived link behind the QR code); `mobile` may only publish and record that camera in that one session.
 */
export type Device = 'mobile-link' | 'mobile';

/**
 * Who a verified token says it speaks for. `sessionId` binds it to one session (an LMS link, a phone), `device` to a
 * phone; `version` is the account's token version when it was issued; `jti` names this token (single use where asked).
 * The role here is only what the token says: the account decides (see `ActorResolver`).
 */
export type TokenActor = Actor & {
  readonly expiresAt: Date;
  readonly device?: Device;
  readonly sessionId?: string;
  readonly version: number;
  readonly jti: string;
};

/** Signs and checks our own access tokens (HS256 with the server's secret). */
export class TokenService {
  private readonly key: Uint8Array;
  constructor(secret: string, private readonly ttlSeconds = 12 * 3600) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(
    actor: Actor,
    options: { sessionId?: string; ttlSeconds?: number; device?: Device; version?: number } = {},
  ): Promise<{ token: string; expiresAt: Date; jti: string }> {
    if (options.device && !options.sessionId) throw new Error('a device token is always for one session');
    const ttl = options.ttlSeconds ?? this.ttlSeconds;
    const expiresAt = new Date(Date.now() + ttl * 1000);
    // 96 random bits, short: the phone's link goes into a QR code, whose density grows with every character.
    const jti = randomBytes(12).toString('base64url');
    const jwt = new SignJWT({
      role: actor.role, ...(options.version ? { ver: options.version } : {}), ...(options.sessionId ? { sid: options.sessionId } : {}), ...(options.device ? { dev: options.device } : {}),
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setJti(jti)
      .setSubject(actor.id)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000));
    return { token: await jwt.sign(this.key), expiresAt, jti };
  }

  /** The actor a token speaks for; `UnauthenticatedError` for anything forged, expired or malformed. */
  async verify(token: string): Promise<TokenActor> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      const role = payload.role as Role;
      if (typeof payload.sub !== 'string' || !ROLES.includes(role) || typeof payload.exp !== 'number') throw new Error('bad claims');
      const expiresAt = new Date(payload.exp * 1000);
      const version = payload.ver === undefined ? 0 : payload.ver;
      if (!Number.isInteger(version)) throw new Error('bad version');
      if (payload.sid !== undefined && typeof payload.sid !== 'string') throw new Error('bad session claim');
      const base = { id: payload.sub, role, expiresAt, version: version as number, jti: typeof payload.jti === 'string' ? payload.jti : '' };
      const bound = typeof payload.sid === 'string' ? { ...base, sessionId: payload.sid } : base;
      if (payload.dev === undefined) return bound;
      if ((payload.dev !== 'mobile' && payload.dev !== 'mobile-link') || typeof payload.sid !== 'string') throw new Error('bad device claims');
      return { ...bound, device: payload.dev };
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new UnauthenticatedError('the sign-in has expired; sign in again');
      throw new UnauthenticatedError('the access token is not valid');
    }
  }
}

/** Claims of an LMS integration's session token (ProctorEdu-compatible names). */
export interface IntegrationClaims {
  readonly integration: string;
  readonly username: string;
  readonly nickname: string | null;
  readonly identifier: string;
  readonly subject: string;
  readonly timeout: number;
  readonly template: string | null;
  readonly metrics: string[] | null;
  readonly weights: Record<string, number> | null;
  readonly threshold: number | null;
  readonly url: string | null;
  readonly proctor: string | null;
  /** `schedule`: the test-taker books the time from the proctors' calendars. */
  readonly selfScheduling: boolean;
  /** `secondCamera`: the session asks for a phone as a second camera. */
  readonly secondCamera: boolean;
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
    timeout: num('timeout') ?? 60,
    template: str('template'),
    metrics: list('metrics'),
    weights: (weights as Record<string, number> | undefined) ?? null,
    threshold: num('threshold'),
    url: str('url'),
    proctor: str('proctor'),
    selfScheduling: bool('schedule'),
    secondCamera: bool('secondCamera'),
    jti: payload.jti,
    expiresAt: new Date(exp * 1000),
  };
}
