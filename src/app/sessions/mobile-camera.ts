import type { Actor } from '../../domain/core/decider.js';
import { ForbiddenError } from '../../domain/core/errors.js';
import type { Core } from '../core/core.js';

/**
 * The phone holding the link behind the QR code joins the session as its second camera. The link connects one phone:
 * its id (`jti`) is used up here, so a second use (a photo of the screen passed on) is refused.
 */
export async function connectMobileCamera(
  core: Core,
  actor: Actor,
  sessionId: string,
  userAgent: string,
  link: { readonly jti: string | undefined; readonly expiresAt: Date },
): Promise<void> {
  if (!link.jti || !(await core.claims.claim(`mobile-link:${link.jti}`, link.expiresAt))) {
    throw new ForbiddenError('this link was used already: show a new QR code on the exam page');
  }
  await core.session(sessionId, 'ConnectMobileCamera', { userAgent }, actor);
}
