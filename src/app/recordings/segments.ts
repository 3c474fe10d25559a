import type { Readable } from 'node:stream';
import type { Limits } from '../../config.js';
import type { Actor } from '../../domain/core/decider.js';
import { NotFoundError } from '../../domain/core/errors.js';
import type { RecordingTrack } from '../../domain/session/events.js';
import type { BlobStore } from '../../media/blob-store.js';
import { durationMismatch } from '../../media/webm.js';
import { recordingSegments, type RecordingSegment } from '../../projections/protocol/queries.js';
import type { Core } from '../core/core.js';
import { keepIfAccepted } from '../files/upload.js';
import { sessionBlobs } from '../../media/sealed/sealed-blob-store.js';

/** One recorded piece of a track, as the recorder numbers and times it. */
export interface SegmentUpload {
  readonly sessionId: string;
  readonly track: RecordingTrack;
  readonly seq: number;
  readonly start: Date;
  readonly durationMs: number;
}

/**
 * What became of an uploaded segment: stored (`stored: false` when it was stored already), or broken, `lost` once the
 * session has given it up (or refuses to count more), so the recorder stops sending it.
 */
export type SegmentOutcome =
  | { readonly kind: 'kept'; readonly stored: boolean; readonly size: number; readonly sha256: string }
  | { readonly kind: 'broken'; readonly reason: string; readonly lost: boolean };

/**
 * Stores a recording segment from its recorder. The body streams to a staging file (never all in memory) through a
 * WebM check: a segment that is not whole and playable is refused (`RefuseRecordingSegment`; its third refusal
 * records it lost) and not kept; a playable one is kept only if the session accepts it (its recording quota included).
 */
export async function storeSegment(
  core: Core,
  blobs: BlobStore,
  limits: Pick<Limits, 'segmentBytes' | 'recordingQuotaBytes'>,
  actor: Actor,
  segment: SegmentUpload,
  body: AsyncIterable<Buffer>,
): Promise<SegmentOutcome> {
  const { sessionId, track, seq, start, durationMs } = segment;
  const media = sessionBlobs(blobs, sessionId);
  const staged = await media.stage(body, { maxBytes: limits.segmentBytes, webm: true });
  const verdict = staged.webm;
  if (!verdict) {
    await staged.discard();
    throw new Error('the blob store staged a segment without checking its WebM');
  }
  const broken = verdict.ok ? durationMismatch(verdict.facts, durationMs) : verdict.reason;
  if (broken) {
    await staged.discard();
    const { events } = await core.session(sessionId, 'RefuseRecordingSegment', { track, seq, start, durationMs, reason: broken }, actor);
    return { kind: 'broken', reason: broken, lost: events.length === 0 || events.some((e) => e.type === 'RecordingSegmentLost') };
  }
  const { events } = await keepIfAccepted(media, staged, () =>
    core.session(sessionId, 'StoreRecordingSegment', { track, seq, start, durationMs, size: staged.size, sha256: staged.sha256, quotaBytes: limits.recordingQuotaBytes }, actor),
  );
  return { kind: 'kept', stored: events.length > 0, size: staged.size, sha256: staged.sha256 };
}

/** One stored segment for a reviewer who may play it back: its content, and each playback recorded as an event. */
export async function playSegment(
  core: Core,
  blobs: BlobStore,
  actor: Actor,
  wanted: { readonly sessionId: string; readonly track: string; readonly seq: number },
): Promise<{ segment: RecordingSegment; content: Readable }> {
  const { sessionId, track, seq } = wanted;
  const segment = (await recordingSegments(core.db, sessionId, track)).find((s) => s.seq === seq);
  if (!segment) throw new NotFoundError(`no segment ${seq} of ${track}`);
  const content = await sessionBlobs(blobs, sessionId).get(segment.sha256);
  if (!content) throw new NotFoundError(`the content of segment ${seq} of ${track} is missing`);
  await core.session(sessionId, 'RecordPlayback', { track: track as RecordingTrack, seq }, actor);
  return { segment, content };
}
