import type { Actor } from '../../domain/core/decider.js';
import { IllegalStateError, NotFoundError, ValidationError } from '../../domain/core/errors.js';
import { ltiLinkSettings, type LtiLinkSettings } from '../../domain/lti/link.js';
import type { Core } from '../core/core.js';
import { getLtiLink, type LtiLinkRow } from '../../projections/lti/links.js';
import { resolveTemplate } from '../templates/templates.js';
import type { LaunchClaims } from './claims.js';
import { ltiLinkKey } from './mapping.js';

/**
 * A resource link's exam settings, from the two places they come from: the link's own stream (the instructor filled
 * in the form at its first launch), or the `custom` claim of the launch (a deep-linked item carries the settings
 * chosen when it was created, so it needs no further configuration). Both go through the domain's checks.
 */

/** The custom parameter names a deep-linked item carries its settings in. */
export const CUSTOM = { name: 'exam_name', duration: 'duration_minutes', proctor: 'proctor', secondCamera: 'second_camera', template: 'template' } as const;

/** The settings a form (or custom parameters) gives, checked; a clear refusal for anything wrong. */
export function settingsFromFields(fields: Readonly<Record<string, string | undefined>>): LtiLinkSettings {
  const duration = (fields[CUSTOM.duration] ?? '').trim();
  if (!/^\d{1,5}$/.test(duration)) throw new ValidationError(`duration (minutes) must be a whole number, not ${JSON.stringify(duration.slice(0, 20))}`, { field: 'duration' });
  const camera = (fields[CUSTOM.secondCamera] ?? '').trim().toLowerCase();
  return ltiLinkSettings({
    name: fields[CUSTOM.name] ?? '',
    durationMinutes: Number(duration),
    proctor: fields[CUSTOM.proctor] ?? null,
    secondCamera: camera === 'true' || camera === 'on' || camera === 'yes',
    template: fields[CUSTOM.template] ?? null,
  });
}

/** The settings as custom parameters of a deep-linked item (LTI custom values are strings). */
export function settingsAsCustom(s: LtiLinkSettings): Record<string, string> {
  return {
    [CUSTOM.name]: s.name, [CUSTOM.duration]: String(s.durationMinutes), [CUSTOM.secondCamera]: String(s.secondCamera),
    ...(s.proctor ? { [CUSTOM.proctor]: s.proctor } : {}),
    ...(s.template ? { [CUSTOM.template]: s.template } : {}),
  };
}

/** The settings for this launch's resource link: its custom parameters when it has them, else what was configured, else null. */
export async function settingsForLaunch(core: Core, platformId: string, claims: LaunchClaims): Promise<LtiLinkSettings | null> {
  if (claims.custom[CUSTOM.name] !== undefined || claims.custom[CUSTOM.duration] !== undefined) {
    try {
      return settingsFromFields(claims.custom);
    } catch (error) {
      if (error instanceof ValidationError) throw new ValidationError(`The link's custom parameters do not make valid exam settings: ${error.message}`);
      throw error;
    }
  }
  const link = await core.loadLtiLink(ltiLinkKey(platformId, claims.resourceLink!.id));
  if (link.status === 'none') return null;
  return { name: link.name, durationMinutes: link.durationMinutes, proctor: link.proctor, secondCamera: link.secondCamera, template: link.template ?? null };
}

/** A proctor named in settings must be an account that proctors. */
export async function checkProctor(core: Core, settings: LtiLinkSettings): Promise<void> {
  if (!settings.proctor) return;
  const account = await core.loadAccount(settings.proctor);
  if (account.status !== 'active' || (account.role !== 'proctor' && account.role !== 'admin')) {
    throw new ValidationError(`there is no proctor account ${JSON.stringify(settings.proctor)}`, { field: 'proctor' });
  }
}

/**
 * The settings with their template, if any, checked: it must exist and be in use. Named by id or by name, it is kept
 * by id, so renaming the template later does not lose it.
 */
export async function withTemplateChecked(core: Core, settings: LtiLinkSettings): Promise<LtiLinkSettings> {
  if (!settings.template) return settings;
  try {
    return { ...settings, template: (await resolveTemplate(core, settings.template)).templateId };
  } catch (error) {
    // Said on the form, beside the choice, like any other wrong value.
    if (error instanceof NotFoundError || error instanceof IllegalStateError) throw new ValidationError(error.message, { field: 'template' });
    throw error;
  }
}

/** Stores the settings of a resource link, as the instructor who chose them. */
export async function configureLink(
  core: Core,
  link: { platformId: string; resourceLinkId: string; contextId: string | null },
  settings: LtiLinkSettings,
  by: Actor,
): Promise<void> {
  await checkProctor(core, settings);
  const checked = await withTemplateChecked(core, settings);
  await core.ltiLink(ltiLinkKey(link.platformId, link.resourceLinkId), 'ConfigureLtiLink', { ...checked, ...link }, by);
}

/**
 * Changes a configured link's settings (an administrator on the LMS page): the sessions launched from then on take
 * them; sessions already made keep theirs. Recorded as the link's configuration, by whoever changed it.
 */
export async function editLink(core: Core, platformId: string, resourceLinkId: string, settings: LtiLinkSettings, by: Actor): Promise<LtiLinkRow> {
  const link = await core.loadLtiLink(ltiLinkKey(platformId, resourceLinkId));
  if (link.status === 'none') throw new NotFoundError(`no configured resource link ${JSON.stringify(resourceLinkId.slice(0, 60))} on this platform`);
  await configureLink(core, { platformId, resourceLinkId, contextId: link.contextId }, ltiLinkSettings(settings), by);
  return (await getLtiLink(core.db, platformId, resourceLinkId))!;
}
