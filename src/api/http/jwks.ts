import { toolKeyring } from '../../app/lti/keys.js';
import type { Core } from '../../app/core/core.js';
import { sendJson, type RouteRequest } from './route.js';

/**
 * GET /.well-known/jwks.json: our LTI public keys, which platforms verify our launches back, deep-linking responses
 * and service assertions with. Cached briefly: a rotated key appears within minutes, and the old one stays a week.
 */
export function jwks(core: Core) {
  return async ({ res }: RouteRequest): Promise<void> => {
    sendJson(res, 200, await toolKeyring(core).jwks(), { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' });
  };
}
