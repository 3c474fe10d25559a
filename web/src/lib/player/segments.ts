import type { SegmentFetcher } from './feed.js';

/** Renew a view this long before it expires, so no download runs into its end. */
const RENEW_BEFORE_MS = 60_000;

/**
 * Downloads a session's segments under a logged view (`POST /playback/:id/views`, one `RecordingViewed` event): the
 * view is opened on the first download, not when the page opens (reading a protocol is not watching it), and again
 * when it runs out or the server refuses it.
 */
export function viewingFetcher(sessionId: string, token: () => string | null): SegmentFetcher {
  let held: { view: string; expiresAt: number } | null = null;
  let opening: Promise<string> | null = null;
  const id = encodeURIComponent(sessionId);
  const auth = (): Record<string, string> => {
    const t = token();
    return t ? { authorization: `Bearer ${t}` } : {};
  };

  /** The view to use; every download that starts together shares one opening (one event, not one per track). */
  function current(refused: string | null): Promise<string> {
    if (held && held.view !== refused && held.expiresAt - Date.now() > RENEW_BEFORE_MS) return Promise.resolve(held.view);
    opening ??= (async () => {
      try {
        const res = await fetch(`/playback/${id}/views`, { method: 'POST', headers: auth() });
        if (!res.ok) throw new Error(await reason(res));
        const body = (await res.json()) as { view: string; expiresAt: string };
        held = { view: body.view, expiresAt: Date.parse(body.expiresAt) };
        return held.view;
      } finally {
        opening = null;
      }
    })();
    return opening;
  }

  return async (track, seq) => {
    let refused: string | null = null;
    for (;;) {
      const view = await current(refused);
      const res = await fetch(`/playback/${id}/${track}/${seq}`, { headers: { ...auth(), 'x-recording-view': view } });
      if (res.ok) return res.arrayBuffer();
      if (res.status !== 403 || refused) throw new Error(`segment ${seq}: ${await reason(res)}`);
      refused = view;
    }
  };
}

async function reason(res: Response): Promise<string> {
  const body = (await res.json().catch(() => null)) as { error?: string } | null;
  return body?.error ?? `HTTP ${res.status}`;
}
