import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Actor } from '../../domain/core/decider.js';
import { ForbiddenError, NotFoundError } from '../../domain/core/errors.js';
import type { BlobStore } from '../../media/blob-store.js';
import { recordingSegment, type RecordingSegment } from '../../projections/protocol/queries.js';
import type { Core } from '../core/core.js';
import { sessionBlobs } from '../../media/sealed/sealed-blob-store.js';

/**
 * Watching a recording: the protocol's player streams every track segment by segment (Media Source Extensions), so a
 * 90-minute session is some 1,600 downloads. Logging each as its own event would bury the access log; instead the
 * reviewer opens a view (one `RecordingViewed` event, the access log entry) and the segments fetched under it are
 * covered by that event while it lasts. A longer watch opens another view, and so another event.
 *
 * The view is an HMAC over session, viewer, id and expiry, so it cannot be reused by someone else or for another
 * session, and no server keeps view state (any node can serve the segments). Each request is still authorised on its
 * own by the caller (a disabled account or a lost right stops the download within the token cache's seconds).
 */
export const VIEW_MS = 2 * 3_600_000;

export interface OpenedView {
  readonly viewId: string;
  /** What the player sends with each segment request. */
  readonly view: string;
  readonly expiresAt: string;
}

/** Opens a logged view of the session's recording for `reviewer` (already authorised to play it back). */
export async function openView(core: Core, secret: string, reviewer: Actor, sessionId: string): Promise<OpenedView> {
  const viewId = randomUUID();
  const until = new Date(core.now().getTime() + VIEW_MS);
  await core.session(sessionId, 'ViewRecording', { viewId, until }, reviewer);
  return { viewId, view: issueView(secret, sessionId, reviewer.id, viewId, until.getTime()), expiresAt: until.toISOString() };
}

/** One segment fetched under a view: nothing is appended (the view's event covers it). */
export async function segmentUnderView(
  core: Core,
  blobs: BlobStore,
  secret: string,
  reviewer: Actor,
  wanted: { readonly sessionId: string; readonly track: string; readonly seq: number; readonly view: string | undefined },
): Promise<{ segment: RecordingSegment; content: Readable }> {
  const { sessionId, track, seq } = wanted;
  const refusal = viewRefusal(secret, wanted.view, sessionId, reviewer.id, core.now().getTime());
  if (refusal) throw new ForbiddenError(refusal);
  const segment = await recordingSegment(core.db, sessionId, track, seq);
  if (!segment) throw new NotFoundError(`no segment ${seq} of ${track}`);
  const content = await sessionBlobs(blobs, sessionId).get(segment.sha256);
  if (!content) throw new NotFoundError(`the content of segment ${seq} of ${track} is missing`);
  return { segment, content };
}

function viewKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('recording-view/v1').digest();
}

function signature(secret: string, sessionId: string, viewer: string, viewId: string, until: number): string {
  return createHmac('sha256', viewKey(secret)).update(JSON.stringify([sessionId, viewer, viewId, until])).digest('base64url');
}

export function issueView(secret: string, sessionId: string, viewer: string, viewId: string, until: number): string {
  return `${viewId}.${until}.${signature(secret, sessionId, viewer, viewId, until)}`;
}

/** Why `view` does not let `viewer` fetch segments of `sessionId` at `now`, or null when it does. */
export function viewRefusal(secret: string, view: string | undefined, sessionId: string, viewer: string, now: number): string | null {
  if (!view) return `open a view first (POST /playback/${sessionId}/views): every viewing is logged`;
  const [viewId, untilText, mac, extra] = view.split('.');
  const until = Number(untilText);
  if (!viewId || !mac || extra !== undefined || !Number.isSafeInteger(until)) return 'the view is malformed';
  const expected = Buffer.from(signature(secret, sessionId, viewer, viewId, until));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'the view is not for this session and viewer';
  if (until <= now) return 'the view has expired: open another';
  return null;
}
