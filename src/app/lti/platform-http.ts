import { ValidationError } from '../../domain/core/errors.js';
import { callService, jsonObject, ServiceCallError } from './http.js';

/** How long we wait for a platform's answer during dynamic registration. */
export const PLATFORM_TIMEOUT_MS = 10_000;
/** The most we read of a platform's answer (an OpenID configuration is a few kilobytes). */
export const PLATFORM_MAX_BYTES = 256 * 1024;

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * A platform URL we may call: https, or http to this very machine (a test platform, an LMS beside us in development).
 * Anything else would send a registration token in the clear.
 */
export function platformUrl(value: unknown, what: string): URL {
  let url: URL;
  try {
    url = new URL(String(value ?? ''));
  } catch {
    throw new ValidationError(`the platform's ${what} is not a URL`, { field: what });
  }
  if (url.username || url.password) throw new ValidationError(`the platform's ${what} must not carry a user name or password`, { field: what });
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname))) {
    throw new ValidationError(`the platform's ${what} must be an https URL (${url.protocol}//${url.host} is not)`, { field: what });
  }
  return url;
}

/** The platform's answer: its status and its body parsed as a JSON object (null when it is not one). */
export interface PlatformAnswer {
  readonly status: number;
  readonly json: Record<string, unknown> | null;
}

/**
 * One request to a platform (`callService`: no redirects followed, so a registration token does not travel on; a
 * timeout; at most `PLATFORM_MAX_BYTES` read). No usable answer becomes a `ValidationError` that names the URL.
 */
export async function callPlatform(url: URL, init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string }, what: string): Promise<PlatformAnswer> {
  try {
    const res = await callService(url.href, { method: init.method, headers: init.headers ?? {}, body: init.body }, { timeoutMs: PLATFORM_TIMEOUT_MS, maxBytes: PLATFORM_MAX_BYTES });
    return { status: res.status, json: jsonObject(res.body) };
  } catch (error) {
    if (error instanceof ServiceCallError) throw new ValidationError(`the platform's ${what} (${url.origin}${url.pathname}) ${error.message}`);
    throw error;
  }
}
