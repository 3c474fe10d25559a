import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.js';
import { RateLimiter } from '../limits.js';
import { sendJson, type RouteRequest } from './route.js';

const MAX_BYTES = 4 * 1024 * 1024;

/**
 * /speedtest, the compatibility check's network test, for signed-in users only: GET sends `bytes` random bytes (at
 * most 4 MB), POST swallows the body (at most 4 MB) and says how much arrived. The client times both.
 */
export function speedTest(config: Config) {
  // A download and an upload per check: a test-taker retrying the check a few times stays well within. Counted per
  // node, in memory: what it protects is the bandwidth of the node that serves the test.
  const speedTests = new RateLimiter(config.limits.speedTestsPerMinute * 2, 60_000);
  return async ({ req, res, url, actor }: RouteRequest): Promise<void> => {
    const who = await actor();
    if (!who) return sendJson(res, 401, { error: 'sign in first: the network test is for signed-in users', code: 'UNAUTHENTICATED' });
    if (!(await speedTests.take(who.id))) {
      return sendJson(res, 429, { error: `too many network tests; try again in ${await speedTests.retryAfterSeconds(who.id)} s`, code: 'TOO_MANY_REQUESTS' });
    }
    if (req.method === 'POST') {
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BYTES) return sendJson(res, 413, { error: 'too large' });
      }
      return sendJson(res, 200, { received: size });
    }
    const bytes = Math.max(1, Math.min(MAX_BYTES, Number(url.searchParams.get('bytes') ?? 1024 * 1024) || 0));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes), 'cache-control': 'no-store' });
    res.end(randomBytes(bytes));
  };
}
