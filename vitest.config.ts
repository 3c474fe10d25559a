import { defineConfig } from 'vitest/config';
import SpreadChromiumSequencer from './test/support/sequencer.js';

export default defineConfig({
  resolve: {
    // graphql ships CJS and ESM builds; Vite would hand our code the ESM one while graphql-ws and type-graphql load the
    // CJS one in Node, and graphql-js refuses a schema "from another module or realm". One realm for all, as under Node.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    testTimeout: 30_000,
    // expect.poll waits for a condition; its default of 1 s is luck on a busy two-core machine (a call's tracks took
    // longer than that in CI). A poll that succeeds returns at once, so only a failing one waits the 10 s.
    expect: { poll: { timeout: 10_000 } },
    // Browser test files wait in beforeAll for the one Chromium at a time (test/support/browser.ts).
    hookTimeout: 300_000,
    // Two cores: two workers keep the suite parallel without starving PostgreSQL and Chromium.
    maxWorkers: 2,
    // A worker keeps its modules from one test file to the next: the server's module graph, PGlite's compiled WASM and
    // the cloned database template are made once per worker, not once per file, which halves the suite's CPU time.
    // Nothing in the suite mocks modules, and process-wide state (the face and sealing threads) is meant to be shared.
    isolate: false,
    setupFiles: ['reflect-metadata', 'test/support/share-machine.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    sequence: { sequencer: SpreadChromiumSequencer },
    reporters: ['default', './test/support/unfinished-files.ts'],
  },
});
