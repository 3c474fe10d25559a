/**
 * What we are to an LMS: the URLs a platform administrator types in (or that dynamic registration sends), the scopes we
 * ask for and the messages we take. One place, so the LMS page, dynamic registration and the launch agree.
 */

/** The scopes we ask a platform for: AGS line items, scores and results, NRPS, and LTI-PS Assessment Control. */
export const TOOL_SCOPES = [
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
  'https://purl.imsglobal.org/spec/lti-ap/scope/control.all',
] as const;

/** The product name a platform shows for us. */
export const TOOL_NAME = 'Proctor';

/** Our endpoints under `publicUrl`. */
export interface ToolUrls {
  /** Our issuer as a tool: the address platforms know us by (also the `domain` and the target link). */
  readonly toolUrl: string;
  readonly loginUrl: string;
  readonly launchUrl: string;
  readonly deepLinkingUrl: string;
  readonly jwksUrl: string;
  readonly registrationUrl: string;
  readonly logoUrl: string;
}

export function toolUrls(publicUrl: string): ToolUrls {
  const base = publicUrl.replace(/\/+$/, '');
  return {
    toolUrl: base,
    loginUrl: `${base}/lti/login`,
    launchUrl: `${base}/lti/launch`,
    // Deep linking comes through the same OIDC flow and lands on the same launch URL; its message type tells it apart.
    deepLinkingUrl: `${base}/lti/launch`,
    jwksUrl: `${base}/.well-known/jwks.json`,
    registrationUrl: `${base}/lti/register`,
    logoUrl: `${base}/logo.svg`,
  };
}

const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';

/**
 * Our OpenID client registration with the LTI tool configuration (LTI Dynamic Registration 1.0 §3.5.2): what we POST
 * to a platform's registration endpoint.
 */
export function toolRegistrationRequest(publicUrl: string): Record<string, unknown> {
  const urls = toolUrls(publicUrl);
  return {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: urls.loginUrl,
    redirect_uris: [urls.launchUrl],
    client_name: TOOL_NAME,
    jwks_uri: urls.jwksUrl,
    logo_uri: urls.logoUrl,
    token_endpoint_auth_method: 'private_key_jwt',
    scope: TOOL_SCOPES.join(' '),
    [TOOL_CONFIGURATION]: {
      domain: new URL(urls.toolUrl).host,
      target_link_uri: urls.launchUrl,
      description: 'Online proctoring: identity checks, live proctors and recorded exam sessions.',
      claims: ['iss', 'sub', 'name', 'given_name', 'family_name', 'email', 'picture'],
      messages: [
        { type: 'LtiResourceLinkRequest', target_link_uri: urls.launchUrl },
        { type: 'LtiDeepLinkingRequest', target_link_uri: urls.deepLinkingUrl, label: TOOL_NAME, placements: ['ContentArea', 'assignment_selection', 'link_selection'] },
        { type: 'LtiStartProctoring', target_link_uri: urls.launchUrl },
        { type: 'LtiEndAssessment', target_link_uri: urls.launchUrl },
      ],
    },
  };
}

/** Where the platform's answer puts the deployment it made for us. */
export function deploymentIdOf(answer: Record<string, unknown>): string | null {
  const conf = answer[TOOL_CONFIGURATION];
  const id = conf && typeof conf === 'object' ? (conf as Record<string, unknown>).deployment_id : undefined;
  return typeof id === 'string' && id.trim() ? id.trim() : null;
}
