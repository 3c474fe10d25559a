import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { postgresAddress } from '../../src/store/sql.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A database of its own on the test server, dropped by `drop` (its nodes must be gone by then). */
export async function createDatabase(serverUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`.toLowerCase();
  const { url: address, path } = postgresAddress(serverUrl);
  const admin = postgres(address, { path, max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await admin.end({ timeout: 5 });
    },
  };
}

/** One app node: `node --import tsx src/main.ts` as an operator runs it, in production mode, on PostgreSQL. */
export class AppNode {
  output = '';
  url = '';
  readonly exited: Promise<number | null>;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'proctor-node-'));
  readonly child: ChildProcess;

  constructor(readonly name: string, env: Record<string, string>) {
    // The node itself, not a wrapper: `kill -9` must hit the process that holds the connections.
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', STORE: 'postgres', DATA_DIR: this.dataDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the node's URL once it listens; rejects if it exits first or takes longer than `ms`. */
  async ready(ms = 90_000): Promise<this> {
    const started = Date.now();
    for (;;) {
      const match = /Proctoring is running: (http:\/\/\S+)/.exec(this.output);
      if (match) {
        this.url = match[1];
        return this;
      }
      if (!this.alive) throw new Error(`node ${this.name} exited before it listened:\n${this.output}`);
      if (Date.now() - started > ms) throw new Error(`node ${this.name} did not listen within ${ms} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  kill(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  async dispose(): Promise<void> {
    this.kill('SIGKILL');
    await this.exited;
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** The pid of the node process that leads the projections now (the holder of the advisory lock), or null. */
export async function projectionLeaderPid(sql: postgres.Sql): Promise<number | null> {
  const rows = await sql<{ app: string }[]>`
    SELECT a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.classid::bigint = (hashtext('projections')::bigint & 4294967295)`;
  const pid = /^proctor \S+ (\d+) /.exec(rows[0]?.app ?? '')?.[1];
  return pid ? Number(pid) : null;
}
