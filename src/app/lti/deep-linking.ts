import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { IllegalStateError, UnauthenticatedError, ValidationError } from '../../domain/core/errors.js';
import type { LtiLinkSettings } from '../../domain/lti/link.js';
import { getLtiPlatform } from '../../projections/lti/projection.js';
import type { Core } from '../core/core.js';
import { toolKeyring } from './keys.js';
import { CLAIM } from './claims.js';
import type { LaunchOutcome, SettingsTicket } from './launch.js';
import { checkProctor, configureLink, settingsAsCustom, settingsFromFields, withTemplateChecked } from './link-settings.js';
import { courseQuery, courseTag } from './mapping.js';

/** How long a deep linking response is valid for the platform. */
const RESPONSE_TTL_S = 600;

/** What the settings form leads to: the course's sessions (a link configured), or the deep linking response to post back. */
export type SettingsOutcome =
  | Extract<LaunchOutcome, { kind: 'monitor' }>
  | { readonly kind: 'deep-link-response'; readonly returnUrl: string; readonly jwt: string };

/**
 * The settings form, posted: for a resource link, its settings stored and the instructor sent on to its sessions;
 * for a deep linking request, an LtiDeepLinkingResponse carrying one ltiResourceLink with the settings as custom
 * parameters, so its launches need no further configuration.
 */
export async function submitSettings(core: Core, ticket: SettingsTicket, fields: Record<string, string>, launchUrl: string): Promise<SettingsOutcome> {
  const settings = settingsFromFields(fields);
  const staff = await core.loadAccount(ticket.username);
  if (staff.status !== 'active') throw new UnauthenticatedError('Your account with this tool is disabled; ask an administrator.');
  const by = { id: staff.username, role: staff.role };
  if (ticket.kind === 'deep-link') {
    await checkProctor(core, settings);
    const checked = await withTemplateChecked(core, settings);
    return { kind: 'deep-link-response', returnUrl: ticket.deepLink!.returnUrl, jwt: await deepLinkingResponse(core, ticket, checked, launchUrl) };
  }
  if (!ticket.resourceLinkId) throw new ValidationError('this form names no resource link');
  await configureLink(core, { platformId: ticket.platformId, resourceLinkId: ticket.resourceLinkId, contextId: ticket.contextId }, settings, by);
  return { kind: 'monitor', staff, query: ticket.contextId ? courseQuery(courseTag(ticket.platformId, ticket.contextId)) : null };
}

/** The LtiDeepLinkingResponse JWT (Deep Linking 2.0 §4.2), signed by our current key. */
export async function deepLinkingResponse(core: Core, ticket: SettingsTicket, settings: LtiLinkSettings, launchUrl: string): Promise<string> {
  const platform = await getLtiPlatform(core.db, ticket.platformId);
  if (!platform || platform.removed) throw new IllegalStateError('The platform is no longer registered with this tool.');
  const dl = ticket.deepLink!;
  const signer = await toolKeyring(core).signer();
  const now = Math.floor(core.now().getTime() / 1000);
  const item = { type: 'ltiResourceLink', title: settings.name, url: launchUrl, custom: settingsAsCustom(settings) };
  return new SignJWT({
    nonce: randomBytes(16).toString('base64url'),
    [CLAIM.messageType]: 'LtiDeepLinkingResponse',
    [CLAIM.version]: '1.3.0',
    [CLAIM.deploymentId]: dl.deploymentId,
    [CLAIM.deepLinkingContentItems]: [item],
    ...(dl.data !== null ? { [CLAIM.deepLinkingData]: dl.data } : {}),
  })
    .setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ: 'JWT' })
    .setIssuer(platform.clientId)
    .setAudience(platform.issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + RESPONSE_TTL_S)
    .sign(signer.key);
}
