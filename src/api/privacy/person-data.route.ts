import type { ServerResponse } from 'node:http';
import type { Core } from '../../app/core/core.js';
import { exportPersonData } from '../../app/privacy/person-data.js';
import type { BlobStore } from '../../media/blob-store.js';
import { authorize } from '../authorization.js';
import { fail } from '../http/files.js';
import type { RouteRequest } from '../http/route.js';

/**
 * GET /privacy/people/:username/data.zip with an administrator's Bearer token → everything held about the person as
 * a ZIP (GDPR Art. 15), streamed with backpressure. Refusals before the first byte answer as JSON with their status.
 */
export function downloadPersonData(core: Core, blobs: BlobStore) {
  return async ({ res, params: [username], actor }: RouteRequest): Promise<void> => {
    try {
      const who = authorize(await actor(), 'account.manage');
      const name = decodeURIComponent(username);
      await exportPersonData(core, blobs, who, name, responseSink(res, `person-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.zip`));
    } catch (error) {
      if (res.headersSent) res.destroy(error as Error);
      else if (!fail(res, error)) throw error;
    }
  };
}

function responseSink(res: ServerResponse, fileName: string) {
  const start = () => {
    if (res.headersSent) return;
    res.writeHead(200, {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="${fileName}"`,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    });
  };
  return {
    async write(chunk: Uint8Array) {
      start();
      if (!res.write(chunk)) await new Promise<void>((resolve, reject) => {
        res.once('drain', resolve);
        res.once('close', () => reject(new Error('the client went away')));
      });
    },
    async end() {
      start();
      await new Promise<void>((resolve) => res.end(resolve));
    },
  };
}
