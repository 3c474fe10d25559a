import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * Finds a PostgreSQL server for the suites that need one: TEST_DATABASE_URL if set, else a throwaway server started
 * on loopback by scripts/pg-test-server.sh when Debian's PostgreSQL is installed. Without either, those suites skip.
 */
export default async function setup(project: TestProject): Promise<void> {
  // The browser tests load the built client; build it when its sources changed (≈2 s).
  const { buildWebIfStale } = await import('../../scripts/build-web.js');
  await buildWebIfStale();
  // The tests of `npm start` run the compiled server: built here, before any test file, so that two files never swap
  // a new dist/ in under each other's running server (≈2.5 CPU-s, only when a source is newer than the last build).
  const { buildServer } = await import('../../scripts/build-server.mjs');
  buildServer();
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    project.provide('databaseUrl', given);
    return;
  }
  project.provide('databaseUrl', '');
  const hasServer = existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
  if (!hasServer) return;
  const script = fileURLToPath(new URL('../../scripts/pg-test-server.sh', import.meta.url));
  try {
    const url = execFileSync('bash', [script, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    const probe = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
    await probe`select 1`;
    await probe.end();
    project.provide('databaseUrl', url);
  } catch (error) {
    console.warn(`could not start the test PostgreSQL server: ${(error as Error).message}`);
  }
}
