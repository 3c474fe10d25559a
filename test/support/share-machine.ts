import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { endShare, shareMachine } from './quiet.js';

// Every test file shares the machine while it runs (test/support/quiet.ts). Before each of its tests it steps aside
// while another file keeps the machine quiet, so that file waits for one test, not for a whole file.
const file = () => expect.getState().testPath ?? '?';
beforeAll(() => shareMachine(file()), 300_000);
beforeEach(() => shareMachine(file()), 300_000);
afterAll(() => endShare());
