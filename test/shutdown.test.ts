import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually } from './support/api.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/** Whether any process of the group led by `pgid` is still alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function graphql(url: string, query: string, token?: string): Promise<Record<string, any>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as Record<string, any>;
}

describe('npm start, then SIGTERM to npm', () => {
  let npm: ChildProcess;
  let output = '';
  let url = '';
  let dataDir = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'proctor-shutdown-'));
    const port = await freePort();
    // As an operator starts it: NODE_ENV unset (vitest sets "test", under which Apollo behaves differently), the
    // demo seeded, its own process group so that whatever is left afterwards can be found.
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    delete env.NODE_ENV;
    npm = spawn('npm', ['start', '--ignore-scripts'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    npm.stdout!.on('data', (d) => (output += d));
    npm.stderr!.on('data', (d) => (output += d));
    url = await eventually(() => /Proctoring is running: (\S+)/.exec(output)?.[1], 120_000);
  }, 150_000);

  afterAll(() => {
    if (npm?.pid && groupAlive(npm.pid)) process.kill(-npm.pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops the server, with sockets open and exams running, within 5 seconds', async () => {
    const login = await graphql(url, 'mutation { login(username: "proctor1", password: "demo") { token } }');
    const token = login.data.login.token as string;
    // The demo's running exams.
    expect((await graphql(url, '{ sessions(query: "status=in_progress") { totalCount } }', token)).data.sessions.totalCount).toBeGreaterThan(0);
    // A live subscription (graphql-ws), an idle keep-alive connection, and a request whose body never ends.
    let socketClosed = false;
    const ws = createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { token }, retryAttempts: 0, on: { closed: () => (socketClosed = true) } });
    let subscribed = false;
    ws.subscribe({ query: 'subscription { sessionsChanged { event } }' }, { next: () => {}, error: () => {}, complete: () => {} });
    ws.on('connected', () => (subscribed = true));
    await eventually(() => subscribed, 10_000);
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      request(`${url}/healthz`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject).end();
    });
    // "100 Continue" tells that the server has the request (and is in its handler) before the signal.
    const slow = request(`${url}/speedtest`, { method: 'POST', headers: { 'content-length': String(1024 * 1024), expect: '100-continue' } });
    slow.on('error', () => {});
    await new Promise<void>((resolve) => slow.on('continue', () => resolve()).flushHeaders());
    slow.write(Buffer.alloc(1024));

    const started = performance.now();
    process.kill(npm.pid!, 'SIGTERM');
    await eventually(() => !groupAlive(npm.pid!), 15_000);
    const ms = performance.now() - started;
    console.log(`shutdown after SIGTERM to npm: ${Math.round(ms)} ms`);

    expect(ms).toBeLessThan(5000);
    expect(output).toMatch(/"msg":"stopped"/);
    expect(output).not.toMatch(/shutdown took too long/);
    await eventually(() => socketClosed, 2000);
    agent.destroy();
  });
});
