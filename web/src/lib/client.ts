import { Client, fetchExchange, type AnyVariables } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { auth, signOut } from './auth.svelte.js';
import { connection } from './connection.svelte.js';

/** An API error as the server states it: message plus `extensions.code` and details (a search error's column …). */
export class ApiError extends Error {
  constructor(message: string, readonly code: string | undefined, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}

let ws: WsClient | null = null;
let wsToken: string | null = null;
const reconnected = new Set<() => void>();

/**
 * Calls `listener` each time the live connection is back after it was lost (to this server, or to another node behind
 * the same address): what was sent while it was down never arrives, so a screen reads its list again.
 */
export function onReconnected(listener: () => void): () => void {
  reconnected.add(listener);
  return () => reconnected.delete(listener);
}

/** One graphql-ws connection per signed-in user, reconnecting forever with backoff; re-created when the token changes. */
function wsClient(): WsClient {
  if (ws && wsToken === auth.token) return ws;
  void ws?.dispose();
  wsToken = auth.token;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  ws = createWsClient({
    url,
    connectionParams: () => (auth.token ? { token: auth.token } : {}),
    retryAttempts: Infinity,
    // 4403: the server no longer takes this sign-in (expired, password changed, account disabled): sign in again.
    shouldRetry: (event) => (event as CloseEvent | undefined)?.code !== 4403,
    // Spread out: when a node stops, all its sockets come back at once, and the others should not take them in one go.
    retryWait: async (retries) => new Promise((r) => setTimeout(r, Math.min(5000, 300 * 2 ** retries) * (0.5 + Math.random()))),
    keepAlive: 10_000,
    on: {
      connected: () => {
        const again = connection.everConnected;
        connection.online = true;
        connection.everConnected = true;
        if (again) for (const listener of [...reconnected]) listener();
      },
      closed: (event) => {
        const code = (event as CloseEvent | undefined)?.code;
        if (code === 4403 && auth.token === wsToken) signOut();
        // 1000 is graphql-ws closing an idle lazy connection on purpose; anything else is a lost connection.
        else if (code !== 1000) connection.online = false;
      },
    },
  });
  return ws;
}

export function createApiClient(): Client {
  return new Client({
    url: '/graphql',
    requestPolicy: 'network-only',
    preferGetMethod: false,
    fetchOptions: () => (auth.token ? { headers: { authorization: `Bearer ${auth.token}` } } : {}),
    // Queries and mutations only: subscriptions go over the one graphql-ws socket (`live`).
    exchanges: [fetchExchange],
  });
}

/**
 * A GraphQL document as the client sends it (a string), carrying the types of its result and variables: the documents
 * modules declare theirs with the types `npm run web:types` generates from schema.graphql (graphql.generated.ts).
 */
export type GqlDocument<Data, Variables> = string & { readonly __apiType?: (variables: Variables) => Data };

/** Runs a query or mutation and returns its data, or throws ApiError with the server's code. */
export async function request<Data, Vars extends AnyVariables>(
  client: Client,
  document: GqlDocument<Data, Vars>,
  variables: Vars,
  kind: 'query' | 'mutation' = 'query',
): Promise<Data> {
  const result = kind === 'query' ? await client.query(document, variables).toPromise() : await client.mutation(document, variables).toPromise();
  if (result.error) {
    const first = result.error.graphQLErrors[0];
    if (first) {
      const error = apiErrorOf(first);
      // A sign-in the server no longer takes (disabled, password changed elsewhere, expired): back to the login page.
      if (error.code === 'UNAUTHENTICATED' && auth.token) signOut();
      throw error;
    }
    throw new ApiError(result.error.networkError ? 'the server cannot be reached' : result.error.message, 'NETWORK');
  }
  return result.data as Data;
}

/** A GraphQL error as the client sees it: its message, and `extensions.code` apart from the other details. */
function apiErrorOf(error: { message?: string; extensions?: Record<string, unknown> | null }): ApiError {
  const { code, ...details } = error.extensions ?? {};
  return new ApiError(error.message || 'the request failed', code as string | undefined, details);
}

/** An error as the server or the socket gives it to a subscription: GraphQL errors, or why the connection ended. */
function subscriptionError(error: unknown): ApiError {
  const first = Array.isArray(error) ? (error[0] as Parameters<typeof apiErrorOf>[0] | undefined) : undefined;
  if (first) return apiErrorOf(first);
  const reason = (error as { reason?: string; message?: string } | null)?.reason || (error as Error | null)?.message;
  return new ApiError(reason || 'the live connection was lost', 'NETWORK');
}

/**
 * Subscribes; `onData` gets each result's data, `onError` the first error, and `onSubscribed` is called once the
 * server holds the subscription: a list read after that misses no change (one read before it can, as the subscribe
 * may still be on its way). Returns the unsubscribe function. Each call is its own subscription on the socket (no
 * sharing between callers: each needs its own "subscribed").
 */
export function live<Data, Vars extends AnyVariables>(
  document: GqlDocument<Data, Vars>,
  variables: Vars,
  onData: (data: Data) => void,
  onError?: (error: ApiError) => void,
  onSubscribed?: () => void,
): () => void {
  let failed = false;
  const fail = (error: ApiError) => {
    if (failed) return;
    failed = true;
    onSubscribed?.(); // nothing more will come: whoever waits for it must not wait forever
    onError?.(error);
  };
  return wsClient().subscribe<Data>(
    { query: document, variables: variables as Record<string, unknown>, ...(onSubscribed ? { extensions: { ready: true } } : {}) },
    {
      next: (result) => {
        if (result.errors?.length) return fail(subscriptionError(result.errors));
        if (result.data) return onData(result.data as Data);
        if ((result.extensions as { subscribed?: boolean } | undefined)?.subscribed) onSubscribed?.();
      },
      error: (error) => fail(subscriptionError(error)),
      complete: () => {},
    },
  );
}

/**
 * `live`, with a promise that settles once the server holds the subscription (or it failed, or `withinMs` passed:
 * a socket that cannot connect must not keep a screen from reading its list; it reads again on reconnecting), and
 * never if it is stopped before.
 */
export function follow<Data, Vars extends AnyVariables>(
  document: GqlDocument<Data, Vars>,
  variables: Vars,
  onData: (data: Data) => void,
  onError?: (error: ApiError) => void,
  withinMs = 5_000,
): { stop: () => void; subscribed: Promise<void> } {
  let done!: () => void;
  const subscribed = new Promise<void>((resolve) => (done = resolve));
  const timer = setTimeout(() => done(), withinMs);
  const stop = live(document, variables, onData, onError, () => {
    clearTimeout(timer);
    done();
  });
  return {
    // Stopped first, `subscribed` never settles: whoever waits on it reads nothing for a screen that has gone.
    stop: () => {
      clearTimeout(timer);
      stop();
    },
    subscribed,
  };
}

/** Uploads a file for a session (chat attachment or identity photo) and returns its id. */
export async function uploadFile(sessionId: string, file: Blob, name: string, kind: 'attachment' | 'face' | 'document' = 'attachment'): Promise<{ fileId: string; name: string; contentType: string }> {
  const query = new URLSearchParams({ sessionId, kind, name });
  const res = await fetch(`/files?${query}`, { method: 'POST', headers: auth.token ? { authorization: `Bearer ${auth.token}` } : {}, body: file });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(body.error ?? `upload failed (${res.status})`, body.code);
  return body;
}

/** Fetches a file with the Bearer token (an <img src> cannot send it) and returns an object URL for it. */
export async function fileUrl(fileId: string): Promise<string> {
  const res = await fetch(`/files/${fileId}`, { headers: auth.token ? { authorization: `Bearer ${auth.token}` } : {} });
  if (!res.ok) throw new ApiError(`the file cannot be opened (${res.status})`, String(res.status));
  return URL.createObjectURL(await res.blob());
}
