import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../src/domain/core/decider.js';
import { getMonitorRow } from '../src/projections/monitor/queries.js';
import { protocolEntries } from '../src/projections/protocol/queries.js';
import { ALL_PROJECTIONS } from '../src/projections/index.js';
import { applyTogether, CheckpointsMoved, readStatuses } from '../src/projections/checkpoints.js';
import { ProjectionRunner } from '../src/projections/runner.js';
import type { RecordedEvent } from '../src/store/event-store.js';
import type { Sql } from '../src/store/sql.js';
import { dumpReadModels, openPostgresTestDb, openTestCore, openTestDb, type TestCore } from './support/core.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from './support/servers.js';

const admin: Actor = { id: 'admin', role: 'admin' };
const proctor: Actor = { id: 'proctor1', role: 'proctor' };
const student: Actor = { id: 'student1', role: 'student' };
const SESSIONS = ['b-1', 'b-2', 'b-3'];

/**
 * Three sessions whose events interleave as a busy server's do: each minute every session records metrics and a
 * camera segment, some a violation, a message or a note, so one page holds several sessions, each with events that
 * only move its version (followed by others of the same session, or last in the page) and events that change its row.
 */
async function busyMinutes(core: TestCore, minutes: number): Promise<void> {
  for (const id of SESSIONS) {
    await core.session(id, 'CreateSession', { sessionId: id, name: `Exam ${id}`, student: 'student1', proctor: 'proctor1', durationMinutes: 60, metrics: ['b2', 'c2'], weights: {}, tags: [] }, admin);
    await core.session(id, 'CheckIn', { userAgent: 'Chromium 156', browserSupported: true }, student);
    await core.session(id, 'StartSession', {}, student);
  }
  for (let minute = 0; minute < minutes; minute++) {
    core.advance(1);
    for (const [k, id] of SESSIONS.entries()) {
      await core.session(id, 'RecordMetrics', { minute, values: { c2: (minute * 7 + k * 13) % 60, b2: k * 10 } }, student);
      await core.session(id, 'StoreRecordingSegment', { track: 'camera', seq: minute, start: core.now(), durationMs: 10_000, size: 1000 + minute, sha256: 'ab'.repeat(32) }, student);
      if ((minute + k) % 2 === 0) await core.session(id, 'RecordViolation', { code: 'c2', detail: null }, student);
      if ((minute + k) % 3 === 0) await core.session(id, 'SendMessage', { messageId: `m-${minute}`, text: `Minute ${minute}` }, proctor);
      if (minute === 2) await core.session(id, 'AddNote', { noteId: `n-${minute}`, text: 'Looked away' }, proctor);
    }
  }
  await core.session('b-2', 'FinishSession', {}, student);
}

/** The same projections, each applying one event at a time (what the pages must match). */
const ONE_BY_ONE = ALL_PROJECTIONS.map((p) => ({ ...p, applyPage: undefined }));

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, () => Promise<Sql>]> = [
  ['on PGlite', true, () => openTestDb()],
  ['on PostgreSQL', Boolean(url), () => openPostgresTestDb(url!)],
];

