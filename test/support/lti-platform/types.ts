import type { JWTPayload, ProtectedHeaderParameters } from 'jose';
import type { AcsAction, LtiMessageType, LtiTamper } from './vocabulary.js';

/** A tool as the platform knows it, registered by hand ({@link LtiPlatform.register}) or dynamically. */
export interface ToolRegistration {
  readonly clientId: string;
  readonly deploymentId: string;
  /** The tool's OIDC third-party login initiation URL. */
  readonly loginUrl: string;
  readonly redirectUris: readonly string[];
  readonly jwksUrl: string;
  /** Default target of launches. */
  readonly targetLinkUri: string;
  /** Scopes the tool may ask the token endpoint for. */
  readonly scopes: readonly string[];
}

/** What a test gives {@link LtiPlatform.register}; omitted ids are generated. */
export interface RegisterToolInput {
  clientId?: string;
  deploymentId?: string;
  loginUrl: string;
  redirectUris: readonly string[];
  jwksUrl: string;
  targetLinkUri: string;
  /** Default: every scope the platform offers. */
  scopes?: readonly string[];
}

/** A dynamic registration the tool completed: exactly what it posted, and what the platform answered. */
export interface DynamicRegistrationRecord {
  readonly request: Record<string, unknown>;
  readonly response: Record<string, unknown>;
  readonly registration: ToolRegistration;
}

/** The platform user a launch is for. */
export interface LtiUser {
  sub: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  email?: string;
  picture?: string;
}

/** The course (LTI context). */
export interface LtiContext {
  id: string;
  label?: string;
  title?: string;
  type?: readonly string[];
}

/** Options of an LtiStartProctoring launch (and the attempt number of an LtiEndAssessment one). */
export interface ProctoringLaunchOptions {
  /** Default 1. */
  attemptNumber?: number;
  /** Default: a random opaque string. */
  sessionData?: string;
  /** Default: this platform's `/start-assessment/<launch id>`. */
  startAssessmentUrl?: string;
  /** Sent as the `proctoring_settings` claim when given. */
  proctoringSettings?: Record<string, unknown>;
  /** Offer the Assessment Control Service: `true` for every action, or the list of actions. Default: not offered. */
  acs?: boolean | readonly AcsAction[];
}

/** Options of an LtiDeepLinkingRequest. */
export interface DeepLinkingOptions {
  acceptTypes?: readonly string[];
  acceptPresentationDocumentTargets?: readonly string[];
  acceptMultiple?: boolean;
  autoCreate?: boolean;
  /** Opaque value the tool must echo in its response. Default: random. */
  data?: string;
}

/** What a test asks {@link LtiPlatform.launchPage} for. */
export interface LaunchOptions {
  /** Default: the most recent registration. */
  clientId?: string;
  /** Default: the registration's deployment. */
  deploymentId?: string;
  /** Default LtiResourceLinkRequest. */
  messageType?: LtiMessageType;
  /** Default: a learner `learner-1`. */
  user?: LtiUser;
  /** LIS role URIs. Default: Learner. */
  roles?: readonly string[];
  /** Required by every message type but LtiDeepLinkingRequest. Default `{ id: 'rl-1', title: 'Final exam' }`. */
  resourceLink?: { id: string; title?: string; description?: string };
  /** Default `{ id: 'course-1', label: 'C1', title: 'Course 1' }`; `null` for a launch outside a course. */
  context?: LtiContext | null;
  custom?: Record<string, string>;
  /** Default: the registration's targetLinkUri. */
  targetLinkUri?: string;
  /** Load the tool in an iframe of the platform's page (document_target iframe) rather than the whole window. */
  iframe?: boolean;
  /** How the login initiation reaches the tool. Default 'post'. */
  initiation?: 'get' | 'post';
  /** Include the AGS endpoint claim (when there is a context). Default true. */
  ags?: boolean;
  /** Include the NRPS claim (when there is a context). Default true. */
  nrps?: boolean;
  proctoring?: ProctoringLaunchOptions;
  deepLinking?: DeepLinkingOptions;
  /** LtiEndAssessment error variant. */
  endAssessmentError?: { errormsg: string; errorlog?: string };
  /** Extra claims merged last into the id_token (overriding). */
  claims?: Record<string, unknown>;
  tamper?: LtiTamper;
}

/** A launch the platform prepared, and what became of it. */
export interface PreparedLaunch {
  readonly id: string;
  /** The page to open in the browser. */
  readonly pageUrl: string;
  readonly registration: ToolRegistration;
  readonly deploymentId: string;
  readonly messageType: LtiMessageType;
  readonly loginHint: string;
  readonly options: LaunchOptions;
  /** Set for LtiStartProctoring: the claims the tool must echo in LtiStartAssessment. */
  readonly proctoring?: { attemptNumber: number; sessionData: string; startAssessmentUrl: string };
  /** Set for LtiDeepLinkingRequest. */
  readonly deepLinkData?: string;
  /** Filled by the authorization endpoint. */
  issued?: { idToken: string; claims: Record<string, unknown>; state: string; redirectUri: string; nonce: string };
}

/** One HTTP request the platform received and what it decided. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly status: number;
  /** `ok: …` or the reason of a refusal. */
  readonly decision: string;
}

/** A JWT the tool sent back (LtiStartAssessment or LtiDeepLinkingResponse), valid or not. */
export interface ToolMessageRecord {
  readonly launchId: string;
  readonly valid: boolean;
  /** Why it was refused; absent when valid. */
  readonly reason?: string;
  readonly header?: ProtectedHeaderParameters;
  readonly claims?: JWTPayload;
}

/** An AGS line item as stored. */
export interface LineItem {
  id: string;
  contextId: string;
  label: string;
  scoreMaximum: number;
  resourceLinkId?: string;
  resourceId?: string;
  tag?: string;
  startDateTime?: string;
  endDateTime?: string;
}

/** A score the tool posted. */
export interface ScoreRecord {
  readonly lineItemId: string;
  readonly score: Record<string, unknown>;
}

/** A member the NRPS endpoint lists. */
export interface NrpsMember {
  user_id: string;
  roles: readonly string[];
  status?: 'Active' | 'Inactive' | 'Deleted';
  name?: string;
  given_name?: string;
  family_name?: string;
  email?: string;
  picture?: string;
}

/** An ACS request the tool sent, with the status answered (absent when refused). */
export interface AcsRecord {
  readonly body: Record<string, unknown>;
  readonly status?: string;
  readonly reason?: string;
}
