import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../src/domain/core/decider.js';
import { getMonitorRow, getMonitorRows, listMonitorRows } from '../src/projections/monitor/queries.js';
import { protocolEntries, protocolMinutes } from '../src/projections/protocol/queries.js';
import type { Projection } from '../src/projections/projection.js';
import { ProjectionRunner } from '../src/projections/runner.js';
import { ALL_PROJECTIONS } from '../src/projections/index.js';
import { dumpReadModels, openPostgresTestDb, openTestCore, openTestDb, type TestCore } from './support/core.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from './support/servers.js';
import type { Sql } from '../src/store/sql.js';

const admin: Actor = { id: 'admin', role: 'admin' };
const proctor: Actor = { id: 'proctor1', role: 'proctor' };
const student: Actor = { id: 'student1', role: 'student' };

/** A whole exam: created, checked in, started, two minutes of metrics, an incident and its release, a note, finished. */
async function runExam(core: TestCore, id = 'exam-1') {
  await core.session(id, 'CreateSession', { sessionId: id, name: 'Entrance exam', student: 'student1', proctor: 'proctor1', durationMinutes: 60, metrics: ['b2', 'c2'], weights: { c2: 2 }, tags: ['math'] }, admin);
  await core.session(id, 'CheckIn', { userAgent: 'Chromium 156', browserSupported: true }, student);
  await core.session(id, 'StartSession', {}, student);
  core.advance(1);
  await core.session(id, 'RecordMetrics', { minute: 0, values: { c2: 50, b2: 0 } }, student);
  await core.session(id, 'SendMessage', { messageId: 'm1', text: 'Eyes on the screen', incident: true }, proctor);
  core.advance(1);
  await core.session(id, 'RecordMetrics', { minute: 1, values: { c2: 10, b2: 20 } }, student);
  await core.session(id, 'SendMessage', { messageId: 'm2', text: 'Thanks' }, proctor);
  await core.session(id, 'AddNote', { noteId: 'n1', text: 'Looked left twice' }, proctor);
  core.advance(2);
  await core.session(id, 'FinishSession', {}, student);
}

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, () => Promise<Sql>]> = [
  ['on PGlite', true, () => openTestDb()],
  ['on PostgreSQL', Boolean(url), () => openPostgresTestDb(url!)],
];

