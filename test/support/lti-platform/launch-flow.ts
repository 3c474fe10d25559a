import { randomUUID } from 'node:crypto';
import { autoPostForm, escapeHtml, htmlPage, type Reply, type Request } from './http.js';
import { launchClaims, signIdToken, tamperClaims, type IdTokenContext } from './id-token.js';
import type { KeyRing } from './keys.js';
import type { PreparedLaunch } from './types.js';

/** What the launch flow needs from the platform. */
export interface LaunchFlowContext {
  issuer: string;
  keys: KeyRing;
  launches: readonly PreparedLaunch[];
  idTokenContext(): IdTokenContext;
}

const TOOL_FRAME = 'lti-tool-frame';

/**
 * The platform page that starts a launch: the OIDC third-party login initiation (LTI 1.3 Core §5.1.1) as a real form,
 * submitted by script to the tool's login URL, in the whole window or in an iframe of this page.
 */
export function launchPage(launch: PreparedLaunch): Reply {
  const fields: Record<string, string> = {
    iss: launch.pageUrl.slice(0, launch.pageUrl.indexOf('/launch/')),
    login_hint: launch.loginHint,
    target_link_uri: launch.options.targetLinkUri ?? launch.registration.targetLinkUri,
    lti_message_hint: launch.id,
    client_id: launch.registration.clientId,
    lti_deployment_id: launch.deploymentId,
  };
  const method = launch.options.initiation ?? 'post';
  if (!launch.options.iframe) {
    return htmlPage(200, 'Launching', autoPostForm(launch.registration.loginUrl, fields, { method }), `ok: launch page ${launch.id}`);
  }
  // Proctoring in an LMS frame needs the camera, microphone and screen delegated to the tool's origin.
  const frame = `<iframe name="${TOOL_FRAME}" id="${TOOL_FRAME}" title="Tool" allow="camera *; microphone *; display-capture *; fullscreen *" style="width:100%;height:90vh;border:0"></iframe>`;
  const body = `<h1>Test LMS</h1>${frame}${autoPostForm(launch.registration.loginUrl, fields, { method, target: TOOL_FRAME })}`;
  return htmlPage(200, 'Course page', body, `ok: launch page ${launch.id} (iframe)`);
}

/** The reason the authentication request is refused (OIDC Core §3.1.2.2, LTI 1.3 Core §5.1.1.2), or the launch. */
function checkAuthRequest(ctx: LaunchFlowContext, p: URLSearchParams): { launch: PreparedLaunch; redirectUri: string } | { reason: string; redirectUri?: string; state?: string } {
  const launch = ctx.launches.find((l) => l.id === p.get('lti_message_hint'));
  if (!launch) return { reason: 'lti_message_hint does not name a prepared launch' };
  if (p.get('client_id') !== launch.registration.clientId) return { reason: `client_id ${p.get('client_id')} is not the launch's client` };
  const redirectUri = p.get('redirect_uri') ?? '';
  if (!launch.registration.redirectUris.includes(redirectUri)) return { reason: `redirect_uri ${redirectUri} is not registered` };
  const state = p.get('state') ?? undefined;
  const refuse = (reason: string) => ({ reason, redirectUri, state });
  if (!(p.get('scope') ?? '').split(' ').includes('openid')) return refuse('scope must include openid');
  if (p.get('response_type') !== 'id_token') return refuse('response_type must be id_token');
  if (p.get('response_mode') !== 'form_post') return refuse('response_mode must be form_post');
  if (p.get('prompt') !== 'none') return refuse('prompt must be none');
  if (p.get('login_hint') !== launch.loginHint) return refuse('login_hint does not match the launch');
  if (!p.get('nonce')) return refuse('nonce is missing');
  if (launch.issued) return refuse('this launch was already authenticated');
  return { launch, redirectUri };
}

/** The authorization endpoint: checks the request and answers an auto-posting form with id_token and state. */
export async function authorize(ctx: LaunchFlowContext, req: Request): Promise<Reply> {
  const checked = checkAuthRequest(ctx, req.params);
  if ('reason' in checked) {
    if (!checked.redirectUri) return htmlPage(400, 'Launch refused', `<p id="error">${escapeHtml(checked.reason)}</p>`, `refused: ${checked.reason}`);
    // Once the client and redirect_uri are trusted, OIDC answers errors to the redirect_uri.
    const fields: Record<string, string> = { error: 'invalid_request', error_description: checked.reason };
    if (checked.state) fields.state = checked.state;
    return htmlPage(200, 'Launch refused', autoPostForm(checked.redirectUri, fields), `refused: ${checked.reason}`);
  }
  const { launch, redirectUri } = checked;
  const p = req.params;
  const nonce = p.get('nonce')!;
  const state = p.get('state') ?? '';
  const idCtx = ctx.idTokenContext();
  const tamper = launch.options.tamper;
  const claims = tamperClaims(launchClaims(idCtx, launch, nonce), tamper, idCtx.now);
  const idToken = await signIdToken(ctx.keys, claims, tamper);
  launch.issued = { idToken, claims, state, redirectUri, nonce };
  let post = { id_token: idToken, state };
  if (tamper === 'state-mismatch') post = { id_token: idToken, state: `${state}-not-yours-${randomUUID()}` };
  if (tamper === 'replayed-id-token') {
    const previous = [...ctx.launches].reverse().find((l) => l !== launch && l.issued && l.registration === launch.registration && !l.options.tamper);
    if (!previous?.issued) return htmlPage(400, 'No launch to replay', '<p id="error">no earlier launch of this tool to replay</p>', 'refused: nothing to replay');
    post = { id_token: previous.issued.idToken, state: previous.issued.state };
  }
  return htmlPage(200, 'Launching', autoPostForm(redirectUri, post), `ok: id_token for launch ${launch.id}${tamper ? ` (${tamper})` : ''}`);
}

/** A page that posts a completed launch's id_token and state again, as an attacker replaying it would. */
export function replayPage(launch: PreparedLaunch): Reply {
  if (!launch.issued) return htmlPage(404, 'Not issued', '<p id="error">this launch has no id_token yet</p>', 'refused: nothing to replay');
  return htmlPage(200, 'Replaying', autoPostForm(launch.issued.redirectUri, { id_token: launch.issued.idToken, state: launch.issued.state }), `ok: replay of launch ${launch.id}`);
}
