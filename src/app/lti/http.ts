/**
 * The one way we call an LMS platform (its services, its registration endpoints): loopback or not, every call has a deadline, follows no redirect
 * (a token must never be replayed to a host the platform did not name) and reads at most a small body, so a slow or
 * hostile platform cannot hold a worker or fill memory.
 */

/** What the platform answered. `body` is the text, cut off nowhere: larger bodies are refused as a failure. */
export interface ServiceResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** A call that got no usable answer (network, deadline, redirect, oversized body). Its message never holds a token. */
export class ServiceCallError extends Error {
  /** The HTTP status when the platform answered but not usefully (a refused token request), else null. */
  constructor(message: string, readonly status: number | null = null) {
    super(message);
    this.name = 'ServiceCallError';
  }
}

export interface ServiceRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export const SERVICE_TIMEOUT_MS = 10_000;
export const MAX_SERVICE_BODY = 256 * 1024;

/** Sends one request; throws `ServiceCallError` when there is no answer to act on, answers any status otherwise. */
export async function callService(url: string, request: ServiceRequest, limits = { timeoutMs: SERVICE_TIMEOUT_MS, maxBytes: MAX_SERVICE_BODY }): Promise<ServiceResponse> {
  let res: Response;
  try {
    res = await fetch(url, { method: request.method, headers: request.headers, body: request.body, redirect: 'manual', signal: AbortSignal.timeout(limits.timeoutMs) });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    throw new ServiceCallError(timedOut ? `no answer within ${limits.timeoutMs / 1000} s` : `could not reach ${new URL(url).host}: ${causeOf(error)}`);
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    throw new ServiceCallError(`answered a redirect (${res.status}), which is not followed`);
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await readLimited(res, limits.maxBytes) };
}

async function readLimited(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new ServiceCallError(`answered more than ${maxBytes >= 1024 ? `${Math.round(maxBytes / 1024)} KB` : `${maxBytes} bytes`}`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** The JSON object of an answer, or null when it is not one. */
export function jsonObject(body: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A short account of an answer for the record: the status and the platform's error text, never a header. */
export function describeAnswer(res: ServiceResponse): string {
  const o = jsonObject(res.body);
  const detail = o && typeof o.error === 'string' ? `${o.error}${typeof o.error_description === 'string' ? `: ${o.error_description}` : ''}` : '';
  return `HTTP ${res.status}${detail ? ` ${detail}` : ''}`.slice(0, 500);
}
