import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parse } from 'yaml';
import { DEBIAN_JANUS_LIB } from '../../src/media/janus/config.js';
import { eventually } from '../support/api.js';
import { AppNode, createDatabase } from '../support/cluster.js';
import { HAS_NGINX, runDaemon, startNginx, untilListening } from '../support/nginx.js';
import { describeWithServer, freePort, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';

/*
 * docker-compose.yml as processes: no container engine runs on these machines, so its topology is run here as the
 * file describes it: the app nodes with the environment compose gives them, nginx with deploy/nginx/proctor.conf in
 * front, and the two Janus services from deploy/janus (its configuration, the libraries its Dockerfile links, the
 * command compose runs). Only the names compose resolves (postgres, app1, janus…) become loopback ports.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const serverUrl = testPostgresUrl();
const HAS_JANUS = existsSync('/usr/bin/janus');
const REASON = [!serverUrl && NO_POSTGRES_REASON, !HAS_NGINX && 'no nginx (apt-get install nginx)', !HAS_JANUS && 'no Janus (apt-get install janus)'].filter(Boolean).join('; ');
const PASSWORD = 'correct horse battery staple, composed';

interface Service {
  environment?: Record<string, string>;
  command?: string[];
  volumes?: string[];
  build?: { context: string } | string;
  ports?: string[];
}
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };

/** `${NAME:-default}` and `${NAME:?message}` as compose reads them from `env`. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, kind: string | undefined, rest: string) => {
    if (env[name]) return env[name];
    if (kind === '?') throw new Error(`compose would refuse: ${rest}`);
    return kind === '-' ? rest : '';
  });
}

describeWithServer('docker-compose.yml run as processes: three nodes behind its nginx, its two Janus, one PostgreSQL', Boolean(serverUrl) && HAS_NGINX && HAS_JANUS, REASON, () => {
  const dir = mkdtempSync(join(tmpdir(), 'compose-'));
  const children: ChildProcess[] = [];
  let nginx: Awaited<ReturnType<typeof startNginx>> | null = null;
  let nodes: AppNode[] = [];
  let db: { url: string; drop(): Promise<void> };
  let nginxPort = 0;
  const janusPorts: Record<string, number> = {};
  let sql: postgres.Sql;
  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const res = await fetch(`http://127.0.0.1:${nginxPort}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as { data?: Record<string, any>; errors?: Array<{ message: string; extensions?: { code?: string } }> } | null };
  };

  beforeAll(async () => {
    db = await createDatabase(serverUrl!, 'compose');
    sql = postgres(db.url, { max: 1, onnotice: () => {} });

    // The Janus services: deploy/janus's configuration where compose's image has it, the libraries its Dockerfile links.
    const janusServices = Object.entries(compose.services).filter(([, s]) => s.command?.[0] === 'janus');
    for (const [name, service] of janusServices) {
      const etc = join(dir, name, 'etc');
      const opt = join(dir, name, 'opt');
      mkdirSync(etc, { recursive: true });
      for (const sub of ['plugins', 'transports', 'events', 'loggers']) mkdirSync(join(opt, sub), { recursive: true });
      symlinkSync(join(DEBIAN_JANUS_LIB, 'plugins', 'libjanus_videoroom.so'), join(opt, 'plugins', 'libjanus_videoroom.so'));
      symlinkSync(join(DEBIAN_JANUS_LIB, 'transports', 'libjanus_websockets.so'), join(opt, 'transports', 'libjanus_websockets.so'));
      const port = await freePort();
      janusPorts[name] = port;
      const context = typeof service.build === 'string' ? service.build : service.build?.context ?? (compose.services.janus.build as { context: string }).context;
      for (const file of readdirSync(join(ROOT, context)).filter((f) => f.endsWith('.jcfg'))) {
        const text = readFileSync(join(ROOT, context, file), 'utf8')
          .replaceAll('/etc/janus-proctor', etc).replaceAll('/opt/janus', opt)
          .replace(/ws_port = \d+/, `ws_port = ${port}`).replace(/ws_ip = "[^"]*"/, 'ws_ip = "127.0.0.1"');
        writeFileSync(join(etc, file), text);
      }
      const [binary, ...args] = service.command!.map((a) => interpolate(a, {}).replaceAll('/etc/janus-proctor', etc));
      const janus = runDaemon(binary, args);
      children.push(janus.child);
      await untilListening(port, janus.output);
    }
    expect(Object.keys(janusPorts).length).toBeGreaterThanOrEqual(2);

    // The app nodes, with the environment compose gives them.
    const apps = Object.entries(compose.services).filter(([, s]) => s.environment?.NODE_ENV === 'production');
    const ports = await Promise.all(apps.map(() => freePort()));
    const shared = join(dir, 'data');
    const secrets = {
      JWT_SECRET: 'compose-test-jwt-secret-compose-test-jwt-secret-0123',
      EVENT_KEY: 'compose-test-event-key-compose-test-event-key-01234',
      MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: PASSWORD,
      MEDIA: 'janus',
    };
    nodes = apps.map(([name, service], i) => {
      const env = Object.fromEntries(Object.entries(service.environment!).map(([k, v]) => [k, interpolate(String(v), secrets)]));
      const janusUrl = env.JANUS_URL.replace(/ws:\/\/([\w-]+):8188/g, (_m, host: string) => `ws://127.0.0.1:${janusPorts[host]}`);
      return new AppNode(name, {
        ...env,
        HOST: '127.0.0.1',
        PORT: String(ports[i]),
        DATABASE_URL: db.url, // compose's postgres service: the test server's database of its own
        JANUS_URL: janusUrl,
        DATA_DIR: shared, // compose's shared-data volume
        TRUSTED_PROXIES: '127.0.0.1', // nginx's address on compose's network
        LOG_LEVEL: 'warn',
      });
    });
    expect(nodes.length).toBe(3);
    await Promise.all(nodes.map((n) => n.ready()));

    // nginx with the deployment's configuration, its upstream names pointed at the nodes.
    nginxPort = await freePort();
    const confPath = compose.services.nginx.volumes!.find((v) => v.includes('proctor.conf'))!.split(':')[0];
    expect(confPath).toBe('./deploy/nginx/proctor.conf');
    nginx = await startNginx(join(dir, 'nginx'), ports, nginxPort);
  }, 180_000);

  afterAll(async () => {
    await nginx?.stop();
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.dispose()));
    await sql?.end({ timeout: 5 });
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the product through nginx: health, the first administrator made once, the janus media engine', async () => {
    const health = await fetch(`http://127.0.0.1:${nginxPort}/healthz`);
    expect(health.status).toBe(200);
    const login = await gql(`mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`, { u: 'admin', p: PASSWORD });
    expect(login.body?.errors).toBeUndefined();
    expect((await gql(`{ mediaEngine }`)).body?.data?.mediaEngine).toBe('janus');
    const [{ admins }] = await sql<{ admins: number }[]>`SELECT count(*)::int AS admins FROM events WHERE type = 'AccountRegistered'`;
    expect(admins).toBe(1);
  });

  it('places the sessions\' Janus rooms on both Janus services, the least loaded first', async () => {
    const token = (await gql(`mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`, { u: 'admin', p: PASSWORD })).body!.data!.login.token as string;
    const student = async (username: string) => {
      const made = await gql(`mutation($u: String!, $p: String!) { registerAccount(username: $u, password: $p, role: "student") { username } }`, { u: username, p: PASSWORD }, token);
      expect(made.body?.errors, JSON.stringify(made.body)).toBeUndefined();
      return (await gql(`mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`, { u: username, p: PASSWORD })).body!.data!.login.token as string;
    };
    for (const n of [1, 2]) {
      const id = `compose-${n}`;
      const own = await student(`compose-student-${n}`);
      const created = await gql(`mutation($i: CreateSessionInput!) { createSession(input: $i) { id } }`, { i: { id, name: `Compose exam ${n}`, duration: 60, student: `compose-student-${n}` } }, token);
      expect(created.body?.errors, JSON.stringify(created.body)).toBeUndefined();
      await gql(`mutation { checkIn(id: "${id}", userAgent: "Chromium 156") { status } }`, {}, own);
      await gql(`mutation { startSession(id: "${id}") { status } }`, {}, own);
      // No browser here: an offer Janus cannot use. The room is placed and made before Janus reads it.
      const published = await gql(`mutation($s: ID!, $sdp: String!) { publishMedia(sessionId: $s, track: "camera", sdp: $sdp) }`, { s: id, sdp: 'v=0\r\n' }, own);
      expect(published.body?.errors?.length).toBeGreaterThan(0);
    }
    const placed = await sql<{ room: string; instance: string }[]>`SELECT room, instance FROM media_room_placements ORDER BY room`;
    expect(placed.map((p) => p.room)).toEqual(['compose-1', 'compose-2']);
    expect(new Set(placed.map((p) => p.instance)).size).toBe(2);
    for (const p of placed) expect(Object.values(janusPorts).map((port) => `ws://127.0.0.1:${port}`)).toContain(p.instance);
  });

  it('carries a subscription through nginx\'s WebSocket upgrade, and goes on through the others when a node is killed', async () => {
    const token = (await gql(`mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`, { u: 'admin', p: PASSWORD })).body!.data!.login.token as string;
    const client = createClient({ url: `ws://127.0.0.1:${nginxPort}/graphql`, webSocketImpl: WebSocket, connectionParams: { token }, retryAttempts: 0 });
    const seen: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const stop = client.subscribe<{ sessionsChanged?: Array<{ session: { id: string } }> }>({ query: `subscription { sessionsChanged { session { id } } }` }, {
        next: (r) => {
          if (r.errors) reject(new Error(JSON.stringify(r.errors)));
          const ids = (r.data?.sessionsChanged ?? []).map((c) => c.session.id);
          seen.push(...ids);
          if (ids.includes('compose-ws')) {
            stop();
            resolve();
          }
        },
        error: reject,
        complete: () => resolve(),
      });
    });
    done.catch(() => {}); // awaited below; a socket closed after the test (teardown) is no failure of it
    // The subscription is live once an event made meanwhile reaches it: make sessions until one does.
    await eventually(async () => {
      await gql(`mutation($i: CreateSessionInput!) { createSession(input: $i) { id } }`, { i: { id: `compose-ws-${seen.length}-${Date.now()}`, name: 'Compose socket', duration: 60, student: 'admin' } }, token);
      return seen.length > 0;
    }, 20_000);
    await gql(`mutation($i: CreateSessionInput!) { createSession(input: $i) { id } }`, { i: { id: 'compose-ws', name: 'Compose socket', duration: 60, student: 'admin' } }, token);
    await done;
    await client.dispose();

    nodes[0].kill('SIGKILL');
    await nodes[0].exited;
    const answers: number[] = [];
    for (let i = 0; i < 12; i++) answers.push((await gql(`{ mediaEngine }`)).status);
    expect(answers.every((s) => s === 200), JSON.stringify(answers)).toBe(true);
  });
});
