/** One POST as the deliverer makes it; the deliverer takes any function of this shape (tests pass the real one). */
export type WebhookPost = (request: { readonly url: string; readonly headers: Record<string, string>; readonly body: string }) => Promise<{ readonly status: number }>;

/** How long a receiver has to answer. */
export const POST_TIMEOUT_MS = 10_000;
/** How much of an answer we read: we only need its status, and a receiver must not make us download a film. */
const MAX_ANSWER_BYTES = 4096;

/**
 * Posts with `fetch`: no redirects followed (a 3xx counts as a failed attempt: a result must not wander to another
 * host), `timeoutMs` for the whole exchange, and at most `maxAnswerBytes` of the answer read before the rest is dropped.
 * A network failure throws an Error whose message says what happened.
 */
export function httpPost(options: { timeoutMs?: number; maxAnswerBytes?: number } = {}): WebhookPost {
  const timeoutMs = options.timeoutMs ?? POST_TIMEOUT_MS;
  const maxAnswerBytes = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  return async ({ url, headers, body }) => {
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal });
    } catch (error) {
      throw new Error(describe(error, timeoutMs));
    }
    await drain(response, maxAnswerBytes).catch(() => {});
    return { status: response.status };
  };
}

/** The deliverer's default. */
export const fetchPost: WebhookPost = httpPost();

async function drain(response: Response, limit: number): Promise<void> {
  const reader = response.body?.getReader();
  if (!reader) return;
  let read = 0;
  while (read < limit) {
    const { done, value } = await reader.read();
    if (done) return;
    read += value.byteLength;
  }
  await reader.cancel();
}

/** `fetch failed` says nothing: its cause (ECONNREFUSED, socket hang up, a time-out) does. */
function describe(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  const cause = e?.cause;
  if (cause?.code || cause?.message) return [cause.code, cause.message].filter(Boolean).join(': ');
  return e?.message ?? String(error);
}
