import { createServer } from 'node:net';
import { describe, expect, inject, it } from 'vitest';

/**
 * Suites that need a server not installed on a newcomer's machine skip with the reason; CI sets
 * REQUIRE_ALL_SUITES=1, which turns such a skip into a failing test so CI always runs every suite.
 * `requiredInCi: false` is for servers CI cannot run either (KurrentDB: no Debian package, no container engine).
 */
export function describeWithServer(
  name: string,
  available: boolean,
  reason: string,
  body: () => void,
  options: { requiredInCi?: boolean } = {},
): void {
  if (available) {
    describe(name, body);
    return;
  }
  if (process.env.REQUIRE_ALL_SUITES === '1' && options.requiredInCi !== false) {
    describe(name, () => {
      it(`cannot run (${reason}) but REQUIRE_ALL_SUITES=1`, () => {
        expect.fail(`required suite "${name}" cannot run: ${reason}`);
      });
    });
    return;
  }
  console.warn(`skipped: ${name}: ${reason}`);
  describe.skip(`${name} (skipped: ${reason})`, body);
}

/** The PostgreSQL server for tests, found by the global setup (`test/support/global-setup.ts`). */
export function testPostgresUrl(): string | undefined {
  return inject('databaseUrl') || undefined;
}

export const NO_POSTGRES_REASON =
  'no PostgreSQL server: install Debian postgresql (the global setup starts one on 127.0.0.1:54329) or set TEST_DATABASE_URL';

let schemaCounter = 0;
/** A schema name unique to this worker and call, so test files never see each other's tables. */
export function uniqueSchema(prefix: string): string {
  schemaCounter += 1;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${schemaCounter}`.toLowerCase();
}

/** A loopback port free right now: for a server whose public URL must be known before it starts (LTI redirect URIs). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
