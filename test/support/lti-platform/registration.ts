import { isHttpUrl, isObject } from './http.js';
import { ALL_SCOPES, PLATFORM_MESSAGE_TYPES } from './vocabulary.js';

const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';

/** A tool's client registration request, checked (LTI Dynamic Registration 1.0 §3.5 and OIDC Dynamic Client Registration). */
export interface CheckedToolRequest {
  loginUrl: string;
  redirectUris: string[];
  jwksUrl: string;
  targetLinkUri: string;
  scopes: string[];
}

/** The RFC 7591 error for a request a platform must refuse, or the parts it registers. */
export function checkToolRegistration(b: Record<string, unknown>): CheckedToolRequest | { error: string; description: string } {
  const bad = (description: string, error = 'invalid_client_metadata') => ({ error, description });
  if (b.application_type !== 'web') return bad('application_type must be "web"');
  if (!sameSet(b.response_types, ['id_token'])) return bad('response_types must be ["id_token"]');
  if (!Array.isArray(b.grant_types) || !b.grant_types.includes('implicit') || !b.grant_types.includes('client_credentials')) return bad('grant_types must include "implicit" and "client_credentials"');
  if (!isHttpUrl(b.initiate_login_uri)) return bad('initiate_login_uri must be a URL');
  if (!Array.isArray(b.redirect_uris) || !b.redirect_uris.length || !b.redirect_uris.every(isHttpUrl)) return bad('redirect_uris must be a non-empty list of URLs', 'invalid_redirect_uri');
  if (typeof b.client_name !== 'string' || !b.client_name.trim()) return bad('client_name is required');
  if (!isHttpUrl(b.jwks_uri)) return bad('jwks_uri must be a URL');
  if (b.token_endpoint_auth_method !== 'private_key_jwt') return bad('token_endpoint_auth_method must be "private_key_jwt"');
  if (b.scope !== undefined && typeof b.scope !== 'string') return bad('scope must be a space-separated string');
  const conf = b[TOOL_CONFIGURATION];
  if (!isObject(conf)) return bad(`${TOOL_CONFIGURATION} is required`);
  if (typeof conf.domain !== 'string' || !conf.domain) return bad('lti-tool-configuration.domain is required');
  if (!isHttpUrl(conf.target_link_uri)) return bad('lti-tool-configuration.target_link_uri must be a URL');
  if (conf.claims !== undefined && !(Array.isArray(conf.claims) && conf.claims.every((c) => typeof c === 'string'))) return bad('lti-tool-configuration.claims must be a list of strings');
  if (conf.messages !== undefined) {
    if (!Array.isArray(conf.messages)) return bad('lti-tool-configuration.messages must be a list');
    for (const m of conf.messages) {
      if (!isObject(m) || typeof m.type !== 'string') return bad('every message needs a type');
      if (m.target_link_uri !== undefined && !isHttpUrl(m.target_link_uri)) return bad(`message ${m.type}: target_link_uri must be a URL`);
    }
  }
  const domainHost = conf.domain.split(':')[0];
  const hosts = [b.initiate_login_uri, ...b.redirect_uris, conf.target_link_uri].map((u) => new URL(u as string).hostname);
  if (hosts.some((h) => h !== domainHost)) return bad(`login, redirect and target URLs must be on the domain ${conf.domain}`);
  return {
    loginUrl: b.initiate_login_uri,
    redirectUris: b.redirect_uris as string[],
    jwksUrl: b.jwks_uri,
    targetLinkUri: conf.target_link_uri,
    // A platform grants what it offers among what was asked; an unknown scope is not an error.
    scopes: ((b.scope as string | undefined) ?? '').split(' ').filter((s) => ALL_SCOPES.includes(s)),
  };
}

/** The platform's answer: the registration echoed with the client_id and, in the tool configuration, the deployment. */
export function registrationResponse(b: Record<string, unknown>, clientId: string, deploymentId: string, scopes: string[]): Record<string, unknown> {
  const conf = b[TOOL_CONFIGURATION] as Record<string, unknown>;
  return { ...b, client_id: clientId, scope: scopes.join(' '), [TOOL_CONFIGURATION]: { ...conf, deployment_id: deploymentId } };
}

function sameSet(v: unknown, expected: string[]): boolean {
  return Array.isArray(v) && v.length === expected.length && expected.every((e) => v.includes(e));
}

/** The platform's OpenID configuration with the LTI platform configuration (Dynamic Registration 1.0 §3.4). */
export function openidConfiguration(issuer: string, e: { authorization: string; token: string; jwks: string; registration: string }): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: e.authorization,
    token_endpoint: e.token,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256'],
    jwks_uri: e.jwks,
    registration_endpoint: e.registration,
    scopes_supported: ['openid', ...ALL_SCOPES],
    response_types_supported: ['id_token'],
    subject_types_supported: ['public', 'pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: ['sub', 'iss', 'name', 'given_name', 'family_name', 'email', 'picture', 'locale'],
    'https://purl.imsglobal.org/spec/lti-platform-configuration': {
      product_family_code: 'proctor-test-lms',
      version: '1.0',
      messages_supported: PLATFORM_MESSAGE_TYPES.map((type) => ({ type })),
      variables: [],
    },
  };
}
