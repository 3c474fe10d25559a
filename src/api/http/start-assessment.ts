import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Config } from '../../config.js';
import type { Core } from '../../app/core/core.js';
import { useStartCode } from '../../app/lti/start-assessment.js';
import { DomainError } from '../../domain/core/errors.js';
import type { RouteRequest } from './route.js';

const STATUS: Record<string, number> = { BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, ILLEGAL_STATE: 409 };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page's own policy: nothing loads, its one inline script and style run by nonce, and its form may go to the
 * platform's origin only (the SPA's pages keep `form-action 'self'`). It is framed by our exam page, itself perhaps
 * framed by the LMS, so the same frame ancestors as the web client.
 */
export function startPagePolicy(config: Config, nonce: string, formTarget: string | null): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    `form-action ${formTarget ? new URL(formTarget).origin : "'none'"}`,
    "base-uri 'none'",
    `frame-ancestors ${config.frameAncestors.join(' ')}`,
  ].join('; ');
}

function page(res: ServerResponse, status: number, policy: string, nonce: string, title: string, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': policy });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style nonce="${nonce}">body{font:16px/1.5 system-ui,sans-serif;margin:2rem;color:#1f2933}button{font:inherit;padding:.5rem 1rem}</style>
</head><body>${body}</body></html>`);
}

/**
 * GET /lti/start-assessment/:sessionId?code=…: uses the test-taker's start code and auto-posts LtiStartAssessment to
 * the platform (field `JWT`), in the exam page's test frame or a tab of its own. A refused code gets a short page that
 * says why, never the JWT.
 */
export function startAssessmentPage(core: Core, config: Config) {
  return async ({ res, url, params: [session] }: RouteRequest): Promise<void> => {
    const nonce = randomBytes(16).toString('base64');
    let form;
    try {
      form = await useStartCode(core, config.jwtSecret, decodeURIComponent(session), url.searchParams.get('code') ?? '');
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      page(res, STATUS[error.code] ?? 400, startPagePolicy(config, nonce, null), nonce, 'The test cannot be opened',
        `<h1>The test cannot be opened</h1><p id="reason">${escapeHtml(error.message)}</p>`);
      return;
    }
    page(res, 200, startPagePolicy(config, nonce, form.url), nonce, 'Opening the test',
      `<form id="start" method="post" action="${escapeHtml(form.url)}"><input type="hidden" name="JWT" value="${escapeHtml(form.jwt)}">
<p>Opening the test in your LMS…</p><button type="submit">Open the test</button></form>
<script nonce="${nonce}">document.getElementById('start').submit();</script>`);
  };
}
