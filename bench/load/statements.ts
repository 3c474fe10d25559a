/**
 * SQL statements per request: `npx tsx bench/load/statements.ts` runs the real server in process over an in-memory
 * PGlite whose `Sql` counts every statement (inside transactions too), makes the test-takers' requests of the load
 * benchmark over HTTP with one proctor subscribed to the session, and prints how many statements each kind costs and
 * which ones. What the load benchmark's CPU per request is made of, on PGlite's side.
 */
import '../support/production-env.js';
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import pino from 'pino';
import WebSocket from 'ws';
import { startServer } from '../../src/api/server.js';
import { hashPassword } from '../../src/app/accounts/passwords.js';
import { Core } from '../../src/app/core/core.js';
import { loadConfig } from '../../src/config.js';
import { SYSTEM_ACTOR } from '../../src/domain/core/decider.js';
import { ALL_EVENT_TYPES } from '../../src/domain/event-types.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { chainKeys } from '../../src/store/chain-keys.js';
import { SqlEventStore } from '../../src/store/sql-event-store.js';
import { openPGlite, type Sql } from '../../src/store/sql.js';
import { table } from '../support/stats.js';
import { gql, send } from './http.js';

const counts = new Map<string, number>();
let counting = false;
let total = 0;

function counted(sql: Sql): Sql {
  const query = sql.query.bind(sql);
  sql.query = ((text: string, params?: readonly unknown[]) => {
    if (counting) {
      const key = text.replace(/\s+/g, ' ').trim().slice(0, 70);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      total += 1;
    }
    return query(text, params);
  }) as Sql['query'];
  const transaction = sql.transaction.bind(sql);
  sql.transaction = ((fn: (tx: Sql) => Promise<unknown>) => transaction((tx) => fn(counted(tx)))) as Sql['transaction'];
  return sql;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'proctor-statements-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORE: 'pglite', DATA_DIR: dataDir, JWT_SECRET: randomUUID() + randomUUID(), MASTER_KEY: Buffer.alloc(32, 7).toString('base64'), NODE_ENV: 'production', LOG_LEVEL: 'silent' });
  const db = counted(await openPGlite());
  const keys = chainKeys(config.eventKey);
  const store = await SqlEventStore.open(db, { eventTypes: ALL_EVENT_TYPES, sealKey: keys.sealKey });
  const runner = new ProjectionRunner(store, db, ALL_PROJECTIONS);
  await runner.start();
  const core = new Core(store, db, runner);
  core.chainKeys = keys;
  const password = 'statements-password-1';
  const passwordHash = await hashPassword(password);
  await core.account('proctor1', 'RegisterAccount', { username: 'proctor1', role: 'proctor', passwordHash }, SYSTEM_ACTOR);
  await core.account('lms', 'RegisterAccount', { username: 'lms', role: 'integrator', passwordHash }, SYSTEM_ACTOR);
  const secret = 'statements-integration-secret-0123456789';
  await core.account('lms', 'SetIntegrationSecret', { secret }, SYSTEM_ACTOR);
  const server = await startServer(core, config, pino({ level: 'silent' }));
  const rows: string[][] = [];
  const detail: string[] = [];
  try {
    const proctor = (await gql<{ login: { token: string } }>(server.url, 'mutation { login(username: "proctor1", password: "statements-password-1") { token } }', {})).login.token;
    const now = Math.floor(Date.now() / 1000);
    const link = await new SignJWT({ username: 'taker1', identifier: 's1', subject: 'Exam', timeout: 600, metrics: 'b2,c2,m2,n1', proctor: 'proctor1' })
      .setProtectedHeader({ alg: 'HS256' }).setIssuer('lms').setIssuedAt(now).setExpirationTime(now + 300).setJti(randomUUID())
      .sign(new TextEncoder().encode(secret));
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const messages: unknown[] = [];
    await new Promise<void>((resolve) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { token: proctor } })));
      ws.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString());
        if (m.type === 'connection_ack') {
          ws.send(JSON.stringify({ id: 'list', type: 'subscribe', payload: { query: 'subscription { sessionsChanged { session { id version } } }' } }));
          resolve();
        } else if (m.type === 'next') messages.push(m);
      });
    });
    let token = '';
    const measure = async (name: string, times: number, fn: (k: number) => Promise<unknown>) => {
      counts.clear();
      total = 0;
      counting = true;
      for (let k = 0; k < times; k++) {
        const before = messages.length;
        await fn(k);
        // The proctor's change too: the statements its subscription costs belong to the request.
        const deadline = Date.now() + 2000;
        while (messages.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      }
      counting = false;
      rows.push([name, (total / times).toFixed(1)]);
      detail.push(`\n${name} (per request):`, ...[...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${(n / times).toFixed(1).padStart(5)}  ${k}`));
    };
    const as = (query: string, variables: Record<string, unknown>) => gql(server.url, query, { id: 's1', ...variables }, token);
    await measure('openIntegrationSession', 1, async () => {
      token = (await gql<{ openIntegrationSession: { token: string } }>(server.url, 'mutation($t: String!) { openIntegrationSession(token: $t) { token } }', { t: link })).openIntegrationSession.token;
    });
    await measure('checkIn', 1, () => as('mutation($id: ID!) { checkIn(id: $id, userAgent: "x") { id version } }', {}));
    await measure('startSession', 1, () => as('mutation($id: ID!) { startSession(id: $id) { id version } }', {}));
    await measure('recordMetrics', 10, (k) => as('mutation($id: ID!, $m: Int!) { recordMetrics(sessionId: $id, minute: $m, values: [{ code: "b2", value: 3 }]) { id version } }', { m: k }));
    await measure('recordViolation', 10, () => as('mutation($id: ID!) { recordViolation(sessionId: $id, code: "b2", detail: "x") { id version } }', {}));
    await measure('sendMessage', 10, () => as('mutation($id: ID!) { sendMessage(sessionId: $id, text: "hello") { id } }', {}));
    await measure('POST /recordings (2 s WebM)', 5, async (k) => {
      const body = (await import('node:fs')).readFileSync(new URL('../../test/fixtures/webm/live-2s.webm', import.meta.url));
      const q = new URLSearchParams({ sessionId: 's1', track: 'camera', seq: String(k), start: new Date().toISOString(), durationMs: '2000' });
      const { status, text } = await send(`${server.url}/recordings?${q}`, 'POST', { authorization: `Bearer ${token}` }, body);
      if (status !== 201) throw new Error(`${status} ${text}`);
    });
    ws.close();
  } finally {
    await server.close();
    await core.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(table(['request', 'SQL statements'], rows));
  console.log(detail.join('\n'));
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
