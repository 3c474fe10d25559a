import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core } from '../src/app/core/core.js';
import type { Actor } from '../src/domain/core/decider.js';
import { getMonitorRow } from '../src/projections/monitor/queries.js';
import { RecordingWatchdog } from '../src/app/recordings/recording-watchdog.js';
import { SessionTimer } from '../src/app/sessions/session-timer.js';
import { openTestCore } from './support/core.js';

const T = Date.parse('2026-03-01T09:00:00.000Z');
const at = (minutes: number) => new Date(T + minutes * 60_000);
const admin: Actor = { id: 'admin', role: 'admin' };
const student: Actor = { id: 'student1', role: 'student' };

describe('processes that act on time', () => {
  let core: Core;
  beforeEach(async () => {
    const base = await openTestCore();
    core = new Core(base.store, base.sql, base.runner);
    await core.runner.start();
  });
  afterEach(async () => {
    await core.close();
  });

  async function running(id: string, durationMinutes: number, metrics: Array<'c2' | 'n3'> = ['c2', 'n3']) {
    await core.session(id, 'CreateSession', { sessionId: id, name: id, student: 'student1', durationMinutes, metrics }, admin, { now: at(-10) });
    await core.session(id, 'CheckIn', { userAgent: 'ua', browserSupported: true }, student, { now: at(-1) });
    await core.session(id, 'StartSession', {}, student, { now: at(0) });
  }

  describe('when a session runs out of time', () => {
    it('finishes it on time-out, not before', async () => {
      await running('t1', 10);
      const timer = new SessionTimer(core);
      expect(await timer.tick(at(9.9))).toEqual([]);
      expect(await timer.tick(at(10))).toEqual(['t1']);
      expect(await getMonitorRow(core.db, 't1')).toMatchObject({ status: 'finished', finishedBy: 'timeout' });
      expect(await timer.tick(at(11))).toEqual([]);
    });

    it('gives back the time a session spent paused', async () => {
      await running('t2', 10);
      await core.session('t2', 'PauseSession', {}, admin, { now: at(2) });
      await core.session('t2', 'ResumeSession', {}, admin, { now: at(7) });
      const timer = new SessionTimer(core);
      expect(await timer.tick(at(12))).toEqual([]);
      expect(await timer.tick(at(15))).toEqual(['t2']);
    });
  });

  describe('when the recording does not keep up', () => {
    const sha = 'c'.repeat(64);
    it('raises n3 once per gap, and not while segments arrive', async () => {
      await running('r1', 60);
      const watchdog = new RecordingWatchdog(core, 90_000);
      expect(await watchdog.tick(at(1))).toEqual([]);
      expect(await watchdog.tick(at(2))).toEqual(['r1']);
      expect(await watchdog.tick(at(3))).toEqual([]); // the same gap is not reported twice
      for (let seq = 0; seq < 4; seq++) {
        await core.session('r1', 'StoreRecordingSegment', { track: 'camera', seq, start: at(seq), durationMs: 60_000, size: 10, sha256: sha.slice(0, 63) + seq }, student, { now: at(4) });
      }
      expect(await watchdog.tick(at(4.5))).toEqual([]); // recorded up to minute 4
      expect(await watchdog.tick(at(6))).toEqual(['r1']); // a new gap
      const events = await core.store.readStream('session-r1');
      expect(events.filter((e) => e.type === 'ViolationDetected').map((e) => (e.data as { code: string }).code)).toEqual(['n3', 'n3']);
    });

    it('takes where the recording ends from its latest segment, not its highest-numbered one (a piece converted late)', async () => {
      // Given segments at minutes 0 and 3, then the piece of minute 1 stored last, under the next number (as the
      // server numbers Janus pieces converted after a crash)
      await running('r3', 60);
      const segment = (seq: number, minute: number) =>
        core.session('r3', 'StoreRecordingSegment', { track: 'camera', seq, start: at(minute), durationMs: 60_000, size: 10, sha256: sha.slice(0, 62) + String(seq).padStart(2, "0") }, student, { now: at(4) });
      await segment(0, 0);
      await segment(1, 3);
      await segment(2, 1);
      // When the watchdog looks at minute 4.5, half a minute after the recording's end
      // Then there is no gap to report (by the highest number, the recording would end at minute 2)
      expect(await new RecordingWatchdog(core, 90_000).tick(at(4.5))).toEqual([]);
    });

    it('leaves alone a session that does not use n3', async () => {
      await running('r2', 60, ['c2']);
      expect(await new RecordingWatchdog(core, 90_000).tick(at(5))).toEqual([]);
    });
  });
});
