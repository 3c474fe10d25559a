import type { Core } from '../../app/core/core.js';
import { exportStream } from '../../app/audit/stream.js';
import { getMonitorRow } from '../../projections/monitor/queries.js';
import { authorizeOn } from '../authorization.js';
import { fail } from './files.js';
import type { RouteRequest } from './route.js';

/**
 * GET /audit/sessions/:id/stream.jsonl with the auditor's (or an administrator's) Bearer token → the session's event
 * stream as JSON Lines with its signed checkpoint and our public key, for `scripts/verify-stream.mjs`. Each export is
 * a `StreamExported` event. Small enough to answer whole: a session's stream is thousands of events, not millions.
 */
export function downloadStream(core: Core) {
  return async ({ res, params: [id], actor }: RouteRequest): Promise<void> => {
    try {
      const sessionId = decodeURIComponent(id);
      const who = authorizeOn(await actor(), 'session.replay', sessionId, await getMonitorRow(core.db, sessionId));
      const { fileName, body } = await exportStream(core, who, sessionId);
      res.writeHead(200, {
        'content-type': 'application/jsonl; charset=utf-8',
        'content-disposition': `attachment; filename="${fileName}"`,
        'cache-control': 'private, no-store',
        'x-content-type-options': 'nosniff',
      });
      res.end(body);
    } catch (error) {
      if (!fail(res, error)) throw error;
    }
  };
}
