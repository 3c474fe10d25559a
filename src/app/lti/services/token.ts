import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { NotFoundError } from '../../../domain/core/errors.js';
import { getLtiPlatform } from '../../../projections/lti/projection.js';
import type { Core } from '../../core/core.js';
import { toolKeyring } from '../keys.js';
import { callService, describeAnswer, jsonObject, ServiceCallError } from '../http.js';

/** OAuth2 scopes of the LTI Advantage services we call. */
export const SCOPES = {
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  memberships: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
  control: 'https://purl.imsglobal.org/spec/lti-ap/scope/control.all',
} as const;

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** The assertion lives long enough to cross a slow network, never more (the Security Framework asks for short). */
const ASSERTION_SECONDS = 300;
/** A cached token is given up this long (or a tenth of its life, if shorter) before it expires: no call carries a dying one. */
const EXPIRY_MARGIN_MS = 60_000;

interface Cached {
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * Access tokens for a platform's services (1EdTech Security Framework 1.0 §4.1: the client-credentials grant with a
 * JWT client assertion signed by our current key). One token per platform and set of scopes, kept until shortly
 * before it expires; concurrent callers share one request. Tokens are secrets: they are never logged or recorded,
 * and errors say what the platform answered, not what we sent.
 */
export class ServiceTokens {
  private readonly cache = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<Cached>>();

  constructor(
    private readonly core: Core,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  /** A Bearer token for `scopes` at the platform `platformId`; throws `ServiceCallError` when the platform refuses. */
  async token(platformId: string, scopes: readonly string[]): Promise<string> {
    const key = `${platformId}\u0000${[...scopes].sort().join(' ')}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > this.clock()) return cached.token;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.request(platformId, scopes).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const fresh = await pending;
    this.cache.set(key, fresh);
    return fresh.token;
  }

  /** Forgets the token for these scopes (the platform answered 401 to it: revoked or its clock differs). */
  forget(platformId: string, scopes: readonly string[]): void {
    this.cache.delete(`${platformId}\u0000${[...scopes].sort().join(' ')}`);
  }

  private async request(platformId: string, scopes: readonly string[]): Promise<Cached> {
    const platform = await getLtiPlatform(this.core.db, platformId);
    if (!platform || platform.removed) throw new NotFoundError(`the LMS platform ${platformId} is not registered`);
    const signer = await toolKeyring(this.core).signer();
    const now = Math.floor(this.clock() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ: 'JWT' })
      .setIssuer(platform.clientId)
      .setSubject(platform.clientId)
      .setAudience(platform.tokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_SECONDS)
      .setJti(randomUUID())
      .sign(signer.key);
    const body = new URLSearchParams({
      grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, scope: scopes.join(' '),
    }).toString();
    const res = await callService(platform.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body });
    const answer = jsonObject(res.body);
    const token = answer?.access_token;
    if (res.status !== 200 || typeof token !== 'string' || !token) {
      throw new ServiceCallError(`the token endpoint refused: ${res.status === 200 ? 'no access_token in its answer' : describeAnswer(res)}`, res.status);
    }
    const seconds = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 3600;
    return { token, expiresAt: this.clock() + seconds * 1000 - Math.min(EXPIRY_MARGIN_MS, seconds * 100) };
  }
}

const shared = new WeakMap<Core, ServiceTokens>();

/** The node's token cache for `core`: every caller (the worker, the course-members query) shares its tokens. */
export function serviceTokens(core: Core): ServiceTokens {
  let tokens = shared.get(core);
  if (!tokens) shared.set(core, (tokens = new ServiceTokens(core)));
  return tokens;
}
