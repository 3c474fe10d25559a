import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core } from '../../src/app/core/core.js';
import { RecordingWatchdog } from '../../src/app/recordings/recording-watchdog.js';
import { SessionTimer } from '../../src/app/sessions/session-timer.js';
import type { Actor } from '../../src/domain/core/decider.js';
import { openTestCore } from '../support/core.js';

const T = Date.parse('2026-03-01T09:00:00.000Z');
const at = (minutes: number) => new Date(T + minutes * 60_000);
const admin: Actor = { id: 'admin', role: 'admin' };
const student: Actor = { id: 'student1', role: 'student' };

describe('clocks that every node runs', () => {
  let core: Core;
  beforeEach(async () => {
    const base = await openTestCore();
    core = new Core(base.store, base.sql, base.runner);
    await core.runner.start();
    await core.session('w1', 'CreateSession', { sessionId: 'w1', name: 'w1', student: 'student1', durationMinutes: 10, metrics: ['n3'] }, admin, { now: at(-10) });
    await core.session('w1', 'CheckIn', { userAgent: 'ua', browserSupported: true }, student, { now: at(-1) });
    await core.session('w1', 'StartSession', {}, student, { now: at(0) });
  });
  afterEach(async () => {
    await core.close();
  });

  const violations = async () => (await core.store.readStream('session-w1')).filter((e) => e.type === 'ViolationDetected').length;

  it('raises n3 once for a recording gap that the watchdogs of two nodes both see', async () => {
    // Each node's watchdog remembers only what it reported itself.
    const [one, two] = [new RecordingWatchdog(core, 90_000), new RecordingWatchdog(core, 90_000)];
    await Promise.all([one.tick(at(2)), two.tick(at(2))]);
    await two.tick(at(3));
    expect(await violations()).toBe(1);
  });

  it('finishes a session on time-out once when the timers of two nodes both find it overdue', async () => {
    await Promise.all([new SessionTimer(core).tick(at(10)), new SessionTimer(core).tick(at(10))]);
    const events = await core.store.readStream('session-w1');
    expect(events.filter((e) => e.type === 'SessionFinished')).toHaveLength(1);
  });
});
