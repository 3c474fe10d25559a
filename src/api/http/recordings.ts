import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Core } from '../../app/core/core.js';
import { playSegment, storeSegment } from '../../app/recordings/segments.js';
import type { Actor } from '../../domain/core/decider.js';
import { ValidationError } from '../../domain/core/errors.js';
import type { RecordingTrack } from '../../domain/session/events.js';
import { BlobTooLargeError, type BlobStore } from '../../media/blob-store.js';
import type { Limits } from '../../config.js';
import type { RecordingSegment } from '../../projections/protocol/queries.js';
import type { Operation } from '../authorization.js';
import { authorizedOn } from '../session/readable.js';
import { fail } from './files.js';

const TRACKS = new Set(['camera', 'screen', 'mobile']);

/** A test-taker uploading to their own session is authorised without a read (see `authorizedOn`). */
function session(core: Core, actor: Actor | null, sessionId: string, operation: Operation) {
  return authorizedOn(core, actor, sessionId, operation);
}

/**
 * POST /recordings?sessionId=…&track=camera|screen|mobile&seq=N&start=ISO&durationMs=N with one self-contained WebM
 * segment as the body. Idempotent by (session, track, seq): the same segment again answers 200 and stores nothing.
 *
 * Stored by `storeSegment`: a segment that is not whole and playable is refused with 422 `BROKEN_SEGMENT` so the
 * recorder sends it again; its third refusal records it lost (`lost: true`: a gap with its cause, and the recorder
 * stops trying).
 */
export async function handleSegmentUpload(req: IncomingMessage, res: ServerResponse, url: URL, actor: Actor | null, core: Core, blobs: BlobStore, limits: Limits): Promise<void> {
  try {
    const p = url.searchParams;
    const sessionId = p.get('sessionId') ?? '';
    const who = await session(core, actor, sessionId, 'session.record');
    const track = p.get('track') ?? '';
    if (!TRACKS.has(track)) throw new ValidationError('track must be camera, screen or mobile');
    const seq = Number(p.get('seq'));
    const start = new Date(p.get('start') ?? '');
    const durationMs = Number(p.get('durationMs'));
    if (!Number.isInteger(seq) || seq < 0) throw new ValidationError('seq must be a whole number from 0');
    if (Number.isNaN(start.getTime())) throw new ValidationError('start must be an ISO-8601 instant');
    if (!Number.isFinite(durationMs) || durationMs <= 0) throw new ValidationError('durationMs must be a positive number');
    if (Number(req.headers['content-length'] ?? 0) > limits.segmentBytes) throw new BlobTooLargeError(limits.segmentBytes);
    const outcome = await storeSegment(core, blobs, limits, who, { sessionId, track: track as RecordingTrack, seq, start, durationMs }, req);
    if (outcome.kind === 'broken') {
      res.writeHead(422, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: `the segment is broken: ${outcome.reason}`, code: 'BROKEN_SEGMENT', lost: outcome.lost }));
      return;
    }
    res.writeHead(outcome.stored ? 201 : 200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ track, seq, size: outcome.size, sha256: outcome.sha256, stored: outcome.stored }));
  } catch (error) {
    if (!fail(res, error)) throw error;
  }
}

/** GET /recordings/:sessionId/:track/:seq — one segment, to whoever may review the session; each playback is an event. */
/** A segment's WebM bytes, kept out of every cache. */
export function sendSegment(res: ServerResponse, { segment, content }: { segment: RecordingSegment; content: Readable }): void {
  res.writeHead(200, {
    'content-type': 'video/webm',
    'content-length': String(segment.size),
    // Not even the browser's cache: it is keyed by address only, so it would hand the segment to the next account
    // signed in on the same machine without asking us.
    'cache-control': 'private, no-store',
    'x-content-type-options': 'nosniff',
  });
  content.pipe(res);
}

export async function handleSegmentDownload(res: ServerResponse, sessionId: string, track: string, seq: number, actor: Actor | null, core: Core, blobs: BlobStore): Promise<void> {
  try {
    const who = await session(core, actor, sessionId, 'session.playback');
    sendSegment(res, await playSegment(core, blobs, who, { sessionId, track, seq }));
  } catch (error) {
    if (!fail(res, error)) throw error;
  }
}
