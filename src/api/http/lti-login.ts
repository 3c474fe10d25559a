import { startLogin, ltiLaunchServices } from '../../app/lti/login.js';
import { STATE_TTL_MS } from '../../app/lti/state.js';
import type { Core } from '../../app/core/core.js';
import type { Config } from '../../config.js';
import { autoPostForm, jsonData, readForm, sendPage, sendRefusal, stateCookie } from './lti-pages.js';
import { fromFrame, sendFrameCheck } from './lti-frame.js';
import { PUT_SCRIPT, storageKeys } from './lti-storage.js';
import type { RouteRequest } from './route.js';

/** Longer authentication request URLs go by an auto-posting form rather than a redirect (some proxies cut long URLs). */
const MAX_REDIRECT_URL = 2000;

/**
 * GET or POST /lti/login: the platform's OIDC third-party login initiation. Sets the cookie binding the state to this
 * browser and sends it to the platform's authorization endpoint: by redirect, through a page that first stores the
 * state and nonce in the platform's window when the platform offers `lti_storage_target`, or, in a frame without it,
 * through a page that first checks the frame keeps our cookie and else offers a new window (lti-frame.ts).
 */
export function ltiLogin(core: Core, config: Config) {
  return async ({ req, res, url }: RouteRequest): Promise<void> => {
    try {
      const form = await readForm(req, url);
      const { states } = ltiLaunchServices(core, config.jwtSecret);
      const started = await startLogin(core, states, form, config.publicUrl);
      const cookie = stateCookie(started.cookie.name, started.cookie.value, STATE_TTL_MS / 1000);
      if (started.storageTarget) {
        const data = {
          target: started.storageTarget, origin: new URL(started.authUrl).origin, authUrl: started.authUrl,
          items: storageKeys(started.state, started.nonce).map((k, i) => [k, i === 0 ? started.state : started.nonce]),
        };
        return sendPage(res, config, 200, 'Signing in…', `<p>Signing you in through your LMS…</p>${jsonData('lti-data', data)}`, { script: PUT_SCRIPT, headers: { 'set-cookie': cookie } });
      }
      const short = started.authUrl.length <= MAX_REDIRECT_URL;
      const auth = new URL(started.authUrl);
      const form2 = short ? null : autoPostForm(`${auth.origin}${auth.pathname}`, Object.fromEntries(auth.searchParams));
      if (fromFrame(req.headers)) return sendFrameCheck(res, config, form, cookie, { authUrl: short ? started.authUrl : null, form: form2?.body ?? '' });
      if (!form2) {
        res.writeHead(302, { location: started.authUrl, 'set-cookie': cookie, 'cache-control': 'no-store' });
        return void res.end();
      }
      return sendPage(res, config, 200, 'Signing in…', form2.body, { script: form2.script, headers: { 'set-cookie': cookie } });
    } catch (error) {
      sendRefusal(res, config, error, 'The LMS sign-in could not start');
    }
  };
}
