import { randomUUID } from 'node:crypto';
import { bearer, json, oauthError, type Reply, type Request } from './http.js';
import { refusalReason, unverifiedIssuer, type ToolKeys } from './tool-jwt.js';
import type { ToolRegistration } from './types.js';

const TOKEN_LIFETIME = 3600;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** An access token the platform issued. */
export interface AccessToken {
  clientId: string;
  scopes: readonly string[];
  expiresAt: number;
}

/**
 * The OAuth2 client-credentials grant with a JWT client assertion (1EdTech Security Framework 1.0 §4.1, RFC 7523):
 * the assertion is verified against the tool's JWKS, `iss` = `sub` = client_id, `aud` the token endpoint, `jti` once.
 */
export class TokenEndpoint {
  readonly tokens = new Map<string, AccessToken>();
  private readonly usedJti = new Set<string>();

  constructor(
    private readonly url: string,
    private readonly keys: ToolKeys,
    private readonly registrations: () => readonly ToolRegistration[],
  ) {}

  async handle(req: Request): Promise<Reply> {
    if (req.method !== 'POST') return oauthError(405, 'invalid_request', 'the token endpoint takes POST');
    const p = req.params;
    if (p.get('grant_type') !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', `grant_type ${p.get('grant_type')} is not client_credentials`);
    if (p.get('client_assertion_type') !== ASSERTION_TYPE) return oauthError(400, 'invalid_request', `client_assertion_type must be ${ASSERTION_TYPE}`);
    const assertion = p.get('client_assertion');
    if (!assertion) return oauthError(400, 'invalid_request', 'client_assertion is missing');
    const clientId = unverifiedIssuer(assertion);
    const registration = this.registrations().find((r) => r.clientId === clientId);
    if (!registration) return oauthError(401, 'invalid_client', `no tool registered with client_id ${clientId}`);
    let jti: string;
    try {
      const { payload } = await this.keys.verify(registration, assertion, { issuer: registration.clientId, audience: this.url });
      if (payload.sub !== registration.clientId) throw new Error(`sub ${payload.sub} is not the client_id`);
      if (typeof payload.jti !== 'string' || !payload.jti) throw new Error('jti is missing');
      jti = payload.jti;
    } catch (e) {
      return oauthError(401, 'invalid_client', `client_assertion refused: ${refusalReason(e)}`);
    }
    if (this.usedJti.has(`${clientId} ${jti}`)) return oauthError(401, 'invalid_client', `client_assertion jti ${jti} was already used`);
    this.usedJti.add(`${clientId} ${jti}`);
    const asked = (p.get('scope') ?? '').split(' ').filter(Boolean);
    if (!asked.length) return oauthError(400, 'invalid_scope', 'scope is missing');
    const refused = asked.filter((s) => !registration.scopes.includes(s));
    if (refused.length) return oauthError(400, 'invalid_scope', `scope not granted to this tool: ${refused.join(' ')}`);
    const token = randomUUID();
    this.tokens.set(token, { clientId: registration.clientId, scopes: asked, expiresAt: Date.now() + TOKEN_LIFETIME * 1000 });
    return json(200, { access_token: token, token_type: 'Bearer', expires_in: TOKEN_LIFETIME, scope: asked.join(' ') }, `ok: token for ${clientId} (${asked.join(' ')})`);
  }

  /** The token of a service request if it is valid and carries one of `scopes`; else the 401/403 answer. */
  authorize(req: Request, scopes: readonly string[]): AccessToken | Reply {
    const token = bearer(req.headers);
    const found = token ? this.tokens.get(token) : undefined;
    if (!found || found.expiresAt < Date.now()) {
      return { ...oauthError(401, 'invalid_token', token ? 'unknown or expired access token' : 'no Bearer token'), headers: { 'www-authenticate': 'Bearer', 'content-type': 'application/json' } };
    }
    if (!scopes.some((s) => found.scopes.includes(s))) return oauthError(403, 'insufficient_scope', `needs one of: ${scopes.join(' ')}`);
    return found;
  }
}

export function isReply(v: AccessToken | Reply): v is Reply {
  return 'status' in v;
}
