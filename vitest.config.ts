import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: two workers keep the suite parallel without starving PostgreSQL and Chromium.
    maxWorkers: 2,
    setupFiles: ['reflect-metadata'],
    globalSetup: ['test/support/global-setup.ts'],
  },
});
