import type { IncomingMessage } from 'node:http';

/** What a route answers; `decision` goes into the request log. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  decision: string;
}

/** A parsed request: form and JSON bodies decoded, the raw text kept. */
export interface Request {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  text: string;
  /** Query parameters merged with a form body. */
  params: URLSearchParams;
}

const MAX_BODY = 1_000_000;

export async function readRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', origin);
  const params = new URLSearchParams(url.searchParams);
  if (mediaType(req.headers['content-type']) === 'application/x-www-form-urlencoded') {
    for (const [k, v] of new URLSearchParams(text)) params.append(k, v);
  }
  return { method: req.method ?? 'GET', url, headers: req.headers, text, params };
}

/** The media type of a Content-Type or Accept value, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

export function json(status: number, body: unknown, decision: string, type = 'application/json'): Reply {
  return { status, headers: { 'content-type': type, 'cache-control': 'no-store' }, body: JSON.stringify(body), decision };
}

/** An OAuth2 / RFC 7591 style error. */
export function oauthError(status: number, error: string, description: string): Reply {
  return json(status, { error, error_description: description }, `${error}: ${description}`);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function htmlPage(status: number, title: string, bodyHtml: string, decision: string): Reply {
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${bodyHtml}</body></html>`;
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body, decision };
}

/**
 * A real HTML form with hidden fields, submitted by script as the page loads (how platforms post launches and how
 * OIDC `form_post` answers). `target` names the frame the result loads in.
 */
export function autoPostForm(action: string, fields: Record<string, string>, options: { method?: 'get' | 'post'; target?: string } = {}): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  const target = options.target ? ` target="${escapeHtml(options.target)}"` : '';
  return (
    `<form id="lti-auto" method="${options.method ?? 'post'}" action="${escapeHtml(action)}"${target}>${inputs}` +
    `<noscript><button type="submit">Continue</button></noscript></form>` +
    `<script>document.getElementById('lti-auto').submit();</script>`
  );
}

/** The Bearer token of an Authorization header, or undefined. */
export function bearer(headers: IncomingMessage['headers']): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  return m?.[1];
}

/** The JSON object of a body, or a reason it is not one. */
export function parseJsonObject(text: string): Record<string, unknown> | string {
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? v : 'the body is not a JSON object';
  } catch {
    return 'the body is not JSON';
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isHttpUrl(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
