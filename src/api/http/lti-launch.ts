import type { ServerResponse } from 'node:http';
import { completeLaunch, type LaunchOutcome } from '../../app/lti/launch.js';
import { verifyLaunch, type LaunchInput } from '../../app/lti/id-token.js';
import { ltiLaunchServices } from '../../app/lti/login.js';
import { cookieName } from '../../app/lti/state.js';
import type { Core } from '../../app/core/core.js';
import { getLtiPlatform } from '../../projections/lti/projection.js';
import type { Config } from '../../config.js';
import { assertNever } from '../../domain/core/errors.js';
import type { TokenService } from '../auth/tokens.js';
import { autoPostForm, cookiesOf, jsonData, readForm, sendPage, sendRefusal, stateCookie } from './lti-pages.js';
import { monitorRedirect, showSettingsForm } from './lti-settings.js';
import { sendUnboundRefusal } from './lti-frame.js';
import { GET_SCRIPT, storageKeys } from './lti-storage.js';
import type { RouteRequest } from './route.js';

/**
 * POST /lti/launch (the platform's id_token form post) and POST /lti/launch/complete (the same, once the storage page
 * read the state and nonce back from the platform's window). A launch without its cookie whose login used platform
 * storage first answers that storage page; one without its cookie and without what storage gave back is refused with
 * a page saying what to do; every other launch is verified and carried out, or refused with a page saying why
 * (nothing written in either case).
 */
export function ltiLaunch(core: Core, config: Config, tokens: () => TokenService, options: { fromStorage: boolean }) {
  return async ({ req, res, url }: RouteRequest): Promise<void> => {
    try {
      const form = await readForm(req, url);
      const cookies = cookiesOf(req);
      const services = ltiLaunchServices(core, config.jwtSecret);
      const input: LaunchInput = {
        idToken: form.id_token, state: form.state, cookies,
        stored: options.fromStorage && form.stored_0 && form.stored_1 ? { state: form.stored_0, nonce: form.stored_1 } : null,
      };
      if (form.id_token && form.state && cookies[cookieName(form.state)] === undefined) {
        const login = services.states.open(form.state, core.now());
        if (!options.fromStorage && login.storageTarget) return await storagePage(res, config, core, form, login);
        if (!input.stored) return sendUnboundRefusal(res, config);
      }
      const verified = await verifyLaunch(core, services, input);
      const outcome = await completeLaunch(core, verified);
      const clear = form.state ? stateCookie(cookieName(form.state), '', 0) : undefined;
      await answer(res, core, config, tokens(), outcome, clear);
    } catch (error) {
      sendRefusal(res, config, error);
    }
  };
}

async function storagePage(res: ServerResponse, config: Config, core: Core, form: Record<string, string>, login: { platformId: string; nonce: string; storageTarget: string | null }): Promise<void> {
  const platform = await getLtiPlatform(core.db, login.platformId);
  const origin = platform ? new URL(platform.authUrl).origin : 'null';
  const keys = storageKeys(form.state!, login.nonce);
  const post = autoPostForm(`${config.publicUrl}/lti/launch/complete`, { id_token: form.id_token ?? '', state: form.state!, stored_0: '', stored_1: '' });
  sendPage(res, config, 200, 'Signing in…', `<p>Signing you in through your LMS…</p>${post.body}${jsonData('lti-data', { target: login.storageTarget, origin, keys })}`, { script: GET_SCRIPT });
}

/** Sends the browser where the launch leads: the exam, the monitor, the settings form, or the end page. */
async function answer(res: ServerResponse, core: Core, config: Config, tokens: TokenService, outcome: LaunchOutcome, clearCookie: string | undefined): Promise<void> {
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...(clearCookie ? { 'set-cookie': clearCookie } : {}) };
  switch (outcome.kind) {
    case 'exam': {
      const ttl = Math.min(24 * 3600, (outcome.durationMinutes + 120) * 60);
      // Bound to this one session, as the LMS link of openIntegrationSession: it cannot act on the test-taker's other sessions.
      const issued = await tokens.issue({ id: outcome.student.username, role: 'student' }, { sessionId: outcome.sessionId, ttlSeconds: ttl, version: outcome.student.tokenVersion });
      res.writeHead(303, { ...headers, location: `${config.publicUrl}/#/exam/${encodeURIComponent(outcome.sessionId)}?token=${encodeURIComponent(issued.token)}` });
      return void res.end();
    }
    case 'monitor':
      return monitorRedirect(res, config, tokens, outcome, headers);
    case 'settings':
      return showSettingsForm(res, core, config, outcome.ticket, outcome.defaults, null, headers);
    case 'ended':
      return sendPage(res, config, 200, 'Proctoring has ended', `<p id="lti-ended">Your attempt was submitted; proctoring has ended. You may close this window.</p>`, { headers });
    default:
      return assertNever(outcome, 'launch outcome');
  }
}
