import type { CommandMetadata, Decider } from '../core/decider.js';
import { assertNever, IllegalStateError, ValidationError } from '../core/errors.js';
import { identifier, optionalText, text, wholeNumber } from '../core/fields.js';

/**
 * An LMS resource link as an exam: the settings an instructor chose for it (at its first launch, or through Deep
 * Linking), from which each learner's session is created. One stream per (platform, resource link).
 */
export interface LtiLinkSettings {
  /** The exam's name, shown to the test-taker and the proctor. */
  readonly name: string;
  readonly durationMinutes: number;
  /** Who proctors its sessions (our username); null: nobody assigned, an administrator assigns one. */
  readonly proctor: string | null;
  /** A phone as the second camera (with a template: also when the template asks for one). */
  readonly secondCamera: boolean;
  /**
   * The exam template its sessions are made from (its id, or its name in custom parameters; each session takes the
   * version current at its creation),
   * the settings above overriding the template's; absent or null: none, as links configured before templates.
   */
  readonly template?: string | null;
}

export type LtiLinkEvent = {
  readonly type: 'LtiLinkConfigured';
  readonly data: LtiLinkSettings & {
    readonly platformId: string;
    readonly resourceLinkId: string;
    readonly contextId: string | null;
    readonly by: string;
    readonly at: string;
  };
};

export const LTI_LINK_EVENT_TYPES: readonly LtiLinkEvent['type'][] = ['LtiLinkConfigured'];

export type LtiLinkCommand = {
  readonly type: 'ConfigureLtiLink';
  readonly data: LtiLinkSettings & { readonly platformId: string; readonly resourceLinkId: string; readonly contextId: string | null };
  readonly metadata: CommandMetadata;
};

export type LtiLink =
  | { readonly status: 'none' }
  | ({ readonly status: 'configured'; readonly platformId: string; readonly resourceLinkId: string; readonly contextId: string | null } & LtiLinkSettings);

/** The settings as the domain accepts them: a name, a whole number of minutes, a username or none. */
export function ltiLinkSettings(s: LtiLinkSettings): LtiLinkSettings {
  const proctor = optionalText(s.proctor, 'proctor', 100);
  if (proctor !== null && !/^[A-Za-z0-9_.@-]{1,100}$/.test(proctor)) throw new ValidationError(`proctor ${JSON.stringify(proctor.slice(0, 40))} is not a username`, { field: 'proctor' });
  if (typeof s.secondCamera !== 'boolean') throw new ValidationError('second camera must be yes or no', { field: 'secondCamera' });
  // By id or by name (as a signed link names one); the app keeps the id once it has found the template.
  const template = optionalText(s.template, 'template', 200);
  return {
    name: text(s.name, 'exam name', 300),
    durationMinutes: wholeNumber(s.durationMinutes, 'duration (minutes)', 1, 1440),
    proctor,
    secondCamera: s.secondCamera,
    // Only when there is one: the settings of links without a template stay as they were recorded before templates.
    ...(template === null ? {} : { template }),
  };
}

export function decideLtiLink(command: LtiLinkCommand, state: LtiLink): LtiLinkEvent[] {
  switch (command.type) {
    case 'ConfigureLtiLink': {
      const d = command.data;
      const settings = ltiLinkSettings(d);
      if (state.status === 'configured' && (state.platformId !== d.platformId || state.resourceLinkId !== d.resourceLinkId)) {
        throw new IllegalStateError('this stream belongs to another resource link');
      }
      const same = state.status === 'configured' && state.name === settings.name && state.durationMinutes === settings.durationMinutes
        && state.proctor === settings.proctor && state.secondCamera === settings.secondCamera && (state.template ?? null) === (settings.template ?? null);
      if (same) return [];
      const data = {
        ...settings, platformId: identifier(d.platformId, 'platform id'), resourceLinkId: text(d.resourceLinkId, 'resource link id', 255),
        contextId: optionalText(d.contextId, 'context id', 255), by: command.metadata.actor.id, at: command.metadata.now.toISOString(),
      };
      return [{ type: 'LtiLinkConfigured', data }];
    }
    default:
      return assertNever(command.type, 'LTI link command');
  }
}

export function evolveLtiLink(state: LtiLink, event: LtiLinkEvent): LtiLink {
  switch (event.type) {
    case 'LtiLinkConfigured': {
      const { by: _by, at: _at, ...d } = event.data;
      return { status: 'configured', ...d };
    }
    default:
      return assertNever(event.type, 'LTI link event');
  }
}

export const ltiLinkDecider: Decider<LtiLinkCommand, LtiLinkEvent, LtiLink> = {
  initialState: () => ({ status: 'none' }),
  decide: decideLtiLink,
  evolve: evolveLtiLink,
};

/** The stream of a link: `lti-link-<platformId>-<hash of the resource link id>` (its id is the platform's, of any form). */
export const ltiLinkStreamId = (key: string) => `lti-link-${key}`;
