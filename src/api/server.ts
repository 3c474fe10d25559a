import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, parse, specifiedRules, validate, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../config.js';
import type { Core } from '../core.js';
import { DomainError } from '../domain/core/errors.js';
import { TokenService } from './auth/tokens.js';
import { ActorResolver, type RequestActor } from './auth/actors.js';
import type { ApiContext } from './context.js';
import { formatError } from './errors.js';
import { baseHeaders, contentSecurityPolicy } from './http-headers.js';
import { unusableInput, unusableString } from './input-guard.js';
import { queryLimits, RateLimiter } from './limits.js';
import { SESSION_EVENTS_PAGE } from './session/session.resolver.js';
import { sharedSubscriptions, type Outlet } from './live.js';
import { buildApiSchema } from './schema.js';
import { handleDownload, handleUpload } from './files.js';
import { handleSegmentDownload, handleSegmentUpload } from './recordings.js';
import { handlePlayback } from './playback.js';
import { handleReferenceUpload } from './profile/reference-upload.js';
import { LocalBlobStore, type BlobStore } from '../media/blob-store.js';
import { SignallingHub } from '../media/signalling.js';
import type { JanusEngine } from '../media/janus/engine.js';

export const MAX_BODY_BYTES = 1024 * 1024;
/** What one operation may ask for: see `queryLimits`. A page of sessionEvents is 1,000 events unless `first` says. */
export const QUERY_LIMITS = {
  maxDepth: 10, maxCost: 50_000, maxRootFields: 20, maxAliases: 30, listSizes: { 'Query.sessionEvents': SESSION_EVENTS_PAGE },
} as const;
/** How long requests in flight get to finish when the server stops (main.ts has 5 s for the whole shutdown). */
const DRAIN_MS = 2000;

export interface RunningServer {
  readonly url: string;
  readonly http: Server;
  readonly subscriptions: ReturnType<typeof sharedSubscriptions>;
  /** The graphql-ws sockets (tests cut them to see clients reconnect). */
  readonly sockets: WebSocketServer;
  close(): Promise<void>;
}

class PayloadTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(new PayloadTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new PayloadTooLarge());
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.wasm': 'application/wasm', '.bin': 'application/octet-stream', '.woff2': 'font/woff2',
};

/**
 * One HTTP server on one port: GraphQL over HTTP and over graphql-ws at /graphql, and the web client's files.
 */
