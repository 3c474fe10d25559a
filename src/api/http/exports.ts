import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { exportChunks, openExport, recordDownload, type OpenedExport } from '../../app/export/export.js';
import type { Core } from '../../app/core/core.js';
import { visibleSessions } from '../authorization.js';
import { fail } from './files.js';
import type { RouteRequest } from './route.js';

/**
 * GET /exports/:exportId?key=… → the export as an attachment, streamed: each batch is written when the client has
 * taken the previous one (the socket's drain), so a slow reader holds one batch in memory, not the export. The link is
 * its own credential (single use, minutes long), so a browser can follow it without the API token.
 */
export function downloadExport(core: Core, secret: string) {
  return async ({ res, url, params: [id] }: RouteRequest): Promise<void> => {
    let opened: OpenedExport;
    try {
      opened = await openExport(core, secret, decodeURIComponent(id), url.searchParams.get('key'));
    } catch (error) {
      if (!fail(res, error)) throw error;
      return;
    }
    res.writeHead(200, {
      'content-type': opened.contentType,
      'content-disposition': `attachment; filename="${opened.fileName}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    let rows = 0;
    const complete = await send(res, exportChunks(core.db, opened, visibleSessions(opened.requester), (n) => (rows = n)));
    // The event is in before the download ends: a client holding a whole file is always on the record.
    try {
      await recordDownload(core, opened, rows, complete);
    } catch (error) {
      res.destroy();
      throw error;
    }
    if (complete) res.end();
  };
}

/** Writes every chunk (the caller ends the response), waiting for the socket to drain; false when the client went away first. */
export async function send(res: Writable, chunks: AsyncIterable<string | Buffer>): Promise<boolean> {
  let gone = false;
  const closed = once(res, 'close').then(() => (gone = true));
  try {
    for await (const chunk of chunks) {
      if (gone || res.destroyed) return false;
      if (chunk && !res.write(chunk)) await Promise.race([once(res, 'drain'), closed]);
    }
    return !(gone || res.destroyed);
  } catch (error) {
    // Headers are out: all that is left is to cut the response, so the client sees a broken download, not a short one.
    res.destroy(error as Error);
    return false;
  }
}
