import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiContext } from '../context.js';

/** One request as a route sees it: its address already checked, the path pattern's groups, and the caller on demand. */
export interface RouteRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** The groups of the route's path pattern, as matched against the path as sent (still percent-encoded). */
  readonly params: readonly string[];
  /** The caller, from the same Bearer token as the API: null without one, or with one that speaks for nobody now. */
  actor(): Promise<ApiContext['actor']>;
}

/** A line of the route table: the requests it answers (method and path) and what answers them. */
export interface Route {
  /** The methods answered here, or `'*'` for any. */
  readonly methods: '*' | readonly string[];
  /** The path exactly, or an anchored pattern of it (matched against the path as sent). */
  readonly path: string | RegExp;
  handle(request: RouteRequest): Promise<void> | void;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** The token of an `Authorization: Bearer …` header. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
}
