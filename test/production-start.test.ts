import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const GOOD_SECRET = 'k3Jd9-Vq7xLm2Rt8Wz4Bn6Yc1Hf5Gs0Pe9Ua3Io7Kl2';
const MASTER_KEY = Buffer.alloc(32, 5).toString('base64');

/**
 * Runs `npm start`'s server (the compiled one in dist/, as production runs it, which the suite's global setup builds:
 * under tsx each start spent seconds compiling) with `env` until it prints its URL (→ the URL) or exits (→ the exit
 * code and stderr).
 */
function start(env: Record<string, string>): Promise<{ url?: string; code?: number | null; stderr: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(process.cwd(), 'dist/main.js')], { env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve({ code, stderr: stderr + stdout, stop }));
    const look = () => {
      const match = /Proctoring is running: (http:\/\/\S+)/.exec(stdout);
      if (match) resolve({ url: match[1], stderr, stop });
    };
    child.stdout.on('data', look);
  });
}

describe('starting in production', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctor-prod-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start without JWT_SECRET, with a short one, or with the placeholder from docker-compose', async () => {
    for (const [secret, why] of [
      [undefined, /needs JWT_SECRET/],
      ['too-short-secret', /shorter than 32 bytes/],
      ['change-me-to-48-random-characters-change-me-please', /placeholder/],
    ] as const) {
      const env: Record<string, string> = { NODE_ENV: 'production', DATA_DIR: dataDir(), MASTER_KEY };
      if (secret) env.JWT_SECRET = secret;
      const run = await start(env);
      expect(run.code, String(secret)).toBe(1);
      expect(run.stderr).toMatch(why);
      expect(run.stderr).not.toMatch(/at .*\.[jt]s:\d+/); // a message for the operator, not a stack
    }
  }, 120_000);

  it('creates the first administrator once from ADMIN_USERNAME and ADMIN_PASSWORD, and ignores them afterwards', async () => {
    const DATA_DIR = dataDir();
    const env = { NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET, MASTER_KEY, DATA_DIR, ADMIN_USERNAME: 'root-admin', ADMIN_PASSWORD: 'correct horse battery' };
    const login = async (url: string, password: string) => {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `mutation($p: String!) { login(username: "root-admin", password: $p) { user { role } } }`, variables: { p: password } }),
      });
      return (await res.json()) as { data?: { login: { user: { role: string } } }; errors?: unknown[] };
    };
    const first = await start(env);
    expect(first.url).toBeTruthy();
    try {
      expect((await login(first.url!, 'correct horse battery')).data?.login.user.role).toBe('admin');
      // No demo in production.
      const demo = await fetch(`${first.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `mutation { login(username: "admin", password: "demo") { token } }` }) });
      expect(((await demo.json()) as { errors?: unknown[] }).errors).toBeTruthy();
    } finally {
      await first.stop();
    }
    const second = await start({ ...env, ADMIN_PASSWORD: 'a different password' });
    try {
      expect(second.stderr + (second.url ?? '')).toBeTruthy();
      expect((await login(second.url!, 'a different password')).errors).toBeTruthy();
      expect((await login(second.url!, 'correct horse battery')).data?.login.user.role).toBe('admin');
    } finally {
      await second.stop();
    }
  }, 120_000);

  it('refuses a weak first administrator password', async () => {
    const run = await start({ NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET, MASTER_KEY, DATA_DIR: dataDir(), ADMIN_USERNAME: 'root-admin', ADMIN_PASSWORD: 'password123' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ADMIN_PASSWORD cannot be used: this password is one of the most common/);
  }, 120_000);
});
