import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../config.js';
import { STATE_COOKIE_PATH } from '../../app/lti/state.js';
import { DomainError, ValidationError, type ErrorCode } from '../../domain/core/errors.js';

/**
 * The small HTML pages of the LTI endpoints (errors, auto-posting forms, the settings form): no framework, inline
 * scripts allowed only by a per-response nonce, framed only by the LMS origins the configuration lists.
 */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Sends a page; `script` (if any) runs under the page's CSP nonce. */
export function sendPage(res: ServerResponse, config: Config, status: number, title: string, body: string, options: { script?: string; headers?: Record<string, string | string[]> } = {}): void {
  const nonce = randomBytes(16).toString('base64');
  const csp = [
    "default-src 'none'", `script-src 'nonce-${nonce}'`, "style-src 'unsafe-inline'", "base-uri 'none'", `frame-ancestors ${config.frameAncestors.join(' ')}`,
  ].join('; ');
  const script = options.script ? `<script nonce="${nonce}">${options.script}</script>` : '';
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp, 'cache-control': 'no-store', ...options.headers });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title>` +
      `<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.8rem 0}input[type=text],input[type=number],select{width:100%}</style>` +
      `</head><body><h1>${escapeHtml(title)}</h1>${body}${script}</body></html>`,
  );
}

const STATUS: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, ILLEGAL_STATE: 409, CONFLICT: 409, TOO_MANY_REQUESTS: 429,
};

/** A refusal as a page for the person in the browser and the platform's administrator; other errors go on to the router (500, logged). */
export function sendRefusal(res: ServerResponse, config: Config, error: unknown, title = 'The launch was refused'): void {
  if (!(error instanceof DomainError)) throw error;
  sendPage(res, config, STATUS[error.code], title, `<p id="lti-error">${escapeHtml(error.message)}</p>`);
}

/** Data for a page's script, safe inside a `<script type="application/json">` element. */
export function jsonData(id: string, data: unknown): string {
  return `<script type="application/json" id="${id}">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`;
}

/** A form that posts itself at once (and a button when scripts are off). */
export function autoPostForm(action: string, fields: Record<string, string>, method: 'post' | 'get' = 'post'): { body: string; script: string } {
  // Each field has its name as id too, so a page's script can fill one in before posting.
  const inputs = Object.entries(fields).map(([k, v]) => `<input type="hidden" id="${escapeHtml(k)}" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
  return {
    body: `<form id="lti-auto" method="${method}" action="${escapeHtml(action)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form>`,
    script: "document.getElementById('lti-auto').submit();",
  };
}

const MAX_FORM_BYTES = 64 * 1024;

/** The fields of a form post (application/x-www-form-urlencoded) or of the query of a GET; the last of repeated names. */
export async function readForm(req: IncomingMessage, url: URL): Promise<Record<string, string>> {
  if (req.method === 'GET') return Object.fromEntries(url.searchParams);
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        req.destroy();
        reject(new ValidationError(`the form is larger than ${MAX_FORM_BYTES / 1024} KB`));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
  if (type !== 'application/x-www-form-urlencoded') return {};
  return Object.fromEntries(new URLSearchParams(text));
}

/** The request's cookies by name. */
export function cookiesOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    try {
      out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // a cookie that is not ours (bad percent-encoding) is ignored
    }
  }
  return out;
}

/** A cookie for a third-party frame: sent on the platform's cross-site form post (SameSite=None needs Secure). */
export function stateCookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${encodeURIComponent(value)}; Max-Age=${maxAgeSeconds}; Path=${STATE_COOKIE_PATH}; Secure; HttpOnly; SameSite=None`;
}
