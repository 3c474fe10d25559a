import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../src/domain/core/decider.js';
import { BatchRows } from '../src/projections/monitor/batch-rows.js';
import { getMonitorRow } from '../src/projections/monitor/queries.js';
import type { AppliedBatch } from '../src/projections/runner.js';
import type { Sql } from '../src/store/sql.js';
import { openTestCore, type TestCore } from './support/core.js';

const admin: Actor = { id: 'admin', role: 'admin' };
const student: Actor = { id: 'student1', role: 'student' };

/** `sql`, counting the statements that read monitor rows. */
function counting(sql: Sql): { sql: Sql; reads: () => number } {
  let reads = 0;
  const wrapped: Sql = Object.create(sql);
  wrapped.query = (text, params) => {
    if (/FROM monitor_sessions/.test(text)) reads += 1;
    return sql.query(text, params);
  };
  return { sql: wrapped, reads: () => reads };
}

describe('monitor rows read once per committed batch', () => {
  let core: TestCore;
  let rows: BatchRows;
  let reads: () => number;
  const batches: AppliedBatch[] = [];

  beforeEach(async () => {
    core = await openTestCore();
    const counted = counting(core.sql);
    reads = counted.reads;
    rows = new BatchRows(counted.sql, core.runner);
    batches.length = 0;
    core.runner.onApplied((batch) => batches.push(batch));
    for (const id of ['s1', 's2', 's3']) {
      await core.session(id, 'CreateSession', { sessionId: id, name: 'Quiz', student: 'student1', durationMinutes: 30 }, admin);
    }
    await core.session('s1', 'CheckIn', { userAgent: 'ua', browserSupported: true }, student);
    await core.runner.catchUp();
  });
  afterEach(async () => {
    await core.close();
  });

  it('reads the rows of a batch once however many subscribers ask for them', async () => {
    // Given one committed batch that changed three sessions
    expect(batches).toHaveLength(1);
    // When ten subscribers ask for its rows at once
    const answers = await Promise.all(Array.from({ length: 10 }, () => rows.rowsOf(batches[0])));
    // Then one statement read them, and each got every changed session as the read model has it
    expect(reads()).toBe(1);
    for (const answer of answers) expect([...answer.keys()].sort()).toEqual(['s1', 's2', 's3']);
    expect(answers[0].get('s1')).toEqual(await getMonitorRow(core.sql, 's1'));
    expect(answers[0].get('s1')?.status).toBe('waiting');
  });

  it('answers commands of a batch from that batch read, sharing it with the live lists', async () => {
    // Given a subscriber has read the batch's rows
    await rows.rowsOf(batches[0]);
    // When the commands of that batch ask for their sessions' rows
    const [s1, s2] = await Promise.all([rows.after('s1'), rows.after('s2')]);
    // Then no statement of their own read them
    expect(reads()).toBe(1);
    expect(s1?.status).toBe('waiting');
    expect(s2?.status).toBe('scheduled');
  });

  it('answers from the newest batch that changed the session, so a later change is never missed', async () => {
    // Given a later batch that changed s1 again
    await rows.rowsOf(batches[0]);
    await core.session('s1', 'StartSession', {}, student);
    await core.runner.catchUp();
    // When its row is asked for
    const s1 = await rows.after('s1');
    // Then it is read after the later batch, not taken from the first read
    expect(batches).toHaveLength(2);
    expect(s1?.status).toBe('in_progress');
    expect(reads()).toBe(2);
  });

  it('reads the row when no recent batch changed the session, and remembers only who it belongs to', async () => {
    // Given a node whose reader saw no batch (another node applied them)
    const counted = counting(core.sql);
    const cold = new BatchRows(counted.sql, { onApplied: () => () => {} });
    expect(cold.parties('s1')).toBeUndefined();
    // When a session's row is asked for
    const row = await cold.after('s1');
    // Then it is read, and the session's fixed parties are known from then on
    expect(row?.sessionId).toBe('s1');
    expect(counted.reads()).toBe(1);
    expect(cold.parties('s1')).toEqual({ sessionId: 's1', student: 'student1', createdBy: 'admin' });
    expect(await cold.after('missing')).toBeNull();
    expect(cold.parties('missing')).toBeUndefined();
  });
});
