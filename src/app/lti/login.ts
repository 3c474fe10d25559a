import { ValidationError } from '../../domain/core/errors.js';
import { findLtiPlatform, type LtiPlatformRow } from '../../projections/lti/projection.js';
import type { Core } from '../core/core.js';
import { PlatformKeySets } from './platform-jwks.js';
import { LoginStates, type StartedLogin } from './state.js';
import { Tickets } from './ticket.js';

/** What this node keeps for launches: the state seal, the platforms' key sets, the settings form's tickets. */
export interface LtiLaunchServices {
  readonly states: LoginStates;
  readonly keys: PlatformKeySets;
  readonly tickets: Tickets;
}

const services = new WeakMap<Core, LtiLaunchServices>();

/** This node's launch services for `core`, sealed with the server's secret. */
export function ltiLaunchServices(core: Core, secret: string): LtiLaunchServices {
  let s = services.get(core);
  if (!s) services.set(core, (s = { states: new LoginStates(secret), keys: new PlatformKeySets(), tickets: new Tickets(secret, 'settings') }));
  return s;
}

/** A login initiation as LTI 1.3 Core §5.1.1 names its parameters. */
export interface LoginInitiation {
  readonly iss?: string;
  readonly login_hint?: string;
  readonly target_link_uri?: string;
  readonly lti_message_hint?: string;
  readonly client_id?: string;
  readonly lti_deployment_id?: string;
  readonly lti_storage_target?: string;
}

/** Where the browser goes next: the platform's authorization endpoint, with the state bound to it. */
export interface StartedAuth extends StartedLogin {
  readonly platform: LtiPlatformRow;
  readonly authUrl: string;
  readonly storageTarget: string | null;
}

const need = (value: string | undefined, name: string): string => {
  if (typeof value !== 'string' || !value.trim()) throw new ValidationError(`The login initiation has no ${name}; the platform must send iss, login_hint and target_link_uri.`);
  return value;
};

/**
 * OIDC third-party login initiation (LTI 1.3 Core §5.1.1; Security Framework §5.1.1): finds the registered platform,
 * makes a single-use state and nonce, and answers the platform's authentication request URL (scope openid, id_token
 * by form post, no prompt) with our launch URL as redirect_uri.
 */
export async function startLogin(core: Core, states: LoginStates, p: LoginInitiation, publicUrl: string): Promise<StartedAuth> {
  const iss = need(p.iss, 'issuer (iss)');
  const loginHint = need(p.login_hint, 'login_hint');
  const target = need(p.target_link_uri, 'target_link_uri');
  let targetOrigin: string | null = null;
  try {
    targetOrigin = new URL(target).origin;
  } catch {
    // refused below
  }
  if (targetOrigin !== new URL(publicUrl).origin) throw new ValidationError(`The target_link_uri ${JSON.stringify(target.slice(0, 200))} is not an address of this tool (${publicUrl}).`);
  const platform = await findLtiPlatform(core.db, iss, p.client_id?.trim() || null);
  if (!platform) {
    throw new ValidationError(`No platform with issuer ${JSON.stringify(iss.slice(0, 200))}${p.client_id ? ` and client id ${JSON.stringify(p.client_id.slice(0, 100))}` : ''} is registered with this tool; an administrator of this tool registers the platform first.`);
  }
  if (p.lti_deployment_id && !platform.deploymentIds.includes(p.lti_deployment_id)) {
    throw new ValidationError(`The deployment id ${JSON.stringify(p.lti_deployment_id.slice(0, 100))} is not registered for the platform "${platform.name}".`);
  }
  const storageTarget = p.lti_storage_target?.trim() ? p.lti_storage_target.trim().slice(0, 200) : null;
  const started = states.start(platform.platformId, storageTarget, core.now());
  const auth = new URL(platform.authUrl);
  const params: Record<string, string> = {
    scope: 'openid', response_type: 'id_token', response_mode: 'form_post', prompt: 'none', client_id: platform.clientId,
    redirect_uri: `${publicUrl}/lti/launch`, login_hint: loginHint, state: started.state, nonce: started.nonce,
    ...(p.lti_message_hint ? { lti_message_hint: p.lti_message_hint } : {}),
  };
  for (const [k, v] of Object.entries(params)) auth.searchParams.set(k, v);
  return { ...started, platform, authUrl: auth.toString(), storageTarget };
}
