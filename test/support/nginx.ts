import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const NGINX = '/usr/sbin/nginx';
export const HAS_NGINX = existsSync(NGINX);

/**
 * nginx with the deployment's configuration (deploy/nginx/proctor.conf) in front of nodes on loopback: its upstream
 * servers (`server NAME:3000`, in order) become `upstreams`, its `listen 80` becomes `port` on `host`. Checked with
 * `nginx -t` first; resolves once it listens.
 */
export async function startNginx(dir: string, upstreams: readonly number[], port: number, host = '127.0.0.1'): Promise<{ output: () => string; stop(): Promise<void> }> {
  let conf = readFileSync(join(ROOT, 'deploy/nginx/proctor.conf'), 'utf8').replace(/listen 80;/, `listen ${host}:${port};`);
  let n = 0;
  conf = conf.replace(/server [\w-]+:3000/g, (m) => (n < upstreams.length ? `server 127.0.0.1:${upstreams[n++]}` : m));
  if (n !== upstreams.length) throw new Error(`proctor.conf names ${n} nodes, not ${upstreams.length}`);
  conf = conf.replace(/^\s*server [\w-]+:3000[^\n]*\n/gm, '');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${conf}
}
`);
  const check = runDaemon(NGINX, ['-p', dir, '-c', file, '-t']);
  const code = await new Promise<number | null>((resolve) => check.child.once('exit', resolve));
  if (code !== 0) throw new Error(`nginx -t refused the configuration:\n${check.output()}`);
  const nginx = runDaemon(NGINX, ['-p', dir, '-c', file, '-g', 'daemon off;']);
  const exited = new Promise<void>((resolve) => nginx.child.once('exit', () => resolve()));
  const stop = async () => {
    // SIGTERM, not SIGKILL: the master ends its workers first. Killed, it leaves them running (and holding our pipes).
    if (nginx.child.exitCode === null && nginx.child.signalCode === null) nginx.child.kill('SIGTERM');
    await exited;
  };
  try {
    await untilListening(port, nginx.output, host);
  } catch (error) {
    await stop();
    throw error;
  }
  return { output: nginx.output, stop };
}

/** A child process whose output (stdout and stderr together) is kept for the error that says why it failed. */
export function runDaemon(command: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return { child, output: () => output };
}

/** Resolves once something accepts connections on `host:port` (an HTTP request gets anything but a refusal). */
export async function untilListening(port: number, output: () => string, host = '127.0.0.1', ms = 20_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    const open = await fetch(`http://${host}:${port}/`).then(() => true, (e: Error) => !/ECONNREFUSED/.test(String((e as { cause?: unknown }).cause ?? e)));
    if (open) return;
    if (Date.now() - started > ms) throw new Error(`nothing listens on ${host}:${port}:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
