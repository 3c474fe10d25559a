import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../../../test/support/core.js';
import { testPostgresUrl, uniqueSchema } from '../../../test/support/servers.js';
import { openPostgres, type Sql } from '../../store/sql.js';
import { fieldDef } from '../search/fields.js';
import { insertStatement, monitorRow } from '../search/fixture.js';
import { csvFrameExpression } from './export-csv.js';
import { streamExportLines } from './export-rows.js';
import { MONITOR_DDL } from './schema.js';

/** RFC 4180 as written, independently of the SQL: quoted when it holds a comma, quote, CR or LF, quotes doubled. */
const csv = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
/** What a spreadsheet would run as a formula gets a leading apostrophe. */
const guarded = (value: string) => (/^[-=+@\t\r]/.test(value) ? `'${value}` : value);

const FIELDS = ['session', 'name', 'studentName', 'comment', 'tags', 'score', 'blocked', 'date', 'scheduledAt'].map(fieldDef);
const AWKWARD = ['a', 'Я', '🙂', ',', '"', '\r', '\n', '=', '+', '-', '@', '\t', ' ', "'", ';'];
const awkward = fc.string({ unit: fc.constantFrom(...AWKWARD), maxLength: 8 });

const url = testPostgresUrl();
const engines: Array<[string, () => Promise<Sql>]> = [
  ['PGlite', openTestDb],
  ...(url ? [['PostgreSQL', async () => {
    const sql = await openPostgres(url, { schema: uniqueSchema('export_rows'), max: 1 });
    await sql.exec(MONITOR_DDL);
    return sql;
  }] as [string, () => Promise<Sql>]] : []),
];

describe.each(engines)('CSV export lines from %s', (_engine, open) => {
  let sql: Sql;
  beforeAll(async () => {
    sql = await open();
  }, 120_000);
  afterAll(async () => {
    await sql?.close();
  });

  it('is the RFC 4180 line of the row, formulas defused, whatever quotes, commas, line breaks and scripts the values hold', async () => {
    const row = fc.record({ name: awkward, studentName: fc.option(awkward), comment: fc.option(awkward), tags: fc.array(awkward, { maxLength: 3 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 20 }), async (values) => {
        await sql.query('DELETE FROM monitor_sessions');
        const rows = values.map((v, i) => monitorRow({ sessionId: `=s${i}`, ...v, score: i % 3 ? i / 2 : null, blocked: i % 2 === 0, date: new Date(Date.UTC(2025, 0, 1, 0, 0, i, 7)), scheduledAt: i % 2 ? new Date(Date.UTC(2025, 0, 1, 12)) : null }));
        const insert = insertStatement(rows);
        await sql.query(insert.sql, insert.params);
        const chunks: Buffer[] = [];
        for await (const { lines } of streamExportLines(sql, FIELDS, 'csv', [], 7)) chunks.push(lines);
        expect(Buffer.concat(chunks).toString('utf8')).toBe(rows.toReversed().map((r) => [
          csv(guarded(r.sessionId)), csv(guarded(r.name)), csv(guarded(r.studentName ?? '')), csv(guarded(r.comment ?? '')),
          csv(r.tags.join('; ')), r.score === null ? '' : String(r.score), String(r.blocked), r.date.toISOString(), r.scheduledAt?.toISOString() ?? '',
        ].join(',') + '\r\n').join(''));
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('truncates microseconds to milliseconds as to_char does, and frames the same on a server storing another encoding', async () => {
    await sql.query('DELETE FROM monitor_sessions');
    const insert = insertStatement([monitorRow({ sessionId: 'µs', name: 'Ünïcödé, "q"' })]);
    await sql.query(insert.sql, insert.params);
    await sql.query(`UPDATE monitor_sessions SET date = '2025-03-04 05:06:07.891999+00', scheduled_at = '2025-03-04 05:06:07.5+00'`);
    const fields = [fieldDef('date'), fieldDef('scheduledAt'), fieldDef('name')];
    const chunks: Buffer[] = [];
    for await (const { lines } of streamExportLines(sql, fields, 'csv', [])) chunks.push(lines);
    expect(Buffer.concat(chunks).toString('utf8')).toBe('2025-03-04T05:06:07.891Z,2025-03-04T05:06:07.500Z,"Ünïcödé, ""q"""\r\n');
    const frames = (utf8: boolean) => sql.query<{ frame: string }>(`SELECT ${csvFrameExpression(fields, utf8)} AS frame FROM monitor_sessions`);
    expect(await frames(false)).toEqual(await frames(true));
  });
});
