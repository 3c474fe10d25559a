/** One POST as the deliverer makes it; the deliverer takes any function of this shape (tests pass the real one). */
export type WebhookPost = (request: { readonly url: string; readonly headers: Record<string, string>; readonly body: string }) => Promise<{ readonly status: number }>;

/** How long a receiver has to answer, and how much of its answer we read (we only need the status). */
export const POST_TIMEOUT_MS = 10_000;
const MAX_ANSWER_BYTES = 4096;

/**
 * Posts with `fetch`: no redirects followed (a 3xx counts as a failed attempt: a result must not wander to another
 * host), a 10 s limit for the whole exchange, and at most a few kilobytes of the answer read before the rest is dropped.
 * A network failure throws an Error whose message says what happened.
 */
export const fetchPost: WebhookPost = async ({ url, headers, body }) => {
  const signal = AbortSignal.timeout(POST_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal });
  } catch (error) {
    throw new Error(describe(error));
  }
  await drain(response).catch(() => {});
  return { status: response.status };
};

async function drain(response: Response): Promise<void> {
  const reader = response.body?.getReader();
  if (!reader) return;
  let read = 0;
  while (read < MAX_ANSWER_BYTES) {
    const { done, value } = await reader.read();
    if (done) return;
    read += value.byteLength;
  }
  await reader.cancel();
}

/** `fetch failed` says nothing: its cause (ECONNREFUSED, socket hang up, a time-out) does. */
function describe(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${POST_TIMEOUT_MS / 1000} s`;
  const cause = e?.cause;
  if (cause?.code || cause?.message) return [cause.code, cause.message].filter(Boolean).join(': ');
  return e?.message ?? String(error);
}
