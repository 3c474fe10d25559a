import { ValidationError } from '../../domain/core/errors.js';

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
 * One request to a platform: no redirects followed (a registration token must not travel on), a timeout, and at most
 * `PLATFORM_MAX_BYTES` read. Network failures become a `ValidationError` that names the URL, never a crash.
 */
export async function callPlatform(url: URL, init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string }, what: string): Promise<PlatformAnswer> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(PLATFORM_TIMEOUT_MS) });
    text = await readLimited(res, what);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    throw new ValidationError(`the platform's ${what} (${url.origin}${url.pathname}) ${timedOut ? `did not answer within ${PLATFORM_TIMEOUT_MS / 1000} s` : 'could not be reached'}`);
  }
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json: json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : null };
}

async function readLimited(res: Response, what: string): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > PLATFORM_MAX_BYTES) {
      await reader.cancel();
      throw new ValidationError(`the platform's ${what} answered more than ${PLATFORM_MAX_BYTES / 1024} KB`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
