import type { IncomingMessage, Server } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLSchema, type ValidationRule } from 'graphql';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { DomainError } from '../../domain/core/errors.js';
import type { ApiContext } from '../context.js';
import { formatError } from '../errors.js';
import { unusableInput } from '../input-guard.js';
import { MAX_BODY_BYTES } from '../limits.js';
import { bearerToken, sendJson, type RouteRequest } from './route.js';

/** How long requests in flight get to finish when the server stops (main.ts has 5 s for the whole shutdown). */
const DRAIN_MS = 2000;

/**
 * Apollo for GraphQL over HTTP on `http`, started: the query limits and the input guard on every operation, errors
 * formatted (unexpected ones logged), and `drain` (the graphql-ws server's) awaited when it stops.
 */
export async function startApollo(options: {
  schema: GraphQLSchema; config: Config; log: Logger; http: Server; limits: ValidationRule; drain: () => Promise<void>;
}): Promise<ApolloServer<ApiContext>> {
  const { schema, config, log, http, limits, drain } = options;
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
      { async serverWillStart() { return { async drainServer() { await drain(); } }; } },
    ],
  });
  await apollo.start();
  return apollo;
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

/**
 * /graphql over HTTP, through Apollo: the body read within `MAX_BODY_BYTES` (413 past it, 400 when it is not JSON),
 * the context built from the Bearer token (a token that speaks for nobody answers 401).
 */
export function graphqlOverHttp(
  apollo: ApolloServer<ApiContext>,
  actorFrom: (token: string | undefined) => Promise<ApiContext['actor']>,
  context: (actor: ApiContext['actor'], ip: string) => ApiContext,
  addressOf: (req: IncomingMessage) => string = (req) => req.socket.remoteAddress ?? '',
) {
  return async ({ req, res, url }: RouteRequest): Promise<void> => {
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
    const ip = addressOf(req);
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => {
        try {
          return context(await actorFrom(bearerToken(req)), ip);
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
  };
}
