import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, parse, specifiedRules, validate, type ExecutionArgs, type ExecutionResult, type GraphQLSchema, type ValidationRule } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { useServer, type Extra as SocketExtra } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../../config.js';
import type { ActorResolver } from '../auth/actors.js';
import type { ApiContext } from '../context.js';
import { formatError } from '../errors.js';
import { clientAddress } from '../http/client-address.js';
import { unusableInput } from '../input-guard.js';
import { MAX_BODY_BYTES } from '../limits.js';
import { sharedSubscriptions, type Outlet } from './shared.js';

/** What graphql-ws keeps per socket: who signed in on it, and from where. */
type Extra = { actor?: ApiContext['actor']; ip?: string };
type Options = ServerOptions<Record<string, unknown>, SocketExtra & Partial<Extra>>;

/** GraphQL subscriptions at /graphql on `http`, sharing execution among subscribers (see `sharedSubscriptions`). */
export interface GraphqlWs {
  readonly shared: ReturnType<typeof sharedSubscriptions>;
  /** The graphql-ws sockets (tests cut them to see clients reconnect). */
  readonly sockets: WebSocketServer;
  /** Checks the sign-in of the sockets of `username` (all without one) again: those it no longer admits close with 4403. */
  recheck(username?: string): Promise<void>;
  /** Completes every subscription and closes every socket (Apollo's drain). */
  dispose(): Promise<void>;
  /** Stops checking sign-ins every few seconds. */
  stopChecks(): void;
  /** Closes the socket server. */
  close(): void;
}

/**
 * Open graphql-ws sockets and the token each signed in with, checked again every few seconds (and on account events,
 * through `recheck`): a socket whose token no longer speaks for anyone closes with 4403.
 */
function signedInSockets(actors: ActorResolver, log: Logger) {
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
  return {
    recheck,
    add(socket: WebSocket, token: string, username: string): void {
      sockets.set(socket, { token, username });
      socket.once('close', () => sockets.delete(socket));
    },
    stop: () => clearInterval(sweep),
  };
}

/** Everything a socket can subscribe to needs a sign-in: an anonymous socket would only hold a connection. */
function onConnect(actors: ActorResolver, sockets: ReturnType<typeof signedInSockets>, addressOf: (req: IncomingMessage) => string): Options['onConnect'] {
  return async (ctx) => {
    try {
      const token = typeof ctx.connectionParams?.token === 'string' ? ctx.connectionParams.token : undefined;
      const actor = await actors.resolve(token);
      if (!actor || !token) return false;
      ctx.extra.actor = actor;
      ctx.extra.ip = addressOf(ctx.extra.request);
      sockets.add(ctx.extra.socket, token, actor.id);
      return true;
    } catch {
      return false; // graphql-ws closes with 4403 Forbidden
    }
  };
}

/**
 * Checks a subscription (the per-socket limit, the document against the schema and the query limits, the input
 * guard) and gives its execution arguments, with the outlet its shared group writes to (kept in `outlets`).
 */
function onSubscribe(
  options: { schema: GraphQLSchema; limits: ValidationRule; config: Config; context: (actor: ApiContext['actor'], ip: string) => ApiContext },
  outlets: WeakMap<ExecutionArgs, Outlet>,
): Options['onSubscribe'] {
  const { schema, limits, config, context } = options;
  return (ctx, id, payload) => {
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
      announce: payload.extensions?.ready === true,
      // A text frame, as graphql-ws's own messages; a socket that has gone away gets nothing (it is being cleaned up).
      send: (message) => {
        if (socket.readyState === socket.OPEN) socket.send(message, { binary: false });
      },
    });
    return args;
  };
}

/**
 * graphql-ws on `http` at /graphql: a socket signs in with `connection_init` (`{ token }`) within 10 s or is closed,
 * holds at most `subscriptionsPerSocket` subscriptions, and is closed with 4403 once its sign-in no longer holds.
 */
export function startGraphqlWs(options: {
  http: Server; schema: GraphQLSchema; limits: ValidationRule; config: Config; log: Logger;
  actors: ActorResolver; context: (actor: ApiContext['actor'], ip: string) => ApiContext;
}): GraphqlWs {
  const { http, schema, log, actors, context } = options;
  const wss = new WebSocketServer({ server: http, path: '/graphql', maxPayload: MAX_BODY_BYTES });
  // Errors in a subscription's results as in the HTTP API's: the same formatting, unexpected ones logged.
  const formatResult = (result: ExecutionResult) =>
    result.errors?.length
      ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e, (err) => log.error({ err }, 'unexpected error in a subscription'))) }
      : result;
  const shared = sharedSubscriptions({ format: formatResult });
  /** The socket and subscription id of each subscribe's arguments: shared groups write their results straight there. */
  const outlets = new WeakMap<ExecutionArgs, Outlet>();
  const sockets = signedInSockets(actors, log);
  const server = useServer<Record<string, unknown>, Extra>(
    {
      schema,
      // A socket that never says who it is holds a connection for nothing: closed after 10 s.
      connectionInitWaitTimeout: 10_000,
      onConnect: onConnect(actors, sockets, clientAddress(options.config.trustedProxies ?? [])),
      context: (ctx) => context(ctx.extra.actor ?? null, ctx.extra.ip ?? ''),
      onSubscribe: onSubscribe(options, outlets),
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
  return {
    shared,
    sockets: wss,
    recheck: sockets.recheck,
    dispose: () => server.dispose() as Promise<void>,
    stopChecks: sockets.stop,
    close: () => wss.close(),
  };
}
