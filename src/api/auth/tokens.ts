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

/** Who a verified token speaks for. `device` and `sessionId` narrow a phone's token to one session. */
export type TokenActor = Actor & { readonly expiresAt: Date; readonly device?: Device; readonly sessionId?: string };

/** Signs and checks our own access tokens (HS256 with the server's secret). */
export class TokenService {
  private readonly key: Uint8Array;
  constructor(secret: string, private readonly ttlSeconds = 12 * 3600) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(actor: Actor, options: { sessionId?: string; ttlSeconds?: number; device?: Device } = {}): Promise<{ token: string; expiresAt: Date }> {
    if (options.device && !options.sessionId) throw new Error('a device token is always for one session');
    const ttl = options.ttlSeconds ?? this.ttlSeconds;
    const expiresAt = new Date(Date.now() + ttl * 1000);
    const jwt = new SignJWT({ role: actor.role, ...(options.sessionId ? { sid: options.sessionId } : {}), ...(options.device ? { dev: options.device } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(actor.id)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000));
    return { token: await jwt.sign(this.key), expiresAt };
  }

  /** The actor a token speaks for; `UnauthenticatedError` for anything forged, expired or malformed. */
  async verify(token: string): Promise<TokenActor> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      const role = payload.role as Role;
      if (typeof payload.sub !== 'string' || !ROLES.includes(role) || typeof payload.exp !== 'number') throw new Error('bad claims');
      const expiresAt = new Date(payload.exp * 1000);
      if (payload.dev === undefined) return { id: payload.sub, role, expiresAt };
      if ((payload.dev !== 'mobile' && payload.dev !== 'mobile-link') || typeof payload.sid !== 'string') throw new Error('bad device claims');
      return { id: payload.sub, role, expiresAt, device: payload.dev, sessionId: payload.sid };
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
}

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

export async function verifyIntegrationToken(token: string, integration: string, secret: string): Promise<IntegrationClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'], requiredClaims: ['exp'] }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new UnauthenticatedError('the integration token has expired');
    throw new UnauthenticatedError('the integration token signature or claims are not valid');
  }
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
  };
}
