import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Core } from '../core.js';
import type { Actor } from '../domain/core/decider.js';
import { ForbiddenError, NotFoundError } from '../domain/core/errors.js';
import type { BlobStore } from '../media/blob-store.js';
import { getMonitorRow } from '../projections/monitor/queries.js';
import { recordingSegment } from '../projections/protocol/queries.js';
import { authorize } from './authorization.js';
import { fail } from './files.js';

/**
 * Watching a recording: the protocol's player streams every track segment by segment (Media Source Extensions), so a
 * 90-minute session is some 1,600 downloads. Logging each as its own event would bury the access log; instead the
 * reviewer opens a view (one `RecordingViewed` event, the access log entry) and the segments fetched under it are
 * covered by that event while it lasts. A longer watch opens another view, and so another event.
 *
 *   POST /playback/:sessionId/views           → 201 { viewId, view, expiresAt }   (the event is appended here)
 *   GET  /playback/:sessionId/:track/:seq     with `x-recording-view: <view>`     → the segment's WebM bytes
 *
 * Every request still carries the Bearer token and is authorised on its own (a disabled account or a lost right stops
 * the download within the token cache's 10 s); the view is an HMAC over session, viewer, id and expiry, so it cannot be
 * reused by someone else or for another session, and no server keeps view state (any node can serve the segments).
 * `GET /recordings/:sessionId/:track/:seq` still logs one `RecordingPlayed` per download for callers without a view.
 */
export const VIEW_MS = 2 * 3_600_000;
export const VIEW_HEADER = 'x-recording-view';

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

async function reviewer(core: Core, actor: Actor | null, sessionId: string): Promise<Actor> {
  const row = await getMonitorRow(core.db, sessionId);
  if (!row) {
    authorize(actor, 'session.playback');
    throw new NotFoundError(`no session ${sessionId}`);
  }
  return authorize(actor, 'session.playback', row);
}

const VIEWS = /^\/playback\/([^/]+)\/views$/;
const SEGMENT = /^\/playback\/([^/]+)\/(camera|screen|mobile)\/(\d+)$/;

/** The /playback/… routes; answers 404 for any other path under it. */
export async function handlePlayback(req: IncomingMessage, res: ServerResponse, url: URL, actor: Actor | null, core: Core, blobs: BlobStore, secret: string): Promise<void> {
  try {
    const views = VIEWS.exec(url.pathname);
    if (views && req.method === 'POST') return await openView(res, decodeURIComponent(views[1]), actor, core, secret);
    const segment = SEGMENT.exec(url.pathname);
    if (segment && req.method === 'GET') {
      const view = req.headers[VIEW_HEADER];
      return await sendSegment(res, decodeURIComponent(segment[1]), segment[2], Number(segment[3]), typeof view === 'string' ? view : undefined, actor, core, blobs, secret);
    }
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: 'not found' }));
  } catch (error) {
    if (!fail(res, error)) throw error;
  }
}

async function openView(res: ServerResponse, sessionId: string, actor: Actor | null, core: Core, secret: string): Promise<void> {
  const who = await reviewer(core, actor, sessionId);
  const viewId = randomUUID();
  const until = new Date(core.now().getTime() + VIEW_MS);
  await core.session(sessionId, 'ViewRecording', { viewId, until }, who);
  res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ viewId, view: issueView(secret, sessionId, who.id, viewId, until.getTime()), expiresAt: until.toISOString() }));
}

async function sendSegment(
  res: ServerResponse, sessionId: string, track: string, seq: number, view: string | undefined, actor: Actor | null, core: Core, blobs: BlobStore, secret: string,
): Promise<void> {
  const who = await reviewer(core, actor, sessionId);
  const refusal = viewRefusal(secret, view, sessionId, who.id, core.now().getTime());
  if (refusal) throw new ForbiddenError(refusal);
  const segment = await recordingSegment(core.db, sessionId, track, seq);
  if (!segment) throw new NotFoundError(`no segment ${seq} of ${track}`);
  const stream = await blobs.get(segment.sha256);
  if (!stream) throw new NotFoundError(`the content of segment ${seq} of ${track} is missing`);
  res.writeHead(200, {
    'content-type': 'video/webm',
    'content-length': String(segment.size),
    // Not even the browser's cache: it is keyed by address only, so it would hand the segment to the next account
    // signed in on the same machine without asking us.
    'cache-control': 'private, no-store',
    'x-content-type-options': 'nosniff',
  });
  stream.pipe(res);
}
