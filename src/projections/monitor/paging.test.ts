import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openPostgresTestDb, openTestCore, openTestDb } from '../../../test/support/core.js';
import { testPostgresUrl } from '../../../test/support/servers.js';
import type { Sql } from '../../store/sql.js';
import { getMonitorRow, listMonitorRows } from './queries.js';

const url = testPostgresUrl();
const admin = { id: 'admin', role: 'admin' as const };

/** The same database, counting the statements that go through it. */
function counting(db: Sql): { db: Sql; statements: string[] } {
  const statements: string[] = [];
  const wrapped = Object.create(db) as Sql;
  wrapped.query = ((text: string, params?: readonly unknown[]) => {
    statements.push(text.trim().split(/\s+/).slice(0, 3).join(' '));
    return db.query(text, params);
  }) as Sql['query'];
  return { db: wrapped, statements };
}

describe.each([
  ['PGlite', () => openTestDb()],
  ...(url ? [['PostgreSQL', () => openPostgresTestDb(url)] as [string, () => Promise<Sql>]] : []),
] as Array<[string, () => Promise<Sql>]>)('the total of a session list on %s', (_engine, open) => {
  let core: Awaited<ReturnType<typeof openTestCore>>;
  const create = async (id: string) => {
    core.advance(1);
    await core.session(id, 'CreateSession', { sessionId: id, name: `Exam ${id}`, student: 'student1', durationMinutes: 30 }, admin);
    // On a shared server the store is read only below the oldest transaction in flight: catch up until the row is in.
    await vi.waitUntil(async () => {
      await core.runner.catchUp();
      return (await getMonitorRow(core.sql, id)) !== null;
    }, { timeout: 20_000, interval: 50 });
  };
  beforeAll(async () => {
    core = await openTestCore(await open());
    for (const id of ['a1', 'a2', 'a3']) await create(id);
  }, 120_000);
  afterAll(async () => {
    await core?.close();
  });

  it('is counted once while the read model stays where it was, and again as soon as it moves', async () => {
    const { db, statements } = counting(core.sql);
    const first = await listMonitorRows(db, [], { first: 1 });
    const second = await listMonitorRows(db, [], { first: 1, after: first.endCursor });
    expect([first.totalCount, second.totalCount]).toEqual([3, 3]);
    expect(statements.filter((s) => s.startsWith('SELECT count(*)'))).toHaveLength(1);
    await create('a4');
    const third = await listMonitorRows(db, [], { first: 1, after: second.endCursor });
    expect(third.totalCount).toBe(4);
    expect(statements.filter((s) => s.startsWith('SELECT count(*)'))).toHaveLength(2);
  });

  it('keeps a count per filter', async () => {
    const exam2 = await listMonitorRows(core.sql, [{ where: 'name = $1', params: ['Exam a2'] }], { first: 10 });
    const all = await listMonitorRows(core.sql, [], { first: 10 });
    expect([exam2.totalCount, all.totalCount]).toEqual([1, 4]);
  });
});
