import { ValidationError } from '../core/errors.js';
import { clip, httpUrl, identifier, optionalText, text, wholeNumber } from '../core/fields.js';
import type { CommandOf } from './commands.js';
import type { LtiLink, LtiService, SessionEvent } from './events.js';
import { exists } from './rules.js';
import type { Session } from './state.js';

/**
 * Deciders about the LMS the session came from by LTI 1.3: the launch that links them, every LTI message sent back,
 * the end of the assessment the platform announces, and each call to its services. All of it is on the session's
 * stream, so an auditor sees what went in and out; nothing here holds a secret.
 */

/** Message types we receive (from the platform) or send (to it), as LTI 1.3 and LTI Proctoring Services name them. */
export const LTI_MESSAGE_TYPES = [
  'LtiResourceLinkRequest', 'LtiDeepLinkingRequest', 'LtiStartProctoring', 'LtiEndAssessment', 'LtiStartAssessment', 'LtiDeepLinkingResponse',
] as const;
export type LtiMessageType = (typeof LTI_MESSAGE_TYPES)[number];
export const LTI_SERVICES: readonly LtiService[] = ['ags', 'nrps', 'acs'];

/** The longest opaque value a platform may hand us to echo (session_data, proctoring settings): stored exactly as sent. */
export const MAX_LTI_OPAQUE = 8000;

function messageType(value: string): LtiMessageType {
  if (!(LTI_MESSAGE_TYPES as readonly string[]).includes(value)) throw new ValidationError(`LTI message type ${JSON.stringify(String(value).slice(0, 60))} is not one we handle`);
  return value as LtiMessageType;
}

const urlOrNull = (value: string | null, what: string) => (value === null || value === undefined ? null : httpUrl(value, what));

/** What must be true of a link before it is stored: every field bounded, every URL http(s). */
export function ltiLink(l: LtiLink): LtiLink {
  const opaque = (v: string, what: string) => {
    if (typeof v !== 'string' || v.length > MAX_LTI_OPAQUE || !v.isWellFormed()) throw new ValidationError(`${what} must be text of at most ${MAX_LTI_OPAQUE} characters`);
    return v;
  };
  const list = (v: readonly string[], what: string) => {
    if (!Array.isArray(v) || v.length > 20) throw new ValidationError(`${what} must be a list of at most 20`);
    return v.map((x) => text(x, what, 200));
  };
  const p = l.proctoring;
  return {
    platformId: identifier(l.platformId, 'platform id'),
    deploymentId: text(l.deploymentId, 'deployment id', 255),
    userId: text(l.userId, 'platform user id (sub)', 255),
    resourceLinkId: text(l.resourceLinkId, 'resource link id', 255),
    contextId: optionalText(l.contextId, 'context id', 255),
    lineItemsUrl: urlOrNull(l.lineItemsUrl, 'AGS line items URL'),
    lineItemUrl: urlOrNull(l.lineItemUrl, 'AGS line item URL'),
    agsScopes: list(l.agsScopes, 'AGS scope'),
    membershipsUrl: urlOrNull(l.membershipsUrl, 'NRPS memberships URL'),
    proctoring: p === null ? null : {
      attemptNumber: wholeNumber(p.attemptNumber, 'attempt number', 1, 1_000_000),
      startAssessmentUrl: httpUrl(p.startAssessmentUrl, 'start_assessment_url'),
      sessionData: opaque(p.sessionData, 'session_data'),
      acsUrl: urlOrNull(p.acsUrl, 'assessment_control_url'),
      acsActions: list(p.acsActions, 'ACS action'),
      settings: p.settings === null ? null : opaque(p.settings, 'proctoring_settings'),
    },
    ...(l.returnUrl === undefined || l.returnUrl === null ? {} : { returnUrl: httpUrl(l.returnUrl, 'launch_presentation return_url') }),
    ...(l.resourceLinkClaim === undefined || l.resourceLinkClaim === null ? {} : { resourceLinkClaim: resourceLinkClaim(opaque(l.resourceLinkClaim, 'resource_link claim'), l.resourceLinkId) }),
  };
}

/** The resource_link claim as sent: a JSON object whose id is the link's (what LtiStartAssessment echoes must be it). */
function resourceLinkClaim(json: string, id: string): string {
  let claim: unknown;
  try {
    claim = JSON.parse(json);
  } catch {
    throw new ValidationError('the resource_link claim must be JSON text');
  }
  if (typeof claim !== 'object' || claim === null || Array.isArray(claim) || (claim as { id?: unknown }).id !== id) {
    throw new ValidationError('the resource_link claim must be an object with the resource link id');
  }
  return json;
}

export function recordLtiLaunch(command: CommandOf<'RecordLtiLaunch'>, state: Session): SessionEvent[] {
  exists(state, 'record an LTI launch');
  const at = command.metadata.now.toISOString();
  return [{ type: 'LtiLaunched', data: { messageType: messageType(command.data.messageType), link: ltiLink(command.data.link), at } }];
}

export function recordLtiMessage(command: CommandOf<'RecordLtiMessage'>, state: Session): SessionEvent[] {
  const s = exists(state, 'record an LTI message');
  if (!s.lti) throw new ValidationError('the session did not come from an LTI launch');
  const at = command.metadata.now.toISOString();
  return [{ type: 'LtiMessageSent', data: { messageType: messageType(command.data.messageType), url: httpUrl(command.data.url, 'message URL'), at } }];
}

export function endLtiAssessment(command: CommandOf<'EndLtiAssessment'>, state: Session): SessionEvent[] {
  const s = exists(state, 'end the LMS assessment');
  if (!s.lti) throw new ValidationError('the session did not come from an LTI launch');
  const d = command.data;
  // What the platform says went wrong is kept for the record, cut to size rather than refused: it is their text.
  const cut = (v: string | null | undefined, max: number) => (v === null || v === undefined || !String(v).trim() ? null : clip(String(v), max));
  return [{ type: 'LtiAssessmentEnded', data: { errorMessage: cut(d.errorMessage, 1000), errorLog: cut(d.errorLog, 4000), at: command.metadata.now.toISOString() } }];
}

export function recordLtiServiceCall(command: CommandOf<'RecordLtiServiceCall'>, state: Session): SessionEvent[] {
  const s = exists(state, 'record an LTI service call');
  if (!s.lti) throw new ValidationError('the session did not come from an LTI launch');
  const d = command.data;
  if (!LTI_SERVICES.includes(d.service)) throw new ValidationError(`LTI service ${JSON.stringify(d.service)} is not ags, nrps or acs`);
  const status = d.status === null ? null : wholeNumber(d.status, 'HTTP status', 100, 599);
  return [{
    type: 'LtiServiceCalled',
    data: {
      service: d.service, action: text(d.action, 'service action', 100), url: httpUrl(d.url, 'service URL'), attempt: wholeNumber(d.attempt, 'attempt', 1, 10_000),
      status, outcome: clip(d.outcome, 1000), ok: d.ok === true, at: command.metadata.now.toISOString(),
    },
  }];
}
