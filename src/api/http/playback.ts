import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Core } from '../../app/core/core.js';
import { openView, segmentUnderView } from '../../app/recordings/views.js';
import type { Actor } from '../../domain/core/decider.js';
import { NotFoundError } from '../../domain/core/errors.js';
import type { BlobStore } from '../../media/blob-store.js';
import { getMonitorRow } from '../../projections/monitor/queries.js';
import { authorize } from '../authorization.js';
import { fail } from './files.js';
import { sendSegment } from './recordings.js';

/**
 * The player's routes (see src/app/recordings/views.ts for why views):
 *   POST /playback/:sessionId/views           → 201 { viewId, view, expiresAt }   (the view's event is appended)
 *   GET  /playback/:sessionId/:track/:seq     with `x-recording-view: <view>`     → the segment's WebM bytes
 * `GET /recordings/:sessionId/:track/:seq` still logs one `RecordingPlayed` per download for callers without a view.
 */
export const VIEW_HEADER = 'x-recording-view';

async function reviewer(core: Core, actor: Actor | null, sessionId: string): Promise<Actor> {
  const row = await getMonitorRow(core.db, sessionId);
  if (!row) {
    authorize(actor, 'session.playback');
    throw new NotFoundError(`no session ${sessionId}`);
  }
  return authorize(actor, 'session.playback', row);
}

export async function handleOpenView(res: ServerResponse, sessionId: string, actor: Actor | null, core: Core, secret: string): Promise<void> {
  try {
    const opened = await openView(core, secret, await reviewer(core, actor, sessionId), sessionId);
    res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(opened));
  } catch (error) {
    if (!fail(res, error)) throw error;
  }
}

export async function handleViewedSegment(
  req: IncomingMessage, res: ServerResponse, wanted: { sessionId: string; track: string; seq: number }, actor: Actor | null, core: Core, blobs: BlobStore, secret: string,
): Promise<void> {
  try {
    const view = req.headers[VIEW_HEADER];
    const who = await reviewer(core, actor, wanted.sessionId);
    sendSegment(res, await segmentUnderView(core, blobs, secret, who, { ...wanted, view: typeof view === 'string' ? view : undefined }));
  } catch (error) {
    if (!fail(res, error)) throw error;
  }
}