export async function startServer(core: Core, config: Config, log: Logger, options: { webDir?: string; blobs?: BlobStore; janus?: JanusEngine | null } = {}): Promise<RunningServer> {
  const blobs = options.blobs ?? new LocalBlobStore(join(config.dataDir, 'blobs'));
  const schema = await buildApiSchema();
  const tokens = new TokenService(config.jwtSecret);
  const loginLimiter = new RateLimiter(10, 60_000);
  const failedLogins = new RateLimiter(config.limits.loginFailuresPerIp, 10 * 60_000);
  // A download and an upload per check: a test-taker retrying the check a few times stays well within.
  const speedTests = new RateLimiter(config.limits.speedTestsPerMinute * 2, 60_000);
  const limits = queryLimits(QUERY_LIMITS);
  const http = createServer();
  // Reverse proxies (nginx keeps upstream connections 60 s) and clients reuse idle connections: closing ours after
  // Node's default 5 s races their next request into a reset. Outlive them instead.
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;
  const wss = new WebSocketServer({ server: http, path: '/graphql', maxPayload: MAX_BODY_BYTES });
  // Errors in a subscription's results as in the HTTP API's: the same formatting, unexpected ones logged.
  const formatResult = (result: ExecutionResult) =>
    result.errors?.length
      ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e, (err) => log.error({ err }, 'unexpected error in a subscription'))) }
      : result;
  const shared = sharedSubscriptions({ format: formatResult });
  /** The socket and subscription id of each subscribe's arguments: shared groups write their results straight there. */
  const outlets = new WeakMap<ExecutionArgs, Outlet>();

  // The account behind a token is read again at most every 5 s: disabling it or changing its password takes effect
  // within that on every node, and at once on this one (its events pass through here).
  const actors = new ActorResolver(tokens, (username) => core.loadAccount(username));
  const actorFrom = (token: string | undefined) => actors.resolve(token);
  const media = { signals: new SignallingHub(), janus: options.janus ?? null };
  const context = (actor: ApiContext['actor'], ip: string): ApiContext => ({
    core, config, tokens, loginLimiter, failedLogins, actor, ip, media,
    stillSignedIn: actor?.version === undefined ? undefined : () => actors.stillValid(actor as RequestActor),
  });
  /** Open graphql-ws sockets and the token each signed in with: checked again every few seconds and on account events. */
  const sockets = new Map<WebSocket, { token: string; username: string }>();
  const recheck = async (only?: string) => {
    for (const [socket, held] of sockets) {
      if (only && held.username.toLowerCase() !== only.toLowerCase()) continue;
      try {
        await actors.resolve(held.token);
      } catch (error) {
        sockets.delete(socket);
        socket.close(4403, `Forbidden: ${error instanceof Error ? error.message : 'sign in again'}`.slice(0, 120));
      }
    }
  };
  const sweep = setInterval(() => void recheck().catch((err) => log.error({ err }, 'checking open sockets failed')), 4_000);
  sweep.unref();
  const offAccounts = core.runner.onApplied(({ events }) => {
    for (const e of events) {
      if (e.type !== 'AccountDisabled' && e.type !== 'PasswordChanged' && e.type !== 'AccountEnabled' && e.type !== 'AccountRegistered') continue;
      const username = e.streamId.replace(/^account-/, '');
      actors.forget(username);
      void recheck(username).catch((err) => log.error({ err }, 'checking open sockets failed'));
    }
  });

  const wsServer = useServer<Record<string, unknown>, { actor?: ApiContext['actor']; ip?: string }>(
    {
      schema,
      // A socket that never says who it is holds a connection for nothing: closed after 10 s.
      connectionInitWaitTimeout: 10_000,
      onConnect: async (ctx) => {
        try {
          const token = typeof ctx.connectionParams?.token === 'string' ? ctx.connectionParams.token : undefined;
          const actor = await actorFrom(token);
          // Everything a socket can subscribe to needs a sign-in: an anonymous socket would only hold a connection.
          if (!actor || !token) return false;
          ctx.extra.actor = actor;
          ctx.extra.ip = ctx.extra.request.socket.remoteAddress ?? '';
          sockets.set(ctx.extra.socket, { token, username: actor.id });
          ctx.extra.socket.once('close', () => sockets.delete(ctx.extra.socket));
          return true;
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      context: (ctx) => context(ctx.extra.actor ?? null, ctx.extra.ip ?? ''),
      onSubscribe: (ctx, id, payload) => {
        // Each subscription costs every write a little: one socket may not hold thousands.
        if (Object.keys(ctx.subscriptions).length > config.limits.subscriptionsPerSocket) { // this one is counted already
          return [new GraphQLError(`one connection may hold ${config.limits.subscriptionsPerSocket} subscriptions at most; close some first`, { extensions: { code: 'TOO_MANY_REQUESTS' } })];
        }
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(schema, document, [...specifiedRules, limits]);
        if (errors.length) return errors;
        const unusable = unusableInput(document, payload.variables);
        if (unusable) return [unusable];
        const args: ExecutionArgs = {
          schema,
          document,
          variableValues: payload.variables,
          operationName: payload.operationName,
          contextValue: context(ctx.extra.actor ?? null, ctx.extra.ip ?? ''),
        };
        const socket = ctx.extra.socket;
        outlets.set(args, {
          id,
          // A text frame, as graphql-ws's own messages; a socket that has gone away gets nothing (it is being cleaned up).
          send: (message) => {
            if (socket.readyState === socket.OPEN) socket.send(message, { binary: false });
          },
        });
        return args;
      },
      subscribe: (args) => shared.subscribe(args, outlets.get(args)) as never,
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((e) => {
          const f = formatError(e.toJSON(), e, (err) => log.error({ err }, 'unexpected error in a subscription'));
          return new GraphQLError(f.message, { extensions: f.extensions });
        }),
      // Only what graphql-ws sends itself passes here (a one-off result, an expired sign-in's error): shared groups format theirs.
      onNext: (_ctx, _id, _payload, _args, result) => formatResult(result),
    },
    wss,
  );

  const apollo = new ApolloServer<ApiContext>({
    schema,
    introspection: !config.production,
    hideSchemaDetailsFromClientErrors: config.production,
    includeStacktraceInErrorResponses: false,
    // main.ts owns SIGINT/SIGTERM and stops everything in order: Apollo's own handlers would stop it a second time,
    // and that second stop() waits forever (seen: every SIGTERM took the 10 s deadline).
    stopOnTerminationSignals: false,
    validationRules: [limits],
    formatError: (formatted, error) => formatError(formatted, error, (e) => log.error({ err: e }, 'unexpected error in a resolver')),
    plugins: [
      ApolloServerPluginCacheControlDisabled(), // no HTTP caching of GraphQL here; it wrapped every resolver
      // Requests in flight get this long to finish (their appends included) before their sockets are cut.
      ApolloServerPluginDrainHttpServer({ httpServer: http, stopGracePeriodMillis: DRAIN_MS }),
      {
        async requestDidStart() {
          return {
            async didResolveOperation({ document, request }) {
              const unusable = unusableInput(document, request.variables);
              if (unusable) throw unusable;
            },
          };
        },
      },
      { async serverWillStart() { return { async drainServer() { await wsServer.dispose(); } }; } },
    ],
  });
  await apollo.start();

  http.on('request', async (req, res) => {
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
      if (url.pathname === '/graphql') return await handleGraphql(req, res, url);
      if (url.pathname === '/healthz') return await health(res);
      if (url.pathname === '/files' && req.method === 'POST') return await handleUpload(req, res, url, await httpActor(req, res), core, blobs, config.limits);
      const file = /^\/files\/([0-9a-f-]{36})$/.exec(url.pathname);
      if (file && req.method === 'GET') return await handleDownload(res, file[1], await httpActor(req, res), core, blobs);
      if (url.pathname === '/profiles/reference' && req.method === 'POST') return await handleReferenceUpload(req, res, url, await httpActor(req, res), core, blobs);
      if (url.pathname === '/speedtest') {
        const who = await httpActor(req, res);
        if (!who) return sendJson(res, 401, { error: 'sign in first: the network test is for signed-in users', code: 'UNAUTHENTICATED' });
        if (!speedTests.take(who.id)) return sendJson(res, 429, { error: `too many network tests; try again in ${speedTests.retryAfterSeconds(who.id)} s`, code: 'TOO_MANY_REQUESTS' });
        return await speedTest(req, res, url);
      }
      const asset = /^\/(models|wasm)\/([A-Za-z0-9_.-]+)$/.exec(url.pathname);
      if (asset && req.method === 'GET') return serveVendorAsset(asset[1] as 'models' | 'wasm', asset[2], res);
      if (url.pathname === '/recordings' && req.method === 'POST') return await handleSegmentUpload(req, res, url, await httpActor(req, res), core, blobs, config.limits);
      if (url.pathname.startsWith('/playback/')) return await handlePlayback(req, res, url, await httpActor(req, res), core, blobs, config.jwtSecret);
      const segment = /^\/recordings\/([^/]+)\/(camera|screen|mobile)\/(\d+)$/.exec(url.pathname);
      if (segment && req.method === 'GET') {
        return await handleSegmentDownload(res, decodeURIComponent(segment[1]), segment[2], Number(segment[3]), await httpActor(req, res), core, blobs);
      }
      if (options.webDir && (req.method === 'GET' || req.method === 'HEAD')) return serveStatic(options.webDir, url.pathname, res, contentSecurityPolicy(config, req));
      sendJson(res, 404, { error: 'not found' });
    } catch (error) {
      log.error({ err: error }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal server error' });
      else res.end();
    }
  });

  /**
   * 200 while every read model applies events; 503 naming each one that failed (and where), or saying the store cannot
   * be read: a load balancer or an operator sees the trouble, and writes go on regardless.
   */
  async function health(res: ServerResponse): Promise<void> {
    const stalled = core.runner.stalledBy;
    let failed: Array<{ name: string; eventId: string; eventType: string; streamId: string; checkpoint: string; error: string }> = [];
    try {
      failed = (await core.runner.status()).flatMap((s) => (s.failure ? [{ name: s.name, ...s.failure }] : []));
    } catch (error) {
      return sendJson(res, 503, { ok: false, error: `the read-model database cannot be read: ${(error as Error).message}` });
    }
    if (!stalled && failed.length === 0) return sendJson(res, 200, { ok: true });
    const problems = [
      ...failed.map((f) => `projection ${f.name} failed at event ${f.eventId} (${f.eventType}): ${f.error}`),
      ...(stalled ? [`read models cannot apply events: ${(stalled as Error).message ?? String(stalled)}`] : []),
    ];
    sendJson(res, 503, { ok: false, failed, problems }, { 'cache-control': 'no-store' });
  }

  /** The caller of a plain HTTP route (uploads, downloads), from the same Bearer token as the API. */
  async function httpActor(req: IncomingMessage, _res: ServerResponse): Promise<ApiContext['actor']> {
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    try {
      return await actorFrom(token);
    } catch {
      return null;
    }
  }

  async function handleGraphql(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let body: unknown = undefined;
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(req, MAX_BODY_BYTES);
      } catch (error) {
        if (error instanceof PayloadTooLarge) {
          return sendJson(res, 413, { errors: [{ message: `request body over ${MAX_BODY_BYTES} bytes`, extensions: { code: 'BAD_USER_INPUT' } }] });
        }
        throw error;
      }
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        return sendJson(res, 400, { errors: [{ message: 'request body is not JSON', extensions: { code: 'BAD_USER_INPUT' } }] });
      }
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    const ip = req.socket.remoteAddress ?? '';
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => {
        const auth = req.headers.authorization;
        const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
        try {
          return context(await actorFrom(token), ip);
        } catch (error) {
          if (error instanceof DomainError || error instanceof GraphQLError) {
            throw new GraphQLError(error.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
          }
          throw error;
        }
      },
    });
    const out: Record<string, string> = {};
    for (const [key, value] of result.headers) out[key] = value;
    res.writeHead(result.status ?? 200, out);
    if (result.body.kind === 'complete') res.end(result.body.string);
    else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  await new Promise<void>((resolve) => http.listen(config.port, config.host, resolve));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  return {
    url,
    http,
    subscriptions: shared,
    sockets: wss,
    async close() {
      clearInterval(sweep);
      offAccounts();
      await apollo.stop();
      wss.close();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      await closed;
    },
  };
}

