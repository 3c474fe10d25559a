import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl, uniqueSchema } from '../support/servers.js';

// Three processes, each loading tfjs in a thread of its own, on two busy cores.
vi.setConfig({ testTimeout: 240_000 });

const url = testPostgresUrl();
const SCRIPT = join(process.cwd(), 'test/support/face-job-process.ts');

interface Seen {
  checks: Array<{ photoId: string; result: string; reason: string }>;
  jobs: Array<{ id: string; state: string; attempts: number } | null>;
  analysed: number;
}

/** Runs one role of test/support/face-job-process.ts; resolves with its first line of output, and the process. */
function run(role: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, role], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const firstLine = new Promise<object>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code} before saying anything: ${err.slice(-2000)}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, firstLine, exited };
}

const ENGINES: Array<[string, boolean, () => Record<string, string>]> = [
  ['on PGlite', true, () => ({})],
  ['on PostgreSQL', Boolean(url), () => ({ TEST_PG_URL: url!, TEST_PG_SCHEMA: uniqueSchema('face_jobs') })],
];

for (const [engine, available, database] of ENGINES) {
  describeWithServer(`the face check queue across a restart ${engine}`, available, NO_POSTGRES_REASON, () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctor-face-jobs-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('finishes, once each, the checks of a killed process: one it was running, one still waiting; a later start runs none again', async () => {
      const env = { DATA_DIR: dir, LEASE_MS: '1500', ...database() };
      const crashing = run('crash', env);
      expect(await crashing.firstLine).toEqual({ running: 'face-check:s1:photo-1', pending: 'face-check:s1:photo-2' });
      crashing.child.kill('SIGKILL');
      await crashing.exited;

      const next = run('finish', env);
      const finished = (await next.firstLine) as Seen;
      expect(await next.exited).toBe(0);
      expect(finished.checks.map((c) => c.photoId).sort()).toEqual(['photo-1', 'photo-2']);
      expect(finished.checks.map((c) => c.result)).toEqual(['green', 'green']); // the first checked became the reference
      expect(finished.jobs).toEqual([
        { id: 'face-check:s1:photo-1', state: 'done', attempts: 2, lastError: null }, // the killed run, then this one
        { id: 'face-check:s1:photo-2', state: 'done', attempts: 1, lastError: null }, // enqueued, never started before the kill
      ]);
      expect(finished.analysed).toBe(2);

      const later = run('again', env);
      const again = (await later.firstLine) as Seen;
      expect(await later.exited).toBe(0);
      expect(again).toEqual({ checks: finished.checks, jobs: finished.jobs, analysed: 0 });
    });
  });
}
