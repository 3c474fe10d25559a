import type { ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { registerDynamically } from '../../app/lti/dynamic-registration.js';
import type { Core } from '../../app/core/core.js';
import type { Config } from '../../config.js';
import { DomainError } from '../../domain/core/errors.js';
import type { RouteRequest } from './route.js';

/**
 * GET /lti/register?openid_configuration=…&registration_token=…&t=…: LTI Dynamic Registration, opened by the
 * platform in a window or an iframe. Answers a page either way: done (and the platform is told to close it with the
 * `org.imsglobal.lti.close` message), or what went wrong. The tokens are never logged.
 */
export function ltiRegister(core: Core, config: Config) {
  return async ({ res, url }: RouteRequest): Promise<void> => {
    const q = url.searchParams;
    try {
      const platform = await registerDynamically(core, config, { openidConfiguration: q.get('openid_configuration'), registrationToken: q.get('registration_token'), linkToken: q.get('t') });
      page(res, 200, 'Registered', `<h1 id="done">Registered</h1>
<p>${escape(platform.name)} is connected: issuer <code>${escape(platform.issuer)}</code>, client id <code>${escape(platform.clientId)}</code>${platform.deploymentIds.length ? `, deployment <code>${escape(platform.deploymentIds.join(', '))}</code>` : ''}.</p>
<p>You may close this window.</p>`, true);
    } catch (error) {
      const message = error instanceof DomainError ? error.message : 'an internal error stopped the registration';
      page(res, error instanceof DomainError && error.code === 'UNAUTHENTICATED' ? 403 : 400, 'Registration failed', `<h1>Registration failed</h1>
<p id="error">${escape(message)}.</p>
<p>Nothing was registered. Make a new registration URL on the LMS page of the proctoring system and paste it into the LMS again.</p>`, false);
      // Unexpected: the router logs it (the page is sent already).
      if (!(error instanceof DomainError)) throw error;
    }
  };
}

/** The script that tells the platform the registration is over (Dynamic Registration 1.0 §3.6.2). */
const CLOSE_SCRIPT = `(window.opener || window.parent).postMessage({ subject: 'org.imsglobal.lti.close' }, '*');`;
const CLOSE_SCRIPT_HASH = `'sha256-${createHash('sha256').update(CLOSE_SCRIPT).digest('base64')}'`;

function page(res: ServerResponse, status: number, title: string, body: string, close: boolean): void {
  const script = close ? `<script>${CLOSE_SCRIPT}</script>` : '';
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // The page is framed by a platform not registered yet: any ancestor; only our close script runs.
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; script-src ${CLOSE_SCRIPT_HASH}; base-uri 'none'; form-action 'none'`,
  });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}code{word-break:break-all}#error{color:#a4001d}</style></head>
<body>${body}${script}</body></html>`);
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
