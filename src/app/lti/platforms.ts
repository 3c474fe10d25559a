import { createHash } from 'node:crypto';
import type { Actor } from '../../domain/core/decider.js';
import { NotFoundError } from '../../domain/core/errors.js';
import type { LtiPlatformSettings, LtiRegistrationMethod } from '../../domain/lti/platform.js';
import { getLtiPlatform, type LtiPlatformRow } from '../../projections/lti/projection.js';
import type { Core } from '../core/core.js';
import { refreshFrameAncestors } from './frame-ancestors.js';

/**
 * The platform id of an (issuer, client id) pair: derived, not drawn, so registering the same pair twice (two
 * administrators, or a dynamic registration retried) lands on the same stream and the second is refused there.
 */
export function ltiPlatformId(issuer: string, clientId: string): string {
  return `p-${createHash('sha256').update(`${issuer}\n${clientId}`).digest('hex').slice(0, 24)}`;
}

/** Registers an LMS platform; answers it as the read model now holds it. */
export async function registerLtiPlatform(core: Core, settings: LtiPlatformSettings, method: LtiRegistrationMethod, actor: Actor): Promise<LtiPlatformRow> {
  const platformId = ltiPlatformId(String(settings.issuer ?? '').trim(), String(settings.clientId ?? '').trim());
  await core.ltiPlatform(platformId, 'RegisterLtiPlatform', { ...settings, platformId, method }, actor);
  await refreshFrameAncestors(core);
  return (await getLtiPlatform(core.db, platformId))!;
}

/** Changes a platform's name, deployments and endpoints (its issuer and client id name it and do not change). */
export async function updateLtiPlatform(core: Core, platformId: string, settings: Omit<LtiPlatformSettings, 'issuer' | 'clientId'>, actor: Actor): Promise<LtiPlatformRow> {
  await requirePlatform(core, platformId);
  await core.ltiPlatform(platformId, 'UpdateLtiPlatform', settings, actor);
  await refreshFrameAncestors(core);
  return (await getLtiPlatform(core.db, platformId))!;
}

/** Stops launches from a platform; what it launched stays. */
export async function removeLtiPlatform(core: Core, platformId: string, actor: Actor): Promise<LtiPlatformRow> {
  await requirePlatform(core, platformId);
  await core.ltiPlatform(platformId, 'RemoveLtiPlatform', {}, actor);
  await refreshFrameAncestors(core);
  return (await getLtiPlatform(core.db, platformId))!;
}

async function requirePlatform(core: Core, platformId: string): Promise<LtiPlatformRow> {
  const row = await getLtiPlatform(core.db, platformId);
  if (!row) throw new NotFoundError(`no LTI platform ${platformId}`);
  return row;
}
