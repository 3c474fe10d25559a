import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import pino from 'pino';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../src/api/server.js';
import { hashPassword } from '../../src/app/accounts/passwords.js';
import { DEFAULT_LIMITS, type Config } from '../../src/config.js';
import { Core } from '../../src/app/core/core.js';
import type { JanusEngine } from '../../src/media/janus/engine.js';
import type { AccountRole } from '../../src/domain/account/account.js';
import { SYSTEM_ACTOR } from '../../src/domain/core/decider.js';
import { openPostgresTestDb, openTestCore, TEST_EVENT_KEY } from './core.js';

export const PASSWORD = 'secret-pass';

export const ACCOUNTS: ReadonlyArray<{ username: string; role: AccountRole }> = [
  { username: 'admin', role: 'admin' },
  { username: 'proctor1', role: 'proctor' },
  { username: 'proctor2', role: 'proctor' },
  { username: 'student1', role: 'student' },
  { username: 'student2', role: 'student' },
  { username: 'auditor1', role: 'auditor' },
  { username: 'lms', role: 'integrator' },
  { username: 'lms2', role: 'integrator' },
];

export interface GqlResult<T = Record<string, any>> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, any> }>;
}

/** A real server on a free loopback port, over a fresh PGlite, with the accounts above. Requests go over HTTP. */
export async function startTestApi(
  overrides: Partial<Config> = {},
  options: {
    webDir?: string; postgresUrl?: string; janus?: (core: Core, dataDir: string) => Promise<JanusEngine>;
    /** Another node on the PostgreSQL schema of a running test API (its accounts are there already). */
    joinSchema?: string;
  } = {},
) {
  const base = await openTestCore(options.postgresUrl ? await openPostgresTestDb(options.postgresUrl, options.joinSchema) : undefined);
  const core = new Core(base.store, base.sql, base.runner);
  core.chainKeys = base.keys;
  await core.runner.start();
  if (!options.joinSchema) {
    const passwordHash = await hashPassword(PASSWORD);
    for (const a of ACCOUNTS) await core.account(a.username, 'RegisterAccount', { ...a, passwordHash }, SYSTEM_ACTOR);
    await core.account('lms', 'SetIntegrationSecret', { secret: 'lms-shared-secret-0123456789abcdef' }, SYSTEM_ACTOR);
    await core.account('lms2', 'SetIntegrationSecret', { secret: 'lms2-shared-secret-0123456789abcde' }, SYSTEM_ACTOR);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'proctor-api-'));
  const config: Config = {
    port: 0, host: '127.0.0.1', store: 'pglite', databaseUrl: null, kurrentDbUrl: null, dataDir, jwtSecret: 'test-secret-test-secret-test-secret-0001',
    production: false, demoPassword: 'demo', publicUrl: 'http://proctor.test', logLevel: 'silent', media: 'p2p', iceServers: [],
    limits: DEFAULT_LIMITS, frameAncestors: ["'self'"], firstAdmin: null, eventKey: TEST_EVENT_KEY, ...overrides,
  };
  const janus = options.janus ? await options.janus(core, dataDir) : null;
  const server: RunningServer = await startServer(core, config, pino({ level: 'silent' }), { webDir: options.webDir, janus });
  const tokens = new Map<string, string>();
  const clients: Client[] = [];
  /** The id each graphql-ws client gave each subscribe payload, so a test can wait for that very subscription. */
  const subscriptionIds = new WeakMap<object, string>();

  async function gql<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, token?: string | null): Promise<GqlResult<T>> {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GqlResult<T>;
  }

  async function login(username: string): Promise<string> {
    const cached = tokens.get(username);
    if (cached) return cached;
    const r = await gql<{ login: { token: string } }>(`mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`, { u: username, p: PASSWORD });
    if (!r.data?.login) throw new Error(`login ${username} failed: ${JSON.stringify(r.errors)}`);
    tokens.set(username, r.data.login.token);
    return r.data.login.token;
  }

  /** Runs `query` as `username` and returns data, failing the test on any error. */
  async function as<T = Record<string, any>>(username: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const r = await gql<T>(query, variables, await login(username));
    if (r.errors?.length) throw new Error(`${username}: ${JSON.stringify(r.errors)}`);
    return r.data as T;
  }

  /** The first error's code for `query` as `username` (or anonymous with null). */
  async function errorCode(username: string | null, query: string, variables: Record<string, unknown> = {}): Promise<string | undefined> {
    const r = await gql(query, variables, username ? await login(username) : null);
    return r.errors?.[0]?.extensions?.code;
  }

  function wsClient(token: string | null, options: { lazy?: boolean } = {}): Client {
    const client = createClient({
      url: `${server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: token ? { token } : {},
      lazy: options.lazy ?? true,
      retryAttempts: 0,
      generateID: (payload) => {
        const id = randomUUID();
        subscriptionIds.set(payload, id);
        return id;
      },
      onNonLazyError: () => {}, // the close is asserted through the 'closed' event instead
    });
    clients.push(client);
    return client;
  }

  /**
   * Subscribes and collects every result until `dispose` is called. `ready` resolves once the server holds the
   * subscription (or answered it with an error), so events sent after it cannot be missed.
   */
  function subscribe(client: Client, query: string, variables: Record<string, unknown> = {}) {
    const results: GqlResult[] = [];
    const errors: unknown[] = [];
    let completed = false;
    const payload = { query, variables };
    const dispose = client.subscribe(payload, {
      next: (value) => void results.push(value as GqlResult),
      error: (error) => void errors.push(error),
      complete: () => void (completed = true),
    });
    // The id the client gave this subscription (see wsClient): ready once the server holds exactly it.
    const id = subscriptionIds.get(payload);
    const ready = eventually(() => (id !== undefined && server.subscriptions.holds(id)) || results.length > 0 || errors.length > 0 || completed, 15_000);
    return { results, errors, dispose, ready, get completed() { return completed; } };
  }

  async function createSession(id: string, extra: Record<string, unknown> = {}, by = 'admin') {
    return as(by, `mutation($input: CreateSessionInput!) { createSession(input: $input) { id status } }`, {
      input: { id, name: `Exam ${id}`, student: 'student1', proctor: 'proctor1', duration: 60, metrics: ['b2', 'c2', 'm2'], ...extra },
    });
  }

  /** POST /files as `username`; returns the status and the JSON answer. */
  async function upload(username: string | null, sessionId: string, body: Buffer, params: Record<string, string> = {}) {
    const query = new URLSearchParams({ sessionId, ...params });
    const res = await fetch(`${server.url}/files?${query}`, {
      method: 'POST',
      headers: username ? { authorization: `Bearer ${await login(username)}` } : {},
      body: new Uint8Array(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  }

  async function download(username: string | null, fileId: string) {
    const res = await fetch(`${server.url}/files/${fileId}`, { headers: username ? { authorization: `Bearer ${await login(username)}` } : {} });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  }

  return {
    core, server, config, janus, gql, upload, download, login, as, errorCode, wsClient, subscribe, createSession,
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await janus?.close();
      await server.close();
      await core.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestApi = Awaited<ReturnType<typeof startTestApi>>;

export async function eventually<T>(check: () => T | Promise<T>, ms = 5000): Promise<NonNullable<T>> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() - start > ms) throw last ?? new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