for (const [engine, available, openDb] of ENGINES) describeWithServer(`the read models ${engine}`, available, NO_POSTGRES_REASON, () => {
  let core: TestCore;
  beforeEach(async () => {
    core = await openTestCore(await openDb());
  });
  afterEach(async () => {
    await core.close();
  });

  describe('when a whole exam has been run', () => {
    it('shows the session in the monitor with its score, averages and state', async () => {
      await runExam(core);
      await core.runner.catchUp();
      const row = await getMonitorRow(core.sql, 'exam-1');
      // 4 minutes: c2 (50+10)/4 = 15 ×2 = 30; b2 20/4 = 5; score 65.
      expect(row).toMatchObject({
        sessionId: 'exam-1', name: 'Entrance exam', student: 'student1', proctor: 'proctor1', status: 'finished', finishedBy: 'student',
        score: 65, averages: { c2: 15, b2: 5 }, blocked: false, tags: ['math'], duration: 60, recentCodes: ['b2', 'c2'],
      });
      expect(row!.startedAt?.toISOString()).toBe('2026-03-01T09:00:00.000Z');
      expect(row!.stoppedAt?.toISOString()).toBe('2026-03-01T09:04:00.000Z');
    });

    it('reads the rows of several sessions in one query, leaving out those it does not hold', async () => {
      await runExam(core);
      await core.runner.catchUp();
      const rows = await getMonitorRows(core.sql, ['exam-1', 'missing']);
      expect([...rows.keys()]).toEqual(['exam-1']);
      expect(rows.get('exam-1')).toEqual(await getMonitorRow(core.sql, 'exam-1'));
      expect((await getMonitorRows(core.sql, [])).size).toBe(0);
    });

    it('keeps the minutes and the entries of the protocol in order', async () => {
      await runExam(core);
      await core.runner.catchUp();
      expect(await protocolMinutes(core.sql, 'exam-1')).toEqual([
        { minute: 0, values: { c2: 50, b2: 0 }, total: 50 },
        { minute: 1, values: { c2: 10, b2: 20 }, total: 30 },
      ]);
      const chat = await protocolEntries(core.sql, 'exam-1', ['message']);
      expect(chat.map((e) => [e.actor, e.body.text, e.body.incident])).toEqual([
        ['proctor1', 'Eyes on the screen', true],
        ['proctor1', 'Thanks', false],
      ]);
      const all = await protocolEntries(core.sql, 'exam-1');
      expect(all.map((e) => e.kind)).toEqual(['state', 'state', 'state', 'message', 'block', 'message', 'block', 'note', 'state', 'score']);
    });

    it('marks the session blocked while an incident is in force', async () => {
      await core.session('s2', 'CreateSession', { sessionId: 's2', name: 'Quiz', student: 'student1', durationMinutes: 30 }, admin);
      await core.session('s2', 'CheckIn', { userAgent: 'x', browserSupported: true }, student);
      await core.session('s2', 'StartSession', {}, student);
      await core.session('s2', 'SendMessage', { messageId: 'i1', text: 'Stop', incident: true }, proctor);
      await core.runner.catchUp();
      expect(await getMonitorRow(core.sql, 's2')).toMatchObject({ blocked: true, status: 'in_progress', recentCodes: [] });
    });
  });

  describe('when a caller waits for the read models to hold a stream', () => {
    it('answers once they have applied up to its checkpoint, and says so when they never do', async () => {
      await core.runner.migrate();
      await core.session('w1', 'CreateSession', { sessionId: 'w1', name: 'Quiz', student: 'student1', durationMinutes: 30 }, admin);
      const [head] = await core.store.readStream('session-w1');
      expect(await core.runner.waitForCheckpoint(head.checkpoint, 50)).toBe(false); // not following: never applied
      const waiting = core.runner.waitForCheckpoint(head.checkpoint, 30_000);
      expect(await getMonitorRow(core.sql, 'w1')).toBeNull();
      await core.runner.start();
      expect(await waiting).toBe(true);
      expect(await getMonitorRow(core.sql, 'w1')).toMatchObject({ sessionId: 'w1' });
      expect(await core.runner.waitForCheckpoint(head.checkpoint, 0)).toBe(true);
    });
  });

  describe('when read models are rebuilt from position 0', () => {
    it('yields exactly the rows the live projection had', async () => {
      await core.runner.start();
      await runExam(core, 'exam-1');
      await runExam(core, 'exam-2');
      await core.session('exam-3', 'CreateSession', { sessionId: 'exam-3', name: 'Later', student: 'student2', durationMinutes: 10 }, admin);
      const last = (await core.store.readStream('session-exam-3'))[0];
      await core.runner.waitForEvent(last.id, 25_000);
      const live = await dumpReadModels(core.sql);
      expect(live.monitor_sessions).toHaveLength(3);
      await core.runner.stop();
      await core.runner.rebuild();
      expect(await dumpReadModels(core.sql)).toEqual(live);
    });
  });

  describe('when the process dies between append and projection', () => {
    it('catches up on restart and loses nothing', async () => {
      await runExam(core, 'exam-1'); // appended, never projected: the "crash" came first
      const restarted = new ProjectionRunner(core.store, core.sql, ALL_PROJECTIONS);
      await restarted.catchUp();
      expect(await getMonitorRow(core.sql, 'exam-1')).toMatchObject({ status: 'finished', score: 65 });
    });

    it('applies a batch whole when an event fails once and succeeds when tried again', async () => {
      await runExam(core, 'exam-1');
      let failures = 1;
      const flaky: Projection = {
        ...ALL_PROJECTIONS[0],
        applyPage: undefined, // this wrapper changes apply: every event must go through it
        async apply(tx, event) {
          if (event.type === 'NoteAdded' && failures-- > 0) throw new Error('lock timeout');
          await ALL_PROJECTIONS[0].apply(tx, event);
        },
      };
      const runner = new ProjectionRunner(core.store, core.sql, [flaky, ...ALL_PROJECTIONS.slice(1)], () => {});
      await runner.catchUp();
      expect((await runner.status()).filter((s) => s.failure)).toEqual([]);
      const reference = await openTestCore(await openDb());
      try {
        await runExam(reference, 'exam-1');
        await reference.runner.catchUp();
        expect(await dumpReadModels(core.sql)).toEqual(await dumpReadModels(reference.sql));
      } finally {
        await reference.close();
      }
    });
  });

  describe('when a projection cannot apply an event', () => {
    /** The monitor read model, broken for one session's notes: it throws on every try. */
    const poisoned = (sessionId: string): Projection => ({
      ...ALL_PROJECTIONS[0],
      applyPage: undefined, // this wrapper changes apply: every event must go through it
      async apply(tx, event) {
        if (event.type === 'NoteAdded' && event.streamId === `session-${sessionId}`) throw new Error('value out of range for type integer');
        await ALL_PROJECTIONS[0].apply(tx, event);
      },
    });

    it('marks that projection failed at the event, and the others apply everything after it', async () => {
      const logged: string[] = [];
      const runner = new ProjectionRunner(core.store, core.sql, [poisoned('exam-1'), ...ALL_PROJECTIONS.slice(1)], (m) => logged.push(m));
      await runner.start();
      try {
        await runExam(core, 'exam-1');
        await runExam(core, 'exam-2');
        const last = (await core.store.readStream('session-exam-2')).at(-1)!;
        expect(await runner.waitForEvent(last.id, 60_000)).toBe(true);
        const note = (await core.store.readStream('session-exam-1')).find((e) => e.type === 'NoteAdded')!;
        const monitor = (await runner.status()).find((s) => s.name === 'monitor')!;
        expect(monitor.failure).toMatchObject({ eventId: note.id, eventType: 'NoteAdded', streamId: 'session-exam-1', checkpoint: note.checkpoint, error: 'value out of range for type integer' });
        expect(monitor.checkpoint === null || monitor.checkpoint < note.checkpoint).toBe(true);
        expect(logged.join('\n')).toContain(`projection monitor failed at event ${note.id}`);
        // The protocol went on, past the poison and into the next session.
        expect((await protocolEntries(core.sql, 'exam-2')).map((e) => e.kind)).toContain('score');
        expect((await runner.status()).filter((s) => s.failure).map((s) => s.name)).toEqual(['monitor']);
        // The failed projection is skipped: the next session never reaches its table.
        expect(await getMonitorRow(core.sql, 'exam-2')).toBeNull();
      } finally {
        await runner.stop();
      }
    }, 120_000);

    it('stays failed after a restart, and a rebuild beside the live tables mends it', async () => {
      const broken = new ProjectionRunner(core.store, core.sql, [poisoned('exam-1'), ...ALL_PROJECTIONS.slice(1)], () => {});
      await runExam(core, 'exam-1');
      await broken.catchUp();
      await runExam(core, 'exam-2');
      await broken.catchUp();
      expect((await broken.status()).find((s) => s.name === 'monitor')!.failure).not.toBeNull();
      // Restarted with the same (still broken) code: it does not try again by itself.
      const restarted = new ProjectionRunner(core.store, core.sql, [poisoned('exam-1'), ...ALL_PROJECTIONS.slice(1)], () => {});
      await restarted.catchUp();
      expect(await getMonitorRow(core.sql, 'exam-2')).toBeNull();
      // A rebuild with the broken code fails on the same event and leaves the live table as it was.
      await expect(restarted.rebuild('monitor')).rejects.toThrow(/cannot apply event .* \(NoteAdded in session-exam-1\)/);
      expect((await restarted.status()).find((s) => s.name === 'monitor')!.failure).not.toBeNull();
      // The mended code rebuilds it into a shadow schema and swaps it in; the failure is cleared.
      const mended = new ProjectionRunner(core.store, core.sql, ALL_PROJECTIONS, () => {});
      await mended.rebuild('monitor');
      expect((await mended.status()).every((s) => s.failure === null)).toBe(true);
      expect(await getMonitorRow(core.sql, 'exam-2')).toMatchObject({ status: 'finished', score: 65 });
      await runExam(core, 'exam-3');
      await mended.catchUp();
      expect(await getMonitorRow(core.sql, 'exam-3')).toMatchObject({ status: 'finished' });
      const reference = await openTestCore(await openDb());
      try {
        for (const id of ['exam-1', 'exam-2', 'exam-3']) await runExam(reference, id);
        await reference.runner.catchUp();
        const [ours, theirs] = [await dumpReadModels(core.sql), await dumpReadModels(reference.sql)];
        expect(ours.monitor_sessions).toEqual(theirs.monitor_sessions);
      } finally {
        await reference.close();
      }
    });
  });

  describe('when listing sessions', () => {
    it('pages newest first with a cursor and counts all matches', async () => {
      for (let i = 1; i <= 5; i++) {
        core.advance(10);
        await core.session(`p${i}`, 'CreateSession', { sessionId: `p${i}`, name: `Exam ${i}`, student: 'student1', durationMinutes: 30 }, admin);
      }
      await core.runner.catchUp();
      const one = await listMonitorRows(core.sql, [], { first: 2 });
      expect(one.rows.map((r) => r.sessionId)).toEqual(['p5', 'p4']);
      expect(one).toMatchObject({ hasNextPage: true, totalCount: 5 });
      const two = await listMonitorRows(core.sql, [], { first: 2, after: one.endCursor });
      expect(two.rows.map((r) => r.sessionId)).toEqual(['p3', 'p2']);
      const filtered = await listMonitorRows(core.sql, [{ where: 'name = $1', params: ['Exam 3'] }], { first: 10 });
      expect(filtered.rows.map((r) => r.sessionId)).toEqual(['p3']);
    });
  });
});
