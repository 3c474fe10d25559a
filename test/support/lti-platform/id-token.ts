import { SignJWT, UnsecuredJWT } from 'jose';
import type { KeyRing } from './keys.js';
import type { LtiUser, PreparedLaunch } from './types.js';
import { ACS_ACTIONS, CLAIM, ROLE, SCOPE, type LtiTamper } from './vocabulary.js';

/** What the claims builder needs to know about the platform. */
export interface IdTokenContext {
  issuer: string;
  /** Seconds since the epoch. */
  now: number;
  /** Service URLs for the launch's context. */
  lineItemsUrl(contextId: string): string;
  membershipsUrl(contextId: string): string;
  acsUrl: string;
  deepLinkReturnUrl(launchId: string): string;
}

const ID_TOKEN_LIFETIME = 300;

export const DEFAULT_USER: LtiUser = { sub: 'learner-1', name: 'Lea Learner', givenName: 'Lea', familyName: 'Learner', email: 'lea@example.test' };
export const DEFAULT_RESOURCE_LINK = { id: 'rl-1', title: 'Final exam' };
export const DEFAULT_CONTEXT = { id: 'course-1', label: 'C1', title: 'Course 1', type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'] };

/** The claims of a correct id_token for the launch (LTI 1.3 Core §5, and each message type's own spec). */
export function launchClaims(ctx: IdTokenContext, launch: PreparedLaunch, nonce: string): Record<string, unknown> {
  const o = launch.options;
  const user = o.user ?? DEFAULT_USER;
  const context = o.context === undefined ? DEFAULT_CONTEXT : o.context;
  const clientId = launch.registration.clientId;
  const claims: Record<string, unknown> = {
    iss: ctx.issuer,
    aud: clientId,
    azp: clientId,
    sub: user.sub,
    iat: ctx.now,
    exp: ctx.now + ID_TOKEN_LIFETIME,
    nonce,
    ...definedOnly({ name: user.name, given_name: user.givenName, family_name: user.familyName, email: user.email, picture: user.picture }),
    [CLAIM.messageType]: launch.messageType,
    [CLAIM.version]: '1.3.0',
    [CLAIM.deploymentId]: launch.deploymentId,
    [CLAIM.targetLinkUri]: o.targetLinkUri ?? launch.registration.targetLinkUri,
    [CLAIM.roles]: [...(o.roles ?? [ROLE.learner])],
    [CLAIM.toolPlatform]: { guid: `${ctx.issuer}/platform`, name: 'Test LMS', product_family_code: 'proctor-test-lms', version: '1.0' },
    [CLAIM.launchPresentation]: { document_target: o.iframe ? 'iframe' : 'window', return_url: `${ctx.issuer}/return`, locale: 'en' },
  };
  if (launch.messageType !== 'LtiDeepLinkingRequest') claims[CLAIM.resourceLink] = { ...(o.resourceLink ?? DEFAULT_RESOURCE_LINK) };
  if (o.custom) claims[CLAIM.custom] = { ...o.custom };
  if (context) {
    claims[CLAIM.context] = definedOnly({ id: context.id, label: context.label, title: context.title, type: context.type });
    if (o.ags !== false) {
      claims[CLAIM.ags] = { scope: [SCOPE.lineItem, SCOPE.lineItemReadonly, SCOPE.resultReadonly, SCOPE.score], lineitems: ctx.lineItemsUrl(context.id) };
    }
    if (o.nrps !== false) claims[CLAIM.nrps] = { context_memberships_url: ctx.membershipsUrl(context.id), service_versions: ['2.0'] };
  }
  Object.assign(claims, messageSpecificClaims(ctx, launch));
  return { ...claims, ...(o.claims ?? {}) };
}

function messageSpecificClaims(ctx: IdTokenContext, launch: PreparedLaunch): Record<string, unknown> {
  const o = launch.options;
  switch (launch.messageType) {
    case 'LtiResourceLinkRequest':
      return {};
    case 'LtiDeepLinkingRequest': {
      const d = o.deepLinking ?? {};
      return {
        [CLAIM.deepLinkingSettings]: {
          deep_link_return_url: ctx.deepLinkReturnUrl(launch.id),
          accept_types: [...(d.acceptTypes ?? ['ltiResourceLink'])],
          accept_presentation_document_targets: [...(d.acceptPresentationDocumentTargets ?? ['iframe', 'window'])],
          accept_multiple: d.acceptMultiple ?? false,
          auto_create: d.autoCreate ?? true,
          data: launch.deepLinkData,
        },
      };
    }
    case 'LtiStartProctoring': {
      const p = launch.proctoring!;
      const acs = o.proctoring?.acs;
      return {
        [CLAIM.attemptNumber]: p.attemptNumber,
        [CLAIM.startAssessmentUrl]: p.startAssessmentUrl,
        [CLAIM.sessionData]: p.sessionData,
        ...(o.proctoring?.proctoringSettings ? { [CLAIM.proctoringSettings]: o.proctoring.proctoringSettings } : {}),
        ...(acs ? { [CLAIM.acs]: { assessment_control_url: ctx.acsUrl, actions: acs === true ? [...ACS_ACTIONS] : [...acs] } } : {}),
      };
    }
    case 'LtiEndAssessment': {
      const err = o.endAssessmentError;
      return {
        [CLAIM.attemptNumber]: o.proctoring?.attemptNumber ?? 1,
        ...(err ? { [CLAIM.errorMsg]: err.errormsg, [CLAIM.errorLog]: err.errorlog ?? err.errormsg } : {}),
      };
    }
    default: {
      const exhaustive: never = launch.messageType;
      throw new Error(`unknown message type ${String(exhaustive)}`);
    }
  }
}

/** Applies a claim-level defect; header and signature defects are the signer's. */
export function tamperClaims(claims: Record<string, unknown>, tamper: LtiTamper | undefined, now: number): Record<string, unknown> {
  const c = { ...claims };
  switch (tamper) {
    case 'wrong-iss': c.iss = `${String(c.iss)}/someone-else`; break;
    case 'wrong-aud': c.aud = 'another-client'; c.azp = 'another-client'; break;
    case 'aud-array-without-azp': c.aud = [c.aud, 'another-client']; delete c.azp; break;
    case 'expired': c.iat = now - 600; c.exp = now - 300; break;
    case 'iat-in-future': c.iat = now + 3600; c.exp = now + 3900; break;
    case 'missing-nonce': delete c.nonce; break;
    case 'unregistered-deployment': c[CLAIM.deploymentId] = 'unregistered-deployment'; break;
    case 'wrong-version': c[CLAIM.version] = '1.1.0'; break;
    case 'unknown-message-type': c[CLAIM.messageType] = 'LtiUnknownRequest'; break;
    case 'missing-sub': delete c.sub; break;
    case 'roles-not-array': c[CLAIM.roles] = ROLE.learner; break;
    case 'missing-resource-link-id': c[CLAIM.resourceLink] = { title: 'No id' }; break;
    case 'missing-start-assessment-url': delete c[CLAIM.startAssessmentUrl]; break;
    case 'missing-session-data': delete c[CLAIM.sessionData]; break;
    case 'non-integer-attempt-number': c[CLAIM.attemptNumber] = 1.5; break;
    default: break;
  }
  return c;
}

/** Signs the claims as the platform does, or with the header/signature defect asked for. */
export async function signIdToken(keys: KeyRing, claims: Record<string, unknown>, tamper: LtiTamper | undefined): Promise<string> {
  const k = keys.current;
  switch (tamper) {
    case 'alg-none':
      return new UnsecuredJWT(claims).encode();
    case 'hs256':
      // Algorithm confusion: an HMAC keyed by the public key a naive verifier would pass as the "secret".
      return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: k.kid, typ: 'JWT' }).sign(new TextEncoder().encode(k.publicPem));
    case 'missing-kid':
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(k.privateKey);
    case 'unknown-kid':
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: keys.stranger.kid, typ: 'JWT' }).sign(keys.stranger.privateKey);
    case 'bad-signature':
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: k.kid, typ: 'JWT' }).sign(keys.stranger.privateKey);
    default:
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: k.kid, typ: 'JWT' }).sign(k.privateKey);
  }
}

function definedOnly(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
