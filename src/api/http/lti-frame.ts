import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Config } from '../../config.js';
import { UNBOUND_LAUNCH } from '../../app/lti/id-token.js';
import { STATE_COOKIE_PATH } from '../../app/lti/state.js';
import { escapeHtml, jsonData, sendPage } from './lti-pages.js';

/**
 * Launches from frames that may keep no cookie of ours (third-party cookies blocked) when the platform offers no
 * postMessage storage: the login checks in the frame that a cookie set by its answer is kept before going on to the
 * platform, and otherwise offers to continue in a new top-level window, where our cookie is first-party. A launch
 * that arrives without its cookie anyway is refused (state.ts says why) with a page saying what to do.
 */

/** The cookie the check page reads back: set with the state cookie's attributes, but readable by the page's script. */
const CHECK_COOKIE = 'lti_frame_check';

/** The initiation parameters a new window's login needs (LTI 1.3 Core §5.1.1), nothing else of the request. */
const INITIATION = ['iss', 'login_hint', 'target_link_uri', 'lti_message_hint', 'client_id', 'lti_deployment_id'] as const;

/** Whether the request is the navigation of a frame (Fetch Metadata; browsers that do not send it count as top level). */
export function fromFrame(headers: Record<string, string | string[] | undefined>): boolean {
  const dest = headers['sec-fetch-dest'];
  return dest === 'iframe' || dest === 'frame';
}

/**
 * The script of the check page. The read-back of the check cookie is the evidence: `document.hasStorageAccess()`
 * answers false for partitioned cookies, which do serve a launch in the same frame, so it only decides whether asking
 * for access (`requestStorageAccess`, on the click) can help; where that is refused, the click opens the new window.
 */
const CHECK_SCRIPT = "var d=JSON.parse(document.getElementById('lti-data').textContent);" +
  "var btn=document.getElementById('lti-open'),access=false,direct=d.retried;" +
  "function go(){if(d.authUrl)window.location.href=d.authUrl;else document.getElementById('lti-auto').submit();}" +
  "function offer(){document.getElementById('lti-checking').hidden=true;document.getElementById('lti-new-window').hidden=false;}" +
  "function openTop(){window.open(d.topUrl,'_blank','noopener');document.getElementById('lti-opened').hidden=false;}" +
  "btn.addEventListener('click',function(){if(direct||access||!document.requestStorageAccess)return openTop();direct=true;" +
  "document.requestStorageAccess().then(function(){window.location.href=d.retryUrl;},function(){" +
  "if(!navigator.userActivation||navigator.userActivation.isActive)openTop();else btn.textContent='Open a new window';});});" +
  "if(document.cookie.split(/;\\s*/).indexOf(d.check)>=0)go();" +
  "else if(document.hasStorageAccess)document.hasStorageAccess().then(function(a){access=a;offer();},offer);else offer();";

/**
 * The login's answer in a frame without platform storage: sets the state cookie and the check cookie, and goes on to
 * the platform (by `authUrl`, or the `form` posting to it) only when the check cookie can be read back.
 */
export function sendFrameCheck(res: ServerResponse, config: Config, p: Record<string, string>, stateCookie: string, next: { authUrl: string | null; form: string }): void {
  const top = new URL(`${config.publicUrl}/lti/login`);
  for (const name of INITIATION) if (p[name]) top.searchParams.set(name, p[name]);
  const topUrl = top.toString();
  // A value of this answer's own, so a check cookie left by an earlier page proves nothing.
  const check = `${CHECK_COOKIE}=${randomBytes(9).toString('base64url')}`;
  const data = { authUrl: next.authUrl, topUrl, retryUrl: `${topUrl}&lti_retry=1`, retried: p.lti_retry === '1', check };
  const body = `<p id="lti-checking">Signing you in through your LMS…</p>` +
    `<div id="lti-new-window" hidden><p>Your browser does not let this tool keep its sign-in cookie inside the LMS page, and the sign-in needs it.</p>` +
    `<p><button type="button" id="lti-open">Continue in a new window</button></p>` +
    `<p id="lti-opened" hidden>The exam continues in the new window; you may leave this page.</p></div>` +
    `<noscript><p><a href="${escapeHtml(topUrl)}" target="_blank" rel="noopener">Continue in a new window</a></p></noscript>` +
    `${next.form}${jsonData('lti-data', data)}`;
  sendPage(res, config, 200, 'Signing in…', body, { script: CHECK_SCRIPT, headers: { 'set-cookie': [stateCookie, `${check}; Max-Age=60; Path=${STATE_COOKIE_PATH}; Secure; SameSite=None`] } });
}

/** The refusal of a launch bound to the browser neither by its cookie nor by platform storage. */
export function sendUnboundRefusal(res: ServerResponse, config: Config): void {
  sendPage(res, config, 401, 'The launch was refused', `<p id="lti-error">${escapeHtml(UNBOUND_LAUNCH)}</p>` +
    `<p id="lti-way-on">Open the exam again from the course page: where the LMS page cannot keep this tool's cookie, this tool then offers ` +
    `to continue in a new window. Or allow cookies for ${escapeHtml(new URL(config.publicUrl).host)} in your browser's settings and start again.</p>`);
}
