import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ApiContext } from '../context.js';
import { unusableString } from '../input-guard.js';
import { baseHeaders } from './headers.js';
import { sendJson, type Route } from './route.js';

/** The first route that takes this method and path, with its pattern's groups. */
function match(routes: readonly Route[], method: string | undefined, pathname: string): { route: Route; params: string[] } | null {
  for (const route of routes) {
    if (route.methods !== '*' && !route.methods.includes(method ?? '')) continue;
    if (typeof route.path === 'string') {
      if (route.path === pathname) return { route, params: [] };
      continue;
    }
    const found = route.path.exec(pathname);
    if (found) return { route, params: found.slice(1) };
  }
  return null;
}

/**
 * The HTTP server's request listener: the base headers on every response, 400 for an address that cannot be decoded
 * or carries what no input may (checked before any route sees it), then the first route of the table that matches;
 * 404 when none does, 500 (logged) when a route fails unexpectedly.
 */
export function routeRequests(routes: readonly Route[], callerOf: (req: IncomingMessage) => Promise<ApiContext['actor']>, log: Logger) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    baseHeaders(res);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
      const path = decodeURIComponent(url.pathname);
      const bad = unusableString(path) ?? [...url.searchParams.values()].map(unusableString).find(Boolean);
      if (bad) return sendJson(res, 400, { error: `the address ${bad}`, code: 'BAD_USER_INPUT' });
    } catch {
      return sendJson(res, 400, { error: 'the address is not valid (bad percent-encoding)', code: 'BAD_USER_INPUT' });
    }
    try {
      const found = match(routes, req.method, url.pathname);
      if (!found) return sendJson(res, 404, { error: 'not found' });
      return await found.route.handle({ req, res, url, params: found.params, actor: () => callerOf(req) });
    } catch (error) {
      log.error({ err: error }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal server error' });
      else res.end();
    }
  };
}
