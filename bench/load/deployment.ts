/**
 * The deployment the load benchmark drives: app nodes it starts itself (`npm start`'s command, the compiled server in
 * dist/, built first when stale; or from source under tsx with `runtime: 'tsx'`, for a before/after), NODE_ENV=production,
 * on loopback, over embedded PGlite or a database of its own on a PostgreSQL server), or nodes already running that
 * it is given by URL. Either way it finds each node's server process, to read its CPU and memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { postgresAddress } from '../../src/store/sql.js';
import { buildServer } from '../../scripts/build-server.mjs';
import { pidListeningOn } from './proc.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One app node: its URL and the pid of its server process (null when it cannot be seen from here). */
export interface Node {
  readonly url: string;
  readonly pid: number | null;
}

export interface Deployment {
  readonly nodes: readonly Node[];
  /** The PostgreSQL database the nodes use (null: embedded PGlite, or not known for a deployment given by URL). */
  readonly database: string | null;
  readonly admin: { readonly username: string; readonly password: string };
  readonly describe: string;
  /** Stops what the benchmark started (SIGTERM: the nodes shut down cleanly and write their CPU profiles) and drops its database. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A PostgreSQL server: the benchmark creates a database of its own in it, and drops it afterwards. */
  readonly databaseUrl: string | null;
  readonly nodes: number;
  /** Directory for `node --cpu-prof` profiles of each node, or null. */
  readonly cpuProfDir: string | null;
  /** More node options for the nodes, before the script (`--max-semi-space-size=32`, `--trace-gc`: those NODE_OPTIONS refuses). */
  readonly nodeArgs?: readonly string[];
  /** More environment for the nodes (PGLITE_THREAD=main, say: a before/after in one sitting). */
  readonly env: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
  /** `compiled` (default): `node dist/main.js` as `npm start` runs it; `tsx`: `node --import tsx src/main.ts` (`npm run dev`). */
  readonly runtime?: Runtime;
}

export type Runtime = 'compiled' | 'tsx';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `npm start`'s node arguments, read from package.json ("exec node <args>"), so the bench runs what production runs. */
function startArgs(): string[] {
  const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const match = /^exec node (.+)$/.exec(start);
  if (!match) throw new Error(`package.json's start script is not "exec node …": ${start}`);
  return match[1].split(/\s+/);
}

/** Runs the server as `npm start` (`node dist/main.js`) or `npm run dev` does, node itself so the pid is the server's, until it prints its URL. */
function startNode(env: Record<string, string>, cpuProfDir: string | null, nodeArgs: readonly string[], log: (line: string) => void, runtime: Runtime): Promise<{ child: ChildProcess; url: string }> {
  const entry = runtime === 'tsx' ? ['--import', 'tsx', 'src/main.ts'] : startArgs();
  // Given after npm start's own options, so that one of the same name wins.
  const script = entry.findIndex((a) => !a.startsWith('-'));
  const args = [...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []), ...entry.slice(0, script), ...nodeArgs, ...entry.slice(script)];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the node did not start within 120 s:\n${output.slice(-2000)}`)), 120_000);
    const look = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > 100_000) output = output.slice(-50_000);
      const match = /Proctoring is running: (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', look);
        // Warnings and errors of the running node stay visible: a failing projection is a result to see.
        child.stdout!.on('data', (c: Buffer) => log(`[node ${child.pid}] ${c.toString('utf8').trimEnd()}`));
        resolve({ child, url: match[1] });
      }
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', (c: Buffer) => {
      output += c.toString('utf8');
      log(`[node ${child.pid}] ${c.toString('utf8').trimEnd()}`);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the node exited with code ${code} before it listened:\n${output.slice(-2000)}`));
    });
  });
}

function stopNode(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A database of our own on the server `serverUrl` names: created now, dropped by the returned function. */
async function ownDatabase(serverUrl: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const { url: serverAddress, path } = postgresAddress(serverUrl);
  const admin = postgres(serverAddress, { max: 1, onnotice: () => {}, path });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const again = postgres(serverAddress, { max: 1, onnotice: () => {}, path });
      try {
        await again.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await again.end({ timeout: 5 });
      }
    },
  };
}

/** Starts `options.nodes` app nodes on one store (several only on PostgreSQL: PGlite is one process's). */
export async function startDeployment(options: StartOptions): Promise<Deployment> {
  if (options.nodes > 1 && !options.databaseUrl) throw new Error('several nodes need a PostgreSQL server (--database-url): embedded PGlite belongs to one process');
  const runtime = options.runtime ?? 'compiled';
  if (runtime === 'compiled' && buildServer()) options.log('server compiled into dist/ (its sources had changed)');
  const run = randomBytes(4).toString('hex');
  const dataDirs: string[] = [];
  const database = options.databaseUrl ? await ownDatabase(options.databaseUrl, `bench_load_${run}`) : null;
  const admin = { username: 'bench-admin', password: `Bench-${randomBytes(12).toString('hex')}` };
  const shared = {
    NODE_ENV: 'production', HOST: '127.0.0.1', LOG_LEVEL: 'warn',
    JWT_SECRET: randomBytes(36).toString('base64url'), EVENT_KEY: randomBytes(36).toString('base64url'), MASTER_KEY: randomBytes(32).toString('base64'),
    ADMIN_USERNAME: admin.username, ADMIN_PASSWORD: admin.password,
    ...(database ? { STORE: 'postgres', DATABASE_URL: database.url } : { STORE: 'pglite' }),
    ...options.env,
  };
  const children: ChildProcess[] = [];
  const nodes: Node[] = [];
  const stop = async () => {
    await Promise.all(children.map(stopNode));
    await database?.drop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    // One data directory for all nodes, as on one host they share a volume (docker-compose): the uploads and recordings
    // one node stores, another serves and analyses. A DATA_DIR given with --env is where it is made (another disk,
    // tmpfs): each run still gets one of its own, removed at the end.
    const dir = mkdtempSync(join(options.env.DATA_DIR ?? tmpdir(), 'proctor-load-'));
    dataDirs.push(dir);
    for (let i = 0; i < options.nodes; i++) {
      const port = await freePort();
      const { child, url } = await startNode({ ...shared, PORT: String(port), DATA_DIR: dir, PUBLIC_URL: `http://127.0.0.1:${port}` }, options.cpuProfDir, options.nodeArgs ?? [], options.log, runtime);
      children.push(child);
      nodes.push({ url, pid: child.pid ?? null });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const store = database ? `PostgreSQL (database bench_load_${run})` : 'embedded PGlite';
  const how = runtime === 'tsx' ? 'from source under tsx' : 'compiled (dist/)';
  return { nodes, database: database ? `bench_load_${run}` : null, admin, describe: `${options.nodes} node(s) started here, production mode, ${how}, ${store}`, stop };
}

/** Nodes already running: each URL's server process is found by the loopback port it listens on. */
export function givenDeployment(urls: readonly string[], admin: { username: string; password: string }, database: string | null): Deployment {
  const nodes = urls.map((raw) => {
    const url = new URL(raw);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`${raw}: the benchmark drives loopback deployments only`);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    return { url: url.origin, pid: pidListeningOn(port) };
  });
  return { nodes, database, admin, describe: `${nodes.length} running node(s) given by --url`, stop: async () => {} };
}
