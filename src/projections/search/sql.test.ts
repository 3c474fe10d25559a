import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MONITOR_DDL } from '../monitor/schema.js';
import { ALL_IDS, FIXTURE, insertStatement } from './fixture.js';
import { compilePredicate, compileSql, parseQuery } from './index.js';
import { requiredLiteral } from './sql.js';

let db: PGlite;

beforeAll(async () => {
  db = new PGlite();
  await db.exec(MONITOR_DDL);
  const insert = insertStatement(FIXTURE);
  await db.query(insert.sql, insert.params);
});

afterAll(async () => {
  await db.close();
});

async function sqlIds(search: string): Promise<string[]> {
  const { where, params } = compileSql(parseQuery(search));
  const result = await db.query<{ session_id: string }>(`SELECT session_id FROM monitor_sessions WHERE ${where}`, params);
  return result.rows.map((r) => r.session_id).sort();
}

function predicateIds(search: string): string[] {
  const matches = compilePredicate(parseQuery(search));
  return FIXTURE.filter(matches).map((r) => r.sessionId).sort();
}

const except = (...ids: string[]) => ALL_IDS.filter((id) => !ids.includes(id));
const after2025_03_01 = ['s-005', 's-006', 's-007', 's-010', 's-012', 's-013', 's-014', 's-015', 's-018', 's-019', 's-020'];

/** Each search with the sessions it must select, in SQL (PGlite) and in the live predicate alike. */
const CASES: [string, string[]][] = [
  // The user guide's free-text examples.
  ['^123$', ['123']],
  ['student1', ['0123', '123', 's-004', 's-009', 's-015']],
  ['^proctor1|proctor2$', ['123', '1234', 's-004', 's-007', 's-010', 's-013', 's-016', 's-020']],
  ['^entrance', ['123', '1234', 's-006']],
  ['exam', ['0123', '123', 's-004', 's-006', 's-011']],
  // The user guide's operator table.
  ['date>2025-01-01', except('123', '1234', '0123', 's-016', 's-017')],
  ['date<2025-12-31', except('s-006', 's-007', 's-018')],
  ['date>=2025-01-01', except('0123', 's-016', 's-017')],
  ['date<=2025-12-31', except('s-007', 's-018')],
  ['session=123', ['123']],
  ['session!=123', except('123')],
  ['student==Student1', ['0123']],
  ['student!==student1', except('123')],
  ['name~exam', ['0123', '123', 's-006']],
  ['name~*Exam', ['0123', '123', 's-004', 's-006', 's-011']],
  ['student=student1&session=123', ['123']],
  ['(student=student1|student=student2)', ['0123', '123', '1234', 's-010', 's-015']],
  ['"entrance exam"', ['123']],
  ["'entrance exam'", ['123']],
  ['student=student1,student2', ['0123', '123', '1234', 's-010', 's-015']],
  // Lists, NULLs, numbers.
  ['student!=student1,student2', except('0123', '123', '1234', 's-010', 's-015')],
  ['score<50', ['1234', 's-006', 's-009', 's-013', 's-016', 's-018']],
  ['score!=50', except('0123', 's-004', 's-011', 's-014', 's-019')],
  ['score>=50', ['123', 's-004', 's-005', 's-007', 's-008', 's-010', 's-012', 's-015', 's-017', 's-020']],
  ['proctor!=proctor1', except('123', 's-005', 's-007', 's-010', 's-016')],
  ['averages.b1>10', ['123']],
  ['AVERAGES.B1<=3', ['1234']],
  ['duration>=90', ['123', 's-006']],
  ['STUDENT=student1', ['0123', '123', 's-015']],
  // Dates: a value is the period it names.
  ['date=2025-03-01', ['s-008', 's-009']],
  ['date!=2025-03-01', except('s-008', 's-009')],
  ['date>2025-03-01', after2025_03_01],
  ['date>=2025-03-01 08:00', ['s-008', 's-009', ...after2025_03_01].sort()],
  ['date>2025-03-01 08:00', ['s-009', ...after2025_03_01].sort()],
  ['date<2025-03-01', ['0123', '123', '1234', 's-004', 's-011', 's-016', 's-017']],
  ['date<=2025-02-28', ['0123', '123', '1234', 's-004', 's-011', 's-016', 's-017']],
  ['date=2025-03-01T09:00+01:00', ['s-008']],
  ['date="2025-03-01 23:59:59"', ['s-009']],
  ['date=2025-03-01,2025-01-01', ['123', '1234', 's-008', 's-009']],
  // Tags, booleans, other text fields.
  ['tags=math', ['123', '1234', 's-004']],
  ['tags==Math', ['1234']],
  ['tags!=math', except('123', '1234', 's-004')],
  ['tags!==math', except('123', 's-004')],
  ['tags~^ph', ['1234']],
  ['blocked=true', ['s-005', 's-009']],
  ['blocked!=yes', except('s-005', 's-009')],
  ['status=finished', except('0123', 's-004', 's-005', 's-007', 's-009')],
  ['conclusion=positive', ['s-004']],
  ['name~"^(Physics|Chemistry)( lab)?$"', ['s-008', 's-009', 's-010']],
  ['name~"\\d"', ['s-006', 's-007']],
  ['name~\\d', ['s-006', 's-007']],
  // Free text is literal: LIKE wildcards are escaped.
  ['1_3', []],
  ['"100%"', ['s-007']],
  ['entrance_', ['s-006']],
  ['^1234|0123$', ['0123', '1234']],
  ['student1|student2', ['0123', '123', '1234', 's-004', 's-009', 's-010', 's-015']],
  // With spaces around it, | is the OR operator: "starts with proctor1" or "ends with proctor2".
  ['^proctor1 | proctor2$', ['0123', '123', '1234', 's-004', 's-007', 's-009', 's-010', 's-013', 's-016', 's-020']],
  // Combining: & binds tighter than |, juxtaposition is &.
  ['student=student1 | student=student2 & name~lab', ['0123', '123', 's-010', 's-015']],
  ['exam proctor1', ['0123', '123']],
  ['exam & proctor1', ['0123', '123']],
  ['(exam | quiz) & score>=50', ['123', 's-004', 's-005']],
  ['', [...ALL_IDS]],
];

