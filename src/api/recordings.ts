import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Core } from '../core.js';
import type { Actor } from '../domain/core/decider.js';
import { NotFoundError, ValidationError } from '../domain/core/errors.js';
import type { RecordingTrack } from '../domain/session/events.js';
import { BlobTooLargeError, type BlobStore } from '../media/blob-store.js';
import { durationMismatch, WebmChecker } from '../media/webm.js';
import type { Limits } from '../config.js';
import { getMonitorRow } from '../projections/monitor/queries.js';
import { recordingSegments } from '../projections/protocol/queries.js';
import { authorizeOn, type Operation } from './authorization.js';
import { fail, keepIfAccepted } from './files.js';

const TRACKS = new Set(['camera', 'screen', 'mobile']);

async function session(core: Core, actor: Actor | null, sessionId: string, operation: Operation) {
  return authorizeOn(actor, operation, sessionId, await getMonitorRow(core.db, sessionId));
}

/**
 * POST /recordings?sessionId=…&track=camera|screen|mobile&seq=N&start=ISO&durationMs=N with one self-contained WebM
 * segment as the body. Idempotent by (session, track, seq): the same segment again answers 200 and stores nothing.
 *
 * The body streams to a staging file (never all in memory) through a WebM check: a segment that is not whole and
 * playable is refused with 422 `BROKEN_SEGMENT` so the recorder sends it again; its third refusal records it lost
 * (`lost: true`: a gap with its cause, and the recorder stops trying). What is refused is not kept.
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
    const checker = new WebmChecker();
    const staged = await blobs.stage(req, { maxBytes: limits.segmentBytes, observe: (chunk) => checker.push(chunk) });
    const verdict = checker.finish();
    const broken = verdict.ok ? durationMismatch(verdict.facts, durationMs) : verdict.reason;
    if (broken) {
      await staged.discard();
      const { events } = await core.session(sessionId, 'RefuseRecordingSegment', { track: track as RecordingTrack, seq, start, durationMs, reason: broken }, who);
      // Nothing recorded means the segment was given up already (or the session refuses to count more): stop sending.
      const lost = events.length === 0 || events.some((e) => e.type === 'RecordingSegmentLost');
      res.writeHead(422, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: `the segment is broken: ${broken}`, code: 'BROKEN_SEGMENT', lost }));
      return;
    }
    await keepIfAccepted(blobs, staged, () =>
      core.session(sessionId, 'StoreRecordingSegment', {
        track: track as RecordingTrack, seq, start, durationMs, size: staged.size, sha256: staged.sha256, quotaBytes: limits.recordingQuotaBytes,
      }, who),
    ).then(({ events }) => {
      res.writeHead(events.length ? 201 : 200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ track, seq, size: staged.size, sha256: staged.sha256, stored: events.length > 0 }));
    });
  } catch (error) {
    if (!fail(res, error)) throw error;
  }
}

/** GET /recordings/:sessionId/:track/:seq — one segment, to whoever may review the session; each playback is an event. */
export async function handleSegmentDownload(res: ServerResponse, sessionId: string, track: string, seq: number, actor: Actor | null, core: Core, blobs: BlobStore): Promise<void> {
  try {
    const who = await session(core, actor, sessionId, 'session.playback');
    const segment = (await recordingSegments(core.db, sessionId, track)).find((s) => s.seq === seq);
    if (!segment) throw new NotFoundError(`no segment ${seq} of ${track}`);
    const stream = await blobs.get(segment.sha256);
    if (!stream) throw new NotFoundError(`the content of segment ${seq} of ${track} is missing`);
    await core.session(sessionId, 'RecordPlayback', { track: track as RecordingTrack, seq }, who);
    res.writeHead(200, {
      'content-type': 'video/webm',
      'content-length': String(segment.size),
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    });
    stream.pipe(res);
  } catch (error) {
    if (!fail(res, error)) throw error;
  }
}
