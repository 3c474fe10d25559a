import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../../test/support/core.js';
import { testPostgresUrl, uniqueSchema } from '../../test/support/servers.js';
import { openPGliteThread } from './pglite-thread.js';
import { openPostgres, type Sql } from './sql.js';

const url = testPostgresUrl();
const engines: Array<[string, () => Promise<Sql>]> = [
  ['pglite', openTestDb], // a clone of a prepared database: a fresh PGlite takes long to start on a busy machine
  ['pglite on a thread', () => openPGliteThread()],
  ...(url ? [['postgres', () => openPostgres(url, { schema: uniqueSchema('cursor'), max: 2 })] as [string, () => Promise<Sql>]] : []),
];

describe.each(engines)('a server-side cursor on %s', (_engine, open) => {
  let sql: Sql;
  beforeAll(async () => {
    sql = await open();
  }, 120_000);
  afterAll(async () => {
    await sql?.close();
  });

  it('yields every row of a parameterised SELECT in batches, in order', async () => {
    const batches: number[][] = [];
    for await (const rows of sql.cursor<{ n: number }>('SELECT n FROM generate_series(1, $1::int) AS g(n) WHERE n % $2::int = 0 ORDER BY n', [2500, 1], 1000)) {
      batches.push(rows.map((r) => Number(r.n)));
    }
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(batches.flat()).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
  });

  it('lets other statements run between batches and closes the cursor when the reader stops early', async () => {
    let seen = 0;
    for await (const rows of sql.cursor<{ n: number }>('SELECT n FROM generate_series(1, 10000) AS g(n)', [], 100)) {
      seen += rows.length;
      const [{ one }] = await sql.query<{ one: number }>('SELECT 1 AS one');
      expect(one).toBe(1);
      if (seen >= 300) break;
    }
    expect(seen).toBe(300);
    const open = await sql.query<{ count: number }>("SELECT count(*)::int AS count FROM pg_cursors WHERE name LIKE 'sql_cursor_%'");
    expect(Number(open[0].count)).toBe(0);
  });
});

const oneConnection: Array<[string, () => Promise<Sql>]> = [
  ['pglite', openTestDb],
  // One connection: a cursor that left it waiting would hang the next statement, not hide behind a second connection.
  ...(url ? [['postgres', () => openPostgres(url, { schema: uniqueSchema('textcursor'), max: 1 })] as [string, () => Promise<Sql>]] : []),
];

describe.each(oneConnection)('a text cursor on %s', (_engine, open) => {
  let sql: Sql;
  beforeAll(async () => {
    sql = await open();
  }, 120_000);
  afterAll(async () => {
    await sql?.close();
  });

  it('yields each batch of lines as the UTF-8 bytes of its rows, with how many rows, NULLs adding nothing', async () => {
    const batches: Array<{ rows: number; text: string }> = [];
    const lines = `SELECT CASE WHEN n % 7 = 0 THEN NULL ELSE 'Студент ' || n || ' 🙂' || E'\\r\\n' END
      FROM generate_series(1, $1::int) AS g(n) ORDER BY n`;
    for await (const { rows, chunks } of sql.textCursor(lines, [2500], 1000)) batches.push({ rows, text: Buffer.concat(chunks).toString('utf8') });
    expect(batches.map((b) => b.rows)).toEqual([1000, 1000, 500]);
    const expected = Array.from({ length: 2500 }, (_, i) => i + 1).filter((n) => n % 7 !== 0).map((n) => `Студент ${n} 🙂\r\n`);
    expect(batches.map((b) => b.text).join('')).toBe(expected.join(''));
  });

  it('leaves its connection free for the next statement when the reader stops with the next batch on its way', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      let seen = 0;
      for await (const { rows } of sql.textCursor(`SELECT repeat('x', 200) FROM generate_series(1, 50000)`, [], 500)) {
        seen += rows;
        if (seen >= 1000) break;
      }
      expect(seen).toBe(1000);
      const [{ one }] = await sql.query<{ one: number }>('SELECT 1 AS one');
      expect(one).toBe(1);
    }
  });
});
