/**
 * The names the 1EdTech specs fix: claim URIs, scopes, media types, message types, and the defects a test platform can
 * put into a launch. Kept apart from the server so a tool-side test can import them without starting anything.
 */

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
const AP = 'https://purl.imsglobal.org/spec/lti-ap/claim/';

/** Claim names of LTI 1.3 Core, Deep Linking 2.0, AGS 2.0, NRPS 2.0 and LTI Proctoring Services 1.0. */
export const CLAIM = {
  messageType: `${LTI}message_type`,
  version: `${LTI}version`,
  deploymentId: `${LTI}deployment_id`,
  targetLinkUri: `${LTI}target_link_uri`,
  resourceLink: `${LTI}resource_link`,
  roles: `${LTI}roles`,
  context: `${LTI}context`,
  toolPlatform: `${LTI}tool_platform`,
  launchPresentation: `${LTI}launch_presentation`,
  custom: `${LTI}custom`,
  lis: `${LTI}lis`,
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  deepLinkingSettings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
  deepLinkingContentItems: 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items',
  deepLinkingData: 'https://purl.imsglobal.org/spec/lti-dl/claim/data',
  deepLinkingMsg: 'https://purl.imsglobal.org/spec/lti-dl/claim/msg',
  deepLinkingErrorMsg: 'https://purl.imsglobal.org/spec/lti-dl/claim/errormsg',
  attemptNumber: `${AP}attempt_number`,
  startAssessmentUrl: `${AP}start_assessment_url`,
  sessionData: `${AP}session_data`,
  proctoringSettings: `${AP}proctoring_settings`,
  acs: `${AP}acs`,
  verifiedUser: `${AP}verified_user`,
  endAssessmentReturn: `${AP}end_assessment_return`,
  errorMsg: `${AP}errormsg`,
  errorLog: `${AP}errorlog`,
} as const;

/** OAuth2 scopes of the LTI Advantage services. */
export const SCOPE = {
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  resultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
  acs: 'https://purl.imsglobal.org/spec/lti-ap/scope/control.all',
} as const;

/** Every scope this platform grants. */
export const ALL_SCOPES: readonly string[] = Object.values(SCOPE);

/** Media types of the service payloads. */
export const MEDIA_TYPE = {
  lineItemContainer: 'application/vnd.ims.lis.v2.lineitemcontainer+json',
  lineItem: 'application/vnd.ims.lis.v2.lineitem+json',
  score: 'application/vnd.ims.lis.v1.score+json',
  resultContainer: 'application/vnd.ims.lis.v2.resultcontainer+json',
  membershipContainer: 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json',
  control: 'application/vnd.ims.lti-ap.v1.control+json',
} as const;

/** The platform-to-tool messages this platform sends. */
export const PLATFORM_MESSAGE_TYPES = ['LtiResourceLinkRequest', 'LtiDeepLinkingRequest', 'LtiStartProctoring', 'LtiEndAssessment'] as const;
export type LtiMessageType = (typeof PLATFORM_MESSAGE_TYPES)[number];

/** LIS role URIs used most in tests. */
export const ROLE = {
  learner: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
  instructor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  contentDeveloper: 'http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper',
  administrator: 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
} as const;

/** ACS actions of LTI Proctoring Services 1.0. */
export const ACS_ACTIONS = ['pause', 'resume', 'terminate', 'update', 'flag'] as const;
export type AcsAction = (typeof ACS_ACTIONS)[number];

/** Defects in the id_token itself (header, signature or claims). */
export const TOKEN_TAMPERS = [
  'bad-signature', 'unknown-kid', 'missing-kid', 'alg-none', 'hs256', 'wrong-iss', 'wrong-aud', 'aud-array-without-azp',
  'expired', 'iat-in-future', 'missing-nonce', 'unregistered-deployment', 'wrong-version', 'unknown-message-type',
  'missing-sub', 'roles-not-array', 'missing-resource-link-id',
] as const;
/** Defects in the form the authorization endpoint posts back (the id_token is valid). */
export const FLOW_TAMPERS = ['replayed-id-token', 'state-mismatch'] as const;
/** Defects that only an LtiStartProctoring launch can carry. */
export const PROCTORING_TAMPERS = ['missing-start-assessment-url', 'missing-session-data', 'non-integer-attempt-number'] as const;
/** Every defect, so a test can loop over them. */
export const LTI_TAMPERS = [...TOKEN_TAMPERS, ...FLOW_TAMPERS, ...PROCTORING_TAMPERS] as const;
/**
 * One defect a prepared launch asks for. `unknown-kid` signs with a key never published; `bad-signature` signs with
 * another key under the published kid; `hs256` signs with HMAC keyed by the platform's public key PEM (algorithm
 * confusion); `replayed-id-token` posts the id_token and state of the previous completed launch of the same client.
 */
export type LtiTamper = (typeof LTI_TAMPERS)[number];
