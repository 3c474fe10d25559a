import type { CommandMetadata, Decider } from '../core/decider.js';
import { assertNever, IllegalStateError, ValidationError } from '../core/errors.js';
import { httpUrl as endpointUrl, text } from '../core/fields.js';

/**
 * An LMS registered as an LTI 1.3 platform: who it is (`issuer` and the `clientId` it gave us), which deployments of
 * us it has, and where its OIDC authorization, OAuth2 token and JWKS endpoints are. One stream per (issuer, client id).
 */
export interface LtiPlatformSettings {
  readonly name: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly deploymentIds: readonly string[];
  readonly authUrl: string;
  readonly tokenUrl: string;
  readonly jwksUrl: string;
}

/** How a platform came to be registered: typed in by an administrator, or by LTI Dynamic Registration. */
export type LtiRegistrationMethod = 'manual' | 'dynamic';

export type LtiPlatformEvent =
  | {
      readonly type: 'LtiPlatformRegistered';
      readonly data: LtiPlatformSettings & { readonly platformId: string; readonly method: LtiRegistrationMethod; readonly by: string; readonly at: string };
    }
  | { readonly type: 'LtiPlatformUpdated'; readonly data: Omit<LtiPlatformSettings, 'issuer' | 'clientId'> & { readonly by: string; readonly at: string } }
  /** Launches from it are refused from now on; its sessions stay. */
  | { readonly type: 'LtiPlatformRemoved'; readonly data: { readonly by: string; readonly at: string } };

export const LTI_PLATFORM_EVENT_TYPES: readonly LtiPlatformEvent['type'][] = ['LtiPlatformRegistered', 'LtiPlatformUpdated', 'LtiPlatformRemoved'];

export type LtiPlatformCommand =
  | {
      readonly type: 'RegisterLtiPlatform';
      readonly data: LtiPlatformSettings & { readonly platformId: string; readonly method: LtiRegistrationMethod };
      readonly metadata: CommandMetadata;
    }
  | { readonly type: 'UpdateLtiPlatform'; readonly data: Omit<LtiPlatformSettings, 'issuer' | 'clientId'>; readonly metadata: CommandMetadata }
  | { readonly type: 'RemoveLtiPlatform'; readonly data: Record<string, never>; readonly metadata: CommandMetadata };

export type LtiPlatform =
  | { readonly status: 'none' }
  | ({ readonly status: 'active' | 'removed'; readonly platformId: string; readonly method: LtiRegistrationMethod } & LtiPlatformSettings);

const STREAM = 'lti-platform-';
export const ltiPlatformStreamId = (platformId: string) => `${STREAM}${platformId}`;
/** The platform id whose stream an event was read from: the inverse of `ltiPlatformStreamId`. */
export const platformIdOf = (event: { readonly streamId: string }) => event.streamId.slice(STREAM.length);

/** The most deployments one platform may name (a school has one or a few; each is a row in the read model). */
export const MAX_DEPLOYMENTS = 50;

function settingsOf(d: Omit<LtiPlatformSettings, 'issuer' | 'clientId'>): Omit<LtiPlatformSettings, 'issuer' | 'clientId'> {
  if (!Array.isArray(d.deploymentIds)) throw new ValidationError('deployment ids must be a list', { field: 'deploymentIds' });
  const deploymentIds = [...new Set(d.deploymentIds.map((id) => text(id, 'deployment id', 255)))];
  if (deploymentIds.length > MAX_DEPLOYMENTS) throw new ValidationError(`at most ${MAX_DEPLOYMENTS} deployment ids`, { field: 'deploymentIds' });
  return {
    name: text(d.name, 'platform name', 200),
    deploymentIds,
    authUrl: endpointUrl(d.authUrl, 'authorization URL'),
    tokenUrl: endpointUrl(d.tokenUrl, 'token URL'),
    jwksUrl: endpointUrl(d.jwksUrl, 'JWKS URL'),
  };
}

export function decideLtiPlatform(command: LtiPlatformCommand, state: LtiPlatform): LtiPlatformEvent[] {
  const { now, actor } = command.metadata;
  const at = now.toISOString();
  if (command.type === 'RegisterLtiPlatform') {
    if (state.status === 'active') throw new IllegalStateError(`the platform ${state.issuer} (client id ${state.clientId}) is registered already`);
    const d = command.data;
    if (d.method !== 'manual' && d.method !== 'dynamic') throw new ValidationError(`registration method ${JSON.stringify(d.method)} is not manual or dynamic`);
    // The issuer is compared byte for byte with each id_token's `iss`: a URL, as LTI 1.3 says, kept as given.
    const issuer = endpointUrl(d.issuer, 'issuer');
    const clientId = text(d.clientId, 'client id', 255);
    return [{ type: 'LtiPlatformRegistered', data: { platformId: d.platformId, issuer, clientId, ...settingsOf(d), method: d.method, by: actor.id, at } }];
  }
  if (state.status === 'none') throw new IllegalStateError('the platform is not registered');
  switch (command.type) {
    case 'UpdateLtiPlatform':
      if (state.status === 'removed') throw new IllegalStateError('the platform was removed; register it again');
      return [{ type: 'LtiPlatformUpdated', data: { ...settingsOf(command.data), by: actor.id, at } }];
    case 'RemoveLtiPlatform':
      if (state.status === 'removed') return [];
      return [{ type: 'LtiPlatformRemoved', data: { by: actor.id, at } }];
    default:
      return assertNever(command, 'LTI platform command');
  }
}

export function evolveLtiPlatform(state: LtiPlatform, event: LtiPlatformEvent): LtiPlatform {
  switch (event.type) {
    case 'LtiPlatformRegistered': {
      const { by: _by, at: _at, ...d } = event.data;
      return { status: 'active', ...d };
    }
    case 'LtiPlatformUpdated': {
      if (state.status === 'none') return state;
      const { by: _by, at: _at, ...d } = event.data;
      return { ...state, ...d };
    }
    case 'LtiPlatformRemoved':
      return state.status === 'none' ? state : { ...state, status: 'removed' };
    default:
      return assertNever(event, 'LTI platform event');
  }
}

export const ltiPlatformDecider: Decider<LtiPlatformCommand, LtiPlatformEvent, LtiPlatform> = {
  initialState: () => ({ status: 'none' }),
  decide: decideLtiPlatform,
  evolve: evolveLtiPlatform,
};
