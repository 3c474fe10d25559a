import { ValidationError } from '../../domain/core/errors.js';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
const AP = 'https://purl.imsglobal.org/spec/lti-ap/claim/';

/** The claim names of LTI 1.3 Core, Deep Linking 2.0, AGS 2.0, NRPS 2.0 and LTI Proctoring Services 1.0 that we read or send. */
export const CLAIM = {
  messageType: `${LTI}message_type`,
  version: `${LTI}version`,
  deploymentId: `${LTI}deployment_id`,
  targetLinkUri: `${LTI}target_link_uri`,
  resourceLink: `${LTI}resource_link`,
  roles: `${LTI}roles`,
  context: `${LTI}context`,
  custom: `${LTI}custom`,
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  deepLinkingSettings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
  deepLinkingContentItems: 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items',
  deepLinkingData: 'https://purl.imsglobal.org/spec/lti-dl/claim/data',
  attemptNumber: `${AP}attempt_number`,
  startAssessmentUrl: `${AP}start_assessment_url`,
  sessionData: `${AP}session_data`,
  proctoringSettings: `${AP}proctoring_settings`,
  acs: `${AP}acs`,
  errorMsg: `${AP}errormsg`,
  errorLog: `${AP}errorlog`,
  launchPresentation: `${LTI}launch_presentation`,
} as const;

/** The messages a platform may launch us with. */
export const INCOMING_MESSAGE_TYPES = ['LtiResourceLinkRequest', 'LtiDeepLinkingRequest', 'LtiStartProctoring', 'LtiEndAssessment'] as const;
export type IncomingMessageType = (typeof INCOMING_MESSAGE_TYPES)[number];

/** What a verified id_token says, in our terms. */
export interface LaunchClaims {
  readonly messageType: IncomingMessageType;
  readonly deploymentId: string;
  readonly sub: string;
  readonly name: string | null;
  readonly roles: readonly string[];
  /** `raw`: the claim as sent, as JSON text (LtiStartAssessment echoes it), or null when too long to keep. */
  readonly resourceLink: { readonly id: string; readonly title: string | null; readonly raw: string | null } | null;
  /** launch_presentation.return_url when it is an http(s) URL we can keep: where "Return to the course" goes. */
  readonly returnUrl: string | null;
  readonly context: { readonly id: string; readonly label: string | null; readonly title: string | null } | null;
  readonly custom: Readonly<Record<string, string>>;
  readonly ags: { readonly lineItemsUrl: string | null; readonly lineItemUrl: string | null; readonly scopes: readonly string[] } | null;
  readonly membershipsUrl: string | null;
  /** LtiStartProctoring's claims. */
  readonly proctoring: {
    readonly attemptNumber: number; readonly startAssessmentUrl: string; readonly sessionData: string;
    readonly settings: string | null; readonly acsUrl: string | null; readonly acsActions: readonly string[];
  } | null;
  /** LtiEndAssessment's claims. */
  readonly endAssessment: { readonly attemptNumber: number; readonly errorMessage: string | null; readonly errorLog: string | null } | null;
  /** LtiDeepLinkingRequest's settings. */
  readonly deepLinking: { readonly returnUrl: string; readonly data: string | null; readonly acceptTypes: readonly string[] } | null;
}

type Claims = Record<string, unknown>;

const refuse = (message: string): never => {
  throw new ValidationError(message);
};
const isObject = (v: unknown): v is Claims => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function url(v: unknown, what: string): string {
  const s = str(v);
  try {
    if (s && /^https?:$/.test(new URL(s).protocol)) return s;
  } catch {
    // falls through to the refusal
  }
  return refuse(`The ${what} claim is missing or is not an http(s) URL.`);
}

const optionalUrl = (v: unknown, what: string) => (v === undefined || v === null ? null : url(v, what));

/**
 * Reads the LTI claims of an id_token whose signature, issuer, audience and times were checked already. Each rule
 * broken gives its own refusal, in words a platform administrator can act on.
 */
