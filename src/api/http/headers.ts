import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../config.js';

/**
 * The Content-Security-Policy of the web client's pages. Scripts only from us, and WebAssembly compiled from them
 * ('wasm-unsafe-eval': tfjs runs face detection as WebAssembly; no eval of strings); workers from us or a blob (the
 * face worker); media from cameras, blobs and our recordings; connections to us over HTTP and WebSockets; frames of
 * any https page (the test content comes from the LMS), never plugins; and only the LMS origins configured, and those of
 * the registered LTI platforms (`platformOrigins`), may frame us.
 */
export function contentSecurityPolicy(config: Config, req: IncomingMessage, platformOrigins: readonly string[] = []): string {
  // The host the page was asked for: the socket it opens goes back there (a Host header only changes its own page).
  const host = (req.headers.host ?? '').replace(/[^A-Za-z0-9.:[\]-]/g, '');
  const sockets = host ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    // Svelte writes style attributes (a tile's size, a bar's width): inline styles, never inline scripts.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    `connect-src 'self'${sockets}`,
    `frame-src 'self' https:${config.production ? '' : ' http:'}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    `frame-ancestors ${[...new Set([...config.frameAncestors, ...platformOrigins])].join(' ')}`,
  ].join('; ');
}

/** On every response: no referrer leaves us (exam links carry tokens), and no content type is guessed. */
export function baseHeaders(res: ServerResponse): void {
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-content-type-options', 'nosniff');
}
