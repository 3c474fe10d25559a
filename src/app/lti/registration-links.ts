import { createHmac, randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { UnauthenticatedError } from '../../domain/core/errors.js';
import type { Core } from '../core/core.js';
import { toolUrls } from './tool.js';

/** How long a dynamic-registration link may be pasted into an LMS. */
export const REGISTRATION_LINK_TTL_MS = 24 * 3600_000;

const AUDIENCE = 'lti-dynamic-registration';

/** A link an administrator pastes into the LMS, and until when it works. */
export interface RegistrationLink {
  readonly url: string;
  readonly expiresAt: Date;
}

/**
 * The key of registration links: derived from the JWT secret with a label of its own, so a link can never pass for a
 * sign-in token (nor a sign-in token for a link).
 */
function linkKey(jwtSecret: string): Uint8Array {
  return new Uint8Array(createHmac('sha256', jwtSecret).update('lti dynamic registration link').digest());
}

/** A signed, single-use dynamic-registration URL valid for 24 hours, made for `by`. */
export async function createRegistrationLink(config: { publicUrl: string; jwtSecret: string }, by: string, now: Date): Promise<RegistrationLink> {
  const expiresAt = new Date(now.getTime() + REGISTRATION_LINK_TTL_MS);
  const token = await new SignJWT({ by })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(AUDIENCE)
    .setJti(randomUUID())
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(linkKey(config.jwtSecret));
  const url = new URL(toolUrls(config.publicUrl).registrationUrl);
  url.searchParams.set('t', token);
  return { url: url.toString(), expiresAt };
}

/**
 * Checks a link's token and uses it up: answers the administrator who made it. A link works once, whatever the
 * outcome of the registration it starts, so a copied link cannot register a second platform.
 */
export async function claimRegistrationLink(core: Core, jwtSecret: string, token: string | null): Promise<string> {
  if (!token) throw new UnauthenticatedError('this registration URL has no token: make a new one on the LMS page');
  let payload;
  try {
    ({ payload } = await jwtVerify(token, linkKey(jwtSecret), { audience: AUDIENCE, algorithms: ['HS256'], requiredClaims: ['exp', 'jti'], currentDate: core.now() }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new UnauthenticatedError('this registration URL has expired: make a new one on the LMS page');
    throw new UnauthenticatedError('this registration URL is not one of ours: make a new one on the LMS page');
  }
  if (!(await core.claims.claim(`lti-registration:${payload.jti}`, new Date(payload.exp! * 1000)))) {
    throw new UnauthenticatedError('this registration URL was used already: make a new one on the LMS page');
  }
  return typeof payload.by === 'string' ? payload.by : 'admin';
}