export function readLaunchClaims(c: Claims): LaunchClaims {
  if (c[CLAIM.version] !== '1.3.0') refuse(`The LTI version claim is ${JSON.stringify(c[CLAIM.version] ?? null)}; this tool accepts LTI 1.3.0 only.`);
  const messageType = c[CLAIM.messageType];
  if (!(INCOMING_MESSAGE_TYPES as readonly unknown[]).includes(messageType)) {
    refuse(`The message type ${JSON.stringify(messageType ?? null)} is not one this tool handles (${INCOMING_MESSAGE_TYPES.join(', ')}).`);
  }
  const type = messageType as IncomingMessageType;
  const sub = str(c.sub) ?? refuse('The launch has no user id ("sub" claim); this tool does not accept anonymous launches.');
  const roles = c[CLAIM.roles];
  if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string')) refuse('The roles claim must be an array of role URIs.');
  const link = c[CLAIM.resourceLink];
  const linkId = isObject(link) ? str(link.id) : null;
  if (type !== 'LtiDeepLinkingRequest' && !linkId) refuse('The launch has no resource link id (resource_link.id claim).');
  const context = isObject(c[CLAIM.context]) ? (c[CLAIM.context] as Claims) : null;
  const ags = isObject(c[CLAIM.ags]) ? (c[CLAIM.ags] as Claims) : null;
  const nrps = isObject(c[CLAIM.nrps]) ? (c[CLAIM.nrps] as Claims) : null;
  const custom = isObject(c[CLAIM.custom]) ? Object.fromEntries(Object.entries(c[CLAIM.custom] as Claims).filter(([, v]) => typeof v === 'string')) as Record<string, string> : {};
  const name = str(c.name) ?? (([str(c.given_name), str(c.family_name)].filter(Boolean).join(' ') || null));
  return {
    messageType: type,
    deploymentId: String(c[CLAIM.deploymentId] ?? ''),
    sub,
    name,
    roles: roles as string[],
    resourceLink: linkId ? { id: linkId, title: str((link as Claims).title), raw: rawClaim(link) } : null,
    returnUrl: returnUrlOf(c[CLAIM.launchPresentation]),
    context: context && str(context.id) ? { id: str(context.id)!, label: str(context.label), title: str(context.title) } : null,
    custom,
    ags: ags ? { lineItemsUrl: optionalUrl(ags.lineitems, 'AGS line items'), lineItemUrl: optionalUrl(ags.lineitem, 'AGS line item'), scopes: strings(ags.scope) } : null,
    membershipsUrl: nrps ? url(nrps.context_memberships_url, 'NRPS context memberships URL') : null,
    proctoring: type === 'LtiStartProctoring' ? proctoringClaims(c) : null,
    endAssessment: type === 'LtiEndAssessment' ? { attemptNumber: attemptNumber(c), errorMessage: str(c[CLAIM.errorMsg]), errorLog: str(c[CLAIM.errorLog]) } : null,
    deepLinking: type === 'LtiDeepLinkingRequest' ? deepLinkingClaims(c) : null,
  };
}

/** The longest claim we keep verbatim (the session's link stores it; see MAX_LTI_OPAQUE). */
const MAX_RAW_CLAIM = 8000;

function rawClaim(v: unknown): string | null {
  const json = JSON.stringify(v);
  return json.length <= MAX_RAW_CLAIM ? json : null;
}

/** A return URL is a convenience: one we cannot use is dropped, not a reason to refuse the launch. */
function returnUrlOf(presentation: unknown): string | null {
  const v = isObject(presentation) ? str(presentation.return_url) : null;
  if (!v || v.length > 2000 || /[\u0000-\u001f\u007f]/.test(v)) return null;
  try {
    const u = new URL(v);
    return /^https?:$/.test(u.protocol) && !u.username && !u.password ? v : null;
  } catch {
    return null;
  }
}

function attemptNumber(c: Claims): number {
  const n = c[CLAIM.attemptNumber];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) refuse(`The attempt_number claim must be a whole number from 1, not ${JSON.stringify(n ?? null)}.`);
  return n as number;
}

function proctoringClaims(c: Claims): NonNullable<LaunchClaims['proctoring']> {
  const startAssessmentUrl = url(c[CLAIM.startAssessmentUrl], 'start_assessment_url');
  const sessionData = c[CLAIM.sessionData];
  if (typeof sessionData !== 'string' || !sessionData) refuse('LtiStartProctoring needs the session_data claim (a string the tool echoes back).');
  const attempt = attemptNumber(c);
  const acs = isObject(c[CLAIM.acs]) ? (c[CLAIM.acs] as Claims) : null;
  const settings = c[CLAIM.proctoringSettings];
  return {
    attemptNumber: attempt, startAssessmentUrl, sessionData: sessionData as string,
    settings: settings === undefined || settings === null ? null : JSON.stringify(settings),
    acsUrl: acs ? url(acs.assessment_control_url, 'ACS assessment_control_url') : null,
    acsActions: acs ? strings(acs.actions) : [],
  };
}

function deepLinkingClaims(c: Claims): NonNullable<LaunchClaims['deepLinking']> {
  const s = c[CLAIM.deepLinkingSettings];
  if (!isObject(s)) refuse('LtiDeepLinkingRequest needs the deep_linking_settings claim.');
  const settings = s as Claims;
  const returnUrl = url(settings.deep_link_return_url, 'deep_link_return_url');
  const acceptTypes = strings(settings.accept_types);
  if (!acceptTypes.includes('ltiResourceLink')) refuse('The deep linking request does not accept ltiResourceLink items (accept_types), the only kind this tool creates.');
  return { returnUrl, data: typeof settings.data === 'string' ? settings.data : null, acceptTypes };
}
