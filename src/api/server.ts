import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { WebSocketServer } from 'ws';
import type { Config } from '../config.js';
import type { Core } from '../app/core/core.js';
import { TokenService } from './auth/tokens.js';
import { ActorResolver, onAccountChanged } from './auth/actors.js';
import { contextFor, type ApiContext } from './context.js';
import { startApollo } from './http/graphql.js';
import { bearerToken } from './http/route.js';
import { routeRequests } from './http/router.js';
import { httpRoutes } from './http/routes.js';
import { queryLimits, RateLimiter } from './limits.js';
import { SESSION_EVENTS_PAGE } from './session/session.resolver.js';
import { startGraphqlWs } from './subscriptions/graphql-ws.js';
import type { sharedSubscriptions } from './subscriptions/shared.js';
import { buildApiSchema } from './schema.js';
import type { BlobStore } from '../media/blob-store.js';
import { openBlobStore } from '../media/blob-config.js';
import { sealedWhenKeyed } from '../media/sealed/sealed-blob-store.js';
import { openSignalling } from '../media/signalling.js';
import { ltiFrameAncestors } from '../app/lti/frame-ancestors.js';
import type { JanusEngine } from '../media/janus/engine.js';

/** What one operation may ask for: see `queryLimits`. A page of sessionEvents is 1,000 events unless `first` says. */
export const QUERY_LIMITS = {
  maxDepth: 10, maxCost: 50_000, maxRootFields: 20, maxAliases: 30, listSizes: { 'Query.sessionEvents': SESSION_EVENTS_PAGE },
} as const;

export interface RunningServer {
  readonly url: string;
  readonly http: Server;
  readonly subscriptions: ReturnType<typeof sharedSubscriptions>;
  /** The graphql-ws sockets (tests cut them to see clients reconnect). */
  readonly sockets: WebSocketServer;
  close(): Promise<void>;
}

/** The caller of a plain HTTP route (uploads, downloads), from the same Bearer token as the API. */
function callerOf(actorFrom: (token: string | undefined) => Promise<ApiContext['actor']>) {
  return async (req: IncomingMessage): Promise<ApiContext['actor']> => {
    try {
      return await actorFrom(bearerToken(req));
    } catch {
      return null;
    }
  };
}

/**
 * One HTTP server on one port: GraphQL over HTTP and over graphql-ws at /graphql, the routes of `httpRoutes`, and the
 * web client's files.
 */
export async function startServer(core: Core, config: Config, log: Logger, options: { webDir?: string; blobs?: BlobStore; janus?: JanusEngine | null } = {}): Promise<RunningServer> {
  const blobs = options.blobs ?? (await sealedWhenKeyed(await openBlobStore(config), core.db, config.masterKey));
  const schema = await buildApiSchema();
  const tokens = new TokenService(config.jwtSecret);
  const limits = queryLimits(QUERY_LIMITS);
  const http = createServer();
  // Reverse proxies (nginx keeps upstream connections 60 s) and clients reuse idle connections: closing ours after
  // Node's default 5 s races their next request into a reset. Outlive them instead.
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;

  // Disabling an account or changing its password takes effect on every node as soon as its runner applies the event
  // (`onAccountChanged` below); while a runner does not deliver (stalled, stopped) its node reads accounts every 5 s.
  const actors = new ActorResolver(tokens, (username) => core.loadAccount(username), { following: () => core.runner.following });
  const actorFrom = (token: string | undefined) => actors.resolve(token);
  const signals = await openSignalling(core.db);
  // A test-taker's publisher cut by a Janus that went away: its page publishes again at once (to a Janus that answers)
  // instead of after its own connection times out. Sent as the media server: no username has a '#'.
  const offPublisherLost = options.janus?.onPublisherLost((sessionId, track) => {
    void signals.send({ sessionId, from: '#media', to: '*', kind: 'republish', payload: { track } }).catch(() => {});
  }) ?? (() => {});
  const context = contextFor({
    core, config, tokens,
    loginLimiter: new RateLimiter(10, 60_000, core.rateWindows, 'login'),
    failedLogins: new RateLimiter(config.limits.loginFailuresPerIp, 10 * 60_000, core.rateWindows, 'failed-login'),
    media: { signals, janus: options.janus ?? null, blobs },
  }, actors);

  const ws = startGraphqlWs({ http, schema, limits, config, log, actors, context });
  const offAccounts = onAccountChanged(core.runner, (username) => {
    actors.forget(username);
    void ws.recheck(username).catch((err) => log.error({ err }, 'checking open sockets failed'));
  });
  const apollo = await startApollo({ schema, config, log, http, limits, drain: () => ws.dispose() });

  http.on('request', routeRequests(httpRoutes({ core, config, blobs, apollo, actorFrom, context, webDir: options.webDir }), callerOf(actorFrom), log));

  await new Promise<void>((resolve) => http.listen(config.port, config.host, resolve));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  return {
    url,
    http,
    subscriptions: ws.shared,
    sockets: ws.sockets,
    async close() {
      ws.stopChecks();
      offAccounts();
      offPublisherLost();
      ltiFrameAncestors(core).stop();
      await apollo.stop();
      ws.close();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      await closed;
      await signals.close();
    },
  };
}
