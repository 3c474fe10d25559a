import { afterAll, beforeAll, expect } from 'vitest';
import { endShare, shareMachine } from './quiet.js';

// Every test file shares the machine while it runs, and waits while a file keeps it quiet (test/support/quiet.ts).
beforeAll(async () => {
  await shareMachine(expect.getState().testPath ?? '?');
}, 300_000);
afterAll(() => endShare());