describe('when a proctor searches the monitor', () => {
  it.each(CASES)('%s selects the expected sessions in SQL', async (search, expected) => {
    expect(await sqlIds(search)).toEqual([...expected].sort());
  });

  it.each(CASES)('%s selects the same sessions on live rows', (search, expected) => {
    expect(predicateIds(search)).toEqual([...expected].sort());
  });
});

describe('when the SQL is built', () => {
  it('binds every value as a parameter, numbered from the first index given', async () => {
    const search = "student=student1,student2 & name~*'ex\\'am' & score<50 & date>=2025-01-01 & \"Robert'); DROP TABLE monitor_sessions;--\"";
    const { where, params } = compileSql(parseQuery(search), 3);
    expect(where).not.toMatch(/student1|student2|ex.am|50|2025|DROP/);
    expect(where).toMatch(/\$3\b/);
    expect(where).not.toMatch(/\$[12]\b/);
    expect(params).toEqual([
      'student1', 'student2', "%ex'am%", 50, '2025-01-01T00:00:00.000Z', "%Robert'); DROP TABLE monitor\\_sessions;--%",
    ]);
    const result = await db.query(`SELECT count(*)::int AS n FROM monitor_sessions WHERE $1::int = $2::int AND ${where}`, [1, 1, ...params]);
    expect(result.rows).toEqual([{ n: 0 }]);
  });

  it('asks for a regular expression without metacharacters as the substring it is, so the trigram index gets all of it', () => {
    expect(compileSql(parseQuery('name~*"retake 42%"'))).toMatchObject({ where: 'name ILIKE $1::text', params: ['%retake 42\\%%'], textMatch: true });
    expect(compileSql(parseQuery('name~"Retake"')).where).toBe('name LIKE $1::text');
    expect(compileSql(parseQuery('name~*"^re.4"')).where).toBe('name ~* $1::text');
    expect(compileSql(parseQuery('score<5')).textMatch).toBe(false);
  });

  it('narrows a regular expression by the run of plain characters every match holds, when the pattern is simple enough to tell', async () => {
    expect(compileSql(parseQuery('name~*"^chemistry retake 4[12]$"'))).toMatchObject({
      where: '(name ILIKE $1::text AND name ~* $2::text)', params: ['%chemistry retake 4%', '^chemistry retake 4[12]$'],
    });
    expect(requiredLiteral('abc?de+f*ghij{2}k[]xy]lm')).toBe('ghi');
    expect(requiredLiteral('ab+cd')).toBe('ab');
    expect(requiredLiteral('[^]]exam.')).toBe('exam');
    for (const bail of ['exam|test', '(exam)?', 'ex\\.am', 'ab[cd']) expect(requiredLiteral(bail)).toBeNull();
    for (const search of ['name~*"ntrance ex?am"', 'name~*"^entrance e.am$"', 'name~"Entrance [et]"', 'name~*"exam+"']) {
      const { where, params } = compileSql(parseQuery(search), 1);
      const rows = await db.query<{ session_id: string }>(`SELECT session_id FROM monitor_sessions WHERE ${where}`, params);
      expect(rows.rows.map((r) => r.session_id).sort()).toEqual(FIXTURE.filter(compilePredicate(parseQuery(search))).map((r) => r.sessionId).sort());
    }
  });

  it('takes column names only from the field registry', () => {
    const { where } = compileSql({ kind: 'compare', field: 'name', op: '=', values: [{ type: 'text', value: 'x' }] });
    expect(where).toBe('lower(name) = lower($1::text)');
    expect(() => compileSql({ kind: 'compare', field: 'name; DROP TABLE x', op: '=', values: [] })).toThrow();
  });
});