/**
 * The compatibility check's network test: GET sends `bytes` random bytes (at most 4 MB), POST swallows the body
 * (at most 4 MB) and says how much arrived. The client times both.
 */
async function speedTest(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const MAX = 4 * 1024 * 1024;
  if (req.method === 'POST') {
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX) return sendJson(res, 413, { error: 'too large' });
    }
    return sendJson(res, 200, { received: size });
  }
  const bytes = Math.max(1, Math.min(MAX, Number(url.searchParams.get('bytes') ?? 1024 * 1024) || 0));
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes), 'cache-control': 'no-store' });
  res.end(randomBytes(bytes));
}

/**
 * Face detection in the browser needs the model weights and the tfjs WebAssembly binaries: served from the npm packages
 * that ship them, never from a CDN. Only the files the client loads are reachable.
 */
const VENDOR: Record<'models' | 'wasm', { dir: string; files: RegExp }> = {
  models: {
    dir: fileURLToPath(new URL('../../node_modules/@vladmandic/face-api/model/', import.meta.url)),
    files: /^(tiny_face_detector_model|face_landmark_68_tiny_model|face_recognition_model)(-weights_manifest\.json|\.bin)$/,
  },
  wasm: {
    dir: fileURLToPath(new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url)),
    files: /^tfjs-backend-wasm(-simd|-threaded-simd)?\.wasm$/,
  },
};

function serveVendorAsset(kind: 'models' | 'wasm', name: string, res: ServerResponse): void {
  const { dir, files } = VENDOR[kind];
  const file = join(dir, name);
  if (!files.test(name) || !existsSync(file)) return sendJson(res, 404, { error: 'not found' });
  res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'public, max-age=86400' });
  createReadStream(file).pipe(res);
}

function serveStatic(root: string, pathname: string, res: ServerResponse, csp: string): void {
  const safe = normalize(decodeURIComponent(pathname)).replace(/^(\.\.[/\\])+/, '');
  let file = join(root, safe);
  if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
  if (!existsSync(file)) return sendJson(res, 404, { error: 'the web client is not built: run npm run build' });
  const immutable = /\/assets\//.test(file);
  const type = MIME[extname(file)] ?? 'application/octet-stream';
  res.writeHead(200, {
    'content-type': type,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    // The app's page; other pages here (the demo test content) stand in for an LMS's and keep their own rules.
    ...(file === join(root, 'index.html') ? { 'content-security-policy': csp } : {}),
  });
  createReadStream(file).pipe(res);
}
