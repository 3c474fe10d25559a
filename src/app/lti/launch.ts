import { assertNever, ConcurrencyError, ForbiddenError, IllegalStateError } from '../../domain/core/errors.js';
import type { LtiLinkSettings } from '../../domain/lti/link.js';
import type { LtiLink } from '../../domain/session/events.js';
import type { LtiPlatformRow } from '../../projections/lti/projection.js';
import type { Core } from '../core/core.js';
import type { LaunchClaims } from './claims.js';
import { endAssessment } from './end-assessment.js';
import type { VerifiedLaunch } from './id-token.js';
import { settingsForLaunch } from './link-settings.js';
import { sessionData } from '../templates/create-session.js';
import { courseQuery, courseTag, ltiAccount, ltiSessionId, personaOf, platformActor, type ActiveAccount } from './mapping.js';

/** What the settings form is for, sealed into it: configuring a resource link, or answering a deep linking request. */
export interface SettingsTicket {
  readonly kind: 'configure' | 'deep-link';
  readonly platformId: string;
  /** The staff member filling it in (our username). */
  readonly username: string;
  readonly resourceLinkId: string | null;
  readonly contextId: string | null;
  readonly deepLink: { readonly returnUrl: string; readonly data: string | null; readonly deploymentId: string } | null;
}

/** Where a verified launch leads. */
export type LaunchOutcome =
  | { readonly kind: 'exam'; readonly sessionId: string; readonly student: ActiveAccount; readonly durationMinutes: number }
  | { readonly kind: 'monitor'; readonly staff: ActiveAccount; readonly query: string | null }
  | { readonly kind: 'settings'; readonly ticket: SettingsTicket; readonly defaults: LtiLinkSettings }
  | { readonly kind: 'ended'; readonly sessionId: string };

/**
 * Carries out a verified launch: a learner's resource link or proctoring launch opens the attempt's session (created
 * on the first launch, with the link's settings), staff go to the course's sessions or to the link's settings, a deep
 * linking request to the settings form, an end of assessment ends the session.
 */
export async function completeLaunch(core: Core, { platform, claims }: VerifiedLaunch): Promise<LaunchOutcome> {
  switch (claims.messageType) {
    case 'LtiEndAssessment':
      return endAssessment(core, platform, claims);
    case 'LtiStartProctoring':
      // Only ever sent for an attempt at an assessment: whoever makes it (an instructor previewing too) takes it.
      return learnerLaunch(core, platform, claims);
    case 'LtiDeepLinkingRequest':
      return settingsForm(core, platform, claims, 'deep-link');
    case 'LtiResourceLinkRequest': {
      const persona = personaOf(claims.roles);
      if (persona === null) throw new ForbiddenError('Your role in this course is not one this tool serves: learners take exams, instructors and administrators configure and proctor them.');
      if (persona === 'learner') return learnerLaunch(core, platform, claims);
      const staff = await ltiAccount(core, platform, claims, 'staff');
      if (!(await settingsForLaunch(core, platform.platformId, claims))) return settingsForm(core, platform, claims, 'configure', staff);
      return { kind: 'monitor', staff, query: claims.context ? courseQuery(courseTag(platform.platformId, claims.context.id)) : null };
    }
    default:
      return assertNever(claims.messageType, 'LTI message type');
  }
}

async function settingsForm(core: Core, platform: LtiPlatformRow, claims: LaunchClaims, kind: SettingsTicket['kind'], known?: ActiveAccount): Promise<LaunchOutcome> {
  if (personaOf(claims.roles) !== 'staff') throw new ForbiddenError('Only instructors and administrators choose exam settings; ask your instructor.');
  const staff = known ?? (await ltiAccount(core, platform, claims, 'staff'));
  const dl = claims.deepLinking;
  const ticket: SettingsTicket = {
    kind, platformId: platform.platformId, username: staff.username, resourceLinkId: claims.resourceLink?.id ?? null, contextId: claims.context?.id ?? null,
    deepLink: dl ? { returnUrl: dl.returnUrl, data: dl.data, deploymentId: claims.deploymentId } : null,
  };
  const title = claims.resourceLink?.title ?? claims.context?.title ?? 'Proctored exam';
  return { kind: 'settings', ticket, defaults: { name: title.slice(0, 300), durationMinutes: 60, proctor: staff.username, secondCamera: false } };
}

async function learnerLaunch(core: Core, platform: LtiPlatformRow, claims: LaunchClaims): Promise<LaunchOutcome> {
  const settings = await settingsForLaunch(core, platform.platformId, claims);
  if (!settings) throw new IllegalStateError('This exam is not configured yet: ask your instructor to open it once from the course page and choose its settings.');
  const student = await ltiAccount(core, platform, claims, 'learner');
  const attempt = claims.proctoring?.attemptNumber ?? 1;
  const sessionId = ltiSessionId(platform.platformId, claims.resourceLink!.id, claims.sub, attempt);
  const actor = platformActor(platform);
  let { state } = await core.loadSession(sessionId);
  if (state.status === 'none') {
    const tags = claims.context ? [courseTag(platform.platformId, claims.context.id), ...(claims.context.label ? [claims.context.label.slice(0, 64)] : [])] : [];
    try {
      // With a template, its current version gives the rest; the link's name, duration and proctor override it, and
      // its second camera adds one where the template has none.
      const data = await sessionData(core, {
        sessionId, name: settings.name, student: student.username, studentName: student.displayName, proctor: settings.proctor,
        durationMinutes: settings.durationMinutes, secondCamera: settings.template && !settings.secondCamera ? undefined : settings.secondCamera,
        tags, integrationId: platform.platformId, template: settings.template ?? null,
      });
      state = (await core.session(sessionId, 'CreateSession', data, actor)).state;
    } catch (error) {
      // The same attempt launched in two tabs at once: the other created it.
      if (!(error instanceof ConcurrencyError || error instanceof IllegalStateError)) throw error;
      state = (await core.loadSession(sessionId)).state;
      if (state.status === 'none') throw error;
    }
  }
  if (state.status === 'none' || state.student !== student.username) throw new ForbiddenError('This attempt belongs to another user.');
  await core.session(sessionId, 'RecordLtiLaunch', { messageType: claims.messageType, link: linkOf(platform.platformId, claims) }, actor);
  return { kind: 'exam', sessionId, student, durationMinutes: state.durationMinutes };
}

/** The session's link to the platform, from the launch's claims. */
export function linkOf(platformId: string, claims: LaunchClaims): LtiLink {
  const p = claims.proctoring;
  return {
    platformId, deploymentId: claims.deploymentId, userId: claims.sub, resourceLinkId: claims.resourceLink!.id,
    contextId: claims.context?.id ?? null, lineItemsUrl: claims.ags?.lineItemsUrl ?? null, lineItemUrl: claims.ags?.lineItemUrl ?? null,
    agsScopes: claims.ags?.scopes.slice(0, 20) ?? [], membershipsUrl: claims.membershipsUrl,
    proctoring: p ? { attemptNumber: p.attemptNumber, startAssessmentUrl: p.startAssessmentUrl, sessionData: p.sessionData, acsUrl: p.acsUrl, acsActions: p.acsActions.slice(0, 20), settings: p.settings } : null,
    returnUrl: claims.returnUrl,
    resourceLinkClaim: claims.resourceLink!.raw,
  };
}
