import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { NO_S3_REASON, S3_AVAILABLE, testS3 } from './support/s3.js';
import { describeWithServer } from './support/servers.js';

const TSX = join(process.cwd(), 'node_modules/.bin/tsx');

/** Runs `npm start`'s server until it exits or prints its URL; answers the exit code and what it printed. */
function run(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(TSX, ['src/main.ts'], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve) => {
    const take = (d: Buffer) => {
      output += d;
      if (output.includes('Proctoring is running')) child.kill('SIGTERM');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describeWithServer('starting with BLOB_STORE=s3', S3_AVAILABLE, NO_S3_REASON, () => {
  const dir = mkdtempSync(join(tmpdir(), 'proctor-s3-main-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to start on a bucket that is not there, in one line for the operator, without the secret', async () => {
    const s3 = await testS3();
    const { code, output } = await run({
      DATA_DIR: dir, BLOB_STORE: 's3', S3_ENDPOINT: s3.endpoint, S3_BUCKET: 'proctor-no-such-bucket',
      S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    });
    expect(code).toBe(1);
    expect(output).toContain(`cannot start: S3_BUCKET "proctor-no-such-bucket" does not exist at ${s3.endpoint}: create it first`);
    expect(output).not.toContain(s3.secretAccessKey);
    expect(output).not.toMatch(/at .*\.ts:\d+/);
  }, 120_000);
});