for (const [engine, available, openDb] of ENGINES) describeWithServer(`the runner's pages ${engine}`, available, NO_POSTGRES_REASON, () => {
  let core: TestCore;
  let all: RecordedEvent[];
  beforeEach(async () => {
    core = await openTestCore(await openDb());
    await busyMinutes(core, 5);
    all = await core.store.readAll({ limit: 10_000 });
  });
  afterEach(async () => {
    await core.close();
  });

  describe('when a page of interleaved sessions is folded at once', () => {
    it('leaves exactly the rows that applying its events one at a time leaves', async () => {
      await new ProjectionRunner(core.store, core.sql, ALL_PROJECTIONS).catchUp();
      const paged = await dumpReadModels(core.sql);
      expect(paged.protocol_entries.length).toBeGreaterThan(20);
      expect(paged.protocol_segments.length).toBe(15);

      await new ProjectionRunner(core.store, core.sql, ONE_BY_ONE).rebuild();

      expect(await dumpReadModels(core.sql)).toEqual(paged);
      const last = all.filter((e) => e.streamId === 'session-b-3').at(-1)!;
      expect(await getMonitorRow(core.sql, 'b-3')).toMatchObject({ version: last.streamVersion });
    });
  });

  describe('when a batch is applied on the checkpoints the last one left (locked in the pipeline of its writes)', () => {
    const third = () => [Math.floor(all.length / 3), Math.floor((2 * all.length) / 3)] as const;
    const oneByOne = async () => {
      await new ProjectionRunner(core.store, core.sql, ONE_BY_ONE).rebuild();
      return dumpReadModels(core.sql);
    };

    it('leaves what applying one event at a time leaves, when the rows are as the last batch left them', async () => {
      await new ProjectionRunner(core.store, core.sql, ALL_PROJECTIONS).migrate();
      const [cut] = third();
      const assumed = await core.sql.transaction((tx) => applyTogether(tx, ALL_PROJECTIONS, all.slice(0, cut)));
      expect(new Set([...assumed.values()].map((s) => s.checkpoint))).toEqual(new Set([all[cut - 1].checkpoint]));

      const left = await core.sql.transaction((tx) => applyTogether(tx, ALL_PROJECTIONS, all.slice(cut), assumed));

      expect(new Set([...left.values()].map((s) => s.checkpoint))).toEqual(new Set([all.at(-1)!.checkpoint]));
      // The lock moved the stored checkpoints too, in its one statement.
      const stored = await readStatuses(core.sql, ALL_PROJECTIONS.map((p) => p.name));
      expect(stored).toHaveLength(ALL_PROJECTIONS.length);
      expect(new Set(stored.map((s) => s.checkpoint))).toEqual(new Set([all.at(-1)!.checkpoint]));
      expect(await dumpReadModels(core.sql)).toEqual(await oneByOne());
    });

    it('rolls the batch back when another node moved them meanwhile, and applies it on the rows as they are', async () => {
      await new ProjectionRunner(core.store, core.sql, ALL_PROJECTIONS).migrate();
      const [cut1, cut2] = third();
      // This runner applied the first third; another node (a lead changing hands) the second.
      const assumed = await core.sql.transaction((tx) => applyTogether(tx, ALL_PROJECTIONS, all.slice(0, cut1)));
      await core.sql.transaction((tx) => applyTogether(tx, ALL_PROJECTIONS, all.slice(cut1, cut2)));
      const before = await dumpReadModels(core.sql);

      // This runner's next batch began before it saw the other's commit: it holds the second third again.
      const late = core.sql.transaction((tx) => applyTogether(tx, ALL_PROJECTIONS, all.slice(cut1), assumed));

      await expect(late).rejects.toBeInstanceOf(CheckpointsMoved);
      expect(await dumpReadModels(core.sql)).toEqual(before);
      await core.sql.transaction((tx) => applyTogether(tx, ALL_PROJECTIONS, all.slice(cut1)));
      expect(await dumpReadModels(core.sql)).toEqual(await oneByOne());
    });
  });

  describe('when the database refuses one event of a page', () => {
    it('stops that projection just before it, with the page\'s earlier events applied, and the others apply the whole page', async () => {
      // Break the protocol the way a bad migration would: notes can no longer be stored.
      await new ProjectionRunner(core.store, core.sql, ALL_PROJECTIONS).migrate();
      await core.sql.exec(`ALTER TABLE protocol_entries ADD CONSTRAINT protocol_no_notes CHECK (kind <> 'note') NOT VALID`);
      const logged: string[] = [];
      const runner = new ProjectionRunner(core.store, core.sql, ALL_PROJECTIONS, (m) => logged.push(m));

      await runner.catchUp();

      const note = all.find((e) => e.type === 'NoteAdded')!;
      const before = all[all.indexOf(note) - 1];
      const statuses = new Map((await runner.status()).map((s) => [s.name, s]));
      expect(statuses.get('protocol')!.failure).toMatchObject({ eventId: note.id, eventType: 'NoteAdded', checkpoint: note.checkpoint });
      expect(statuses.get('protocol')!.checkpoint).toBe(before.checkpoint);
      expect(logged.join('\n')).toContain(`projection protocol failed at event ${note.id}`);
      // Everything before the note is in the protocol, nothing after it.
      const entries = (await Promise.all(SESSIONS.map((id) => protocolEntries(core.sql, id)))).flat();
      const expected = all.filter((e) => e.checkpoint < note.checkpoint && e.streamId.startsWith('session-') && e.type !== 'MetricsRecorded' && e.type !== 'RecordingSegmentStored');
      expect(entries.length).toBe(expected.length);
      // The other read models went through the whole page.
      expect([...statuses.values()].filter((s) => s.failure).map((s) => s.name)).toEqual(['protocol']);
      expect(statuses.get('monitor')!.checkpoint).toBe(all.at(-1)!.checkpoint);
      expect(await getMonitorRow(core.sql, 'b-2')).toMatchObject({ status: 'finished' });
    });
  });
});
