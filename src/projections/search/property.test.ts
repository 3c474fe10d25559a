import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorRow, SessionStatus } from '../monitor/row.js';
import { MONITOR_DDL } from '../monitor/schema.js';
import { insertStatement, monitorRow } from './fixture.js';
import { compilePredicate, compileSql, parseQuery } from './index.js';
import { checkRegex, compileRegex } from './regex.js';

let db: PGlite;

beforeAll(async () => {
  db = new PGlite();
  await db.exec(MONITOR_DDL);
});

afterAll(async () => {
  await db.close();
});

// Small pools, so that generated values and generated rows often meet (case variants, LIKE wildcards, boundaries).
const WORDS = ['exam', 'Exam', 'EXAM', 'entrance exam', 'entrance_exam', 'a_b', 'axb', 'x%', '100%', 'a\\b', '', 'student1', 'Student1', 'proctor1', 'math', 'Math', 'ß', 'É'];
const REGEXES = [
  'exam', '^E', 'am$', '[a-c]', 'a.b', '(ex|fin)', 'x%', 'a_b', '\\d', '^$', 'E.*M', '[^a-z]', '\\s', 'student[12]',
  '^(a|b)+$', 'a{1,2}', '\\.', 'x?y*', '^.+$', '\\w+\\W', '[\\d_]', '(?:en)+t', '\\S\\s\\S', '.', '[-a]', '1\\d?0?',
];
const INSTANTS = [
  '2025-02-28T23:59:59.999Z', '2025-03-01T00:00:00.000Z', '2025-03-01T09:59:59.999Z', '2025-03-01T10:00:00.000Z',
  '2025-03-01T10:00:30.000Z', '2025-03-01T10:00:59.999Z', '2025-03-01T23:59:59.000Z', '2025-03-02T00:00:00.000Z',
];
const DATE_VALUES = [
  '2025-03-01', '2025-02-28', '2025-03-02', '"2025-03-01 10:00"', '2025-03-01T10:00:00', '2025-03-01T10:00:30Z',
  '2025-03-01T11:00:00+01:00', "'2025-03-01 23:59:59'", '2025-03-01T10:00:00.5',
];
const NUMBERS = [0, 10, 49.5, 50, 72.5, 100, -1];
const STATUSES: SessionStatus[] = ['scheduled', 'waiting', 'in_progress', 'finished'];

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 3 });
const instant = pick(INSTANTS).map((s) => new Date(s));

const rowArb = (i: number): fc.Arbitrary<MonitorRow> =>
  fc.record({
    prefix: pick(['123', 'abc', 'a_b', 'x%y', 'Exam', 'S']),
    name: pick(WORDS),
    student: pick(['student1', 'Student1', 'STUDENT2', 'a_b', 'x', 'exam']),
    studentName: nullable(pick(WORDS)),
    proctor: nullable(pick(['proctor1', 'Proctor1', 'proctor2', 'a_b'])),
    status: pick(STATUSES),
    date: instant,
    startedAt: nullable(instant),
    duration: pick([0, 30, 60, 90]),
    score: nullable(pick(NUMBERS)),
    conclusion: nullable(pick(['positive', 'negative'])),
    comment: nullable(pick(WORDS)),
    tags: fc.subarray(['math', 'Math', 'physics', 'a_b', 'x%', 'exam']),
    blocked: fc.boolean(),
    b1: nullable(pick(NUMBERS)),
  }).map((r) => monitorRow({
    sessionId: `${r.prefix}-${i}`, name: r.name, student: r.student, studentName: r.studentName, proctor: r.proctor,
    status: r.status, date: r.date, createdAt: r.date, startedAt: r.startedAt, duration: r.duration, score: r.score,
    conclusion: r.conclusion, comment: r.comment, tags: r.tags, blocked: r.blocked, averages: r.b1 === null ? {} : { b1: r.b1 },
  }));

const rowsArb = fc.integer({ min: 1, max: 8 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => rowArb(i))));

/** A value as typed: bare when it is a plain word, else double-quoted with `\` and `"` escaped. */
const typed = (value: string) => (/^[A-Za-z0-9_.%-]+$/.test(value) ? value : `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`);
const list = (arb: fc.Arbitrary<string>) => fc.array(arb, { minLength: 1, maxLength: 3 }).map((vs) => vs.join(','));

const textField = pick(['name', 'student', 'studentName', 'proctor', 'comment', 'session', 'conclusion', 'status']);
const comparison: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(textField, pick(['=', '!=', '==', '!==']), list(pick(WORDS).map(typed))).map(([f, o, v]) => `${f}${o}${v}`),
  fc.tuple(textField, pick(['~', '~*']), list(pick(REGEXES).map(typed))).map(([f, o, v]) => `${f}${o}${v}`),
  fc.tuple(pick(['=', '!=', '==', '!==']), list(pick(['math', 'MATH', 'a_b', 'x%', 'physics']).map(typed))).map(([o, v]) => `tags${o}${v}`),
  fc.tuple(pick(['~', '~*']), pick(REGEXES).map(typed)).map(([o, v]) => `tags${o}${v}`),
  fc.tuple(pick(['score', 'duration', 'averages.b1']), pick(['>', '<', '>=', '<=']), pick(NUMBERS)).map(([f, o, v]) => `${f}${o}${v}`),
  fc.tuple(pick(['score', 'duration', 'averages.b1']), pick(['=', '!=', '==', '!==']), list(pick(NUMBERS).map(String))).map(([f, o, v]) => `${f}${o}${v}`),
  fc.tuple(pick(['date', 'startedAt', 'createdAt']), pick(['>', '<', '>=', '<=']), pick(DATE_VALUES)).map(([f, o, v]) => `${f}${o}${v}`),
  fc.tuple(pick(['date', 'startedAt']), pick(['=', '!=', '==', '!==']), list(pick(DATE_VALUES))).map(([f, o, v]) => `${f}${o}${v}`),
  fc.tuple(pick(['=', '!=']), fc.boolean()).map(([o, b]) => `blocked${o}${b}`),
);
const freeText: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.boolean(), pick(['exam', 'a_b', 'x%', '123', 'student1', 'proctor1', 'Exam', '1']), fc.boolean())
    .map(([s, w, e]) => `${s ? '^' : ''}${w}${e ? '$' : ''}`),
  fc.tuple(fc.boolean(), fc.array(pick(['exam', 'a_b', '123', 'student1', 'proctor1', 'x']), { minLength: 2, maxLength: 3 }), fc.boolean())
    .map(([s, ws, e]) => `${s ? '^' : ''}${ws.join('|')}${e ? '$' : ''}`),
  pick(WORDS).map((w) => `"${w.replace(/[\\"]/g, (c) => `\\${c}`)}"`),
);

const { expr: exprArb } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    freeText,
    fc.tuple(tie('expr'), pick([' & ', '&', ' ', ' | ', '|']), tie('expr')).map(([a, op, b]) => `(${a})${op}(${b})`),
    fc.tuple(tie('expr'), pick([' & ', ' | ', ' ']), tie('expr')).map(([a, op, b]) => `${a}${op}${b}`),
  ),
}));

async function sqlIds(rows: readonly MonitorRow[], search: string): Promise<string[]> {
  await db.exec('DELETE FROM monitor_sessions');
  const insert = insertStatement(rows);
  await db.query(insert.sql, insert.params);
  const { where, params } = compileSql(parseQuery(search), 1);
  const result = await db.query<{ session_id: string }>(`SELECT session_id FROM monitor_sessions WHERE ${where}`, params);
  return result.rows.map((r) => r.session_id).sort();
}

describe('when the same search runs in SQL and on live rows', () => {
  it('selects the same sessions for random searches over random rows', async () => {
    let selective = 0;
    await fc.assert(
      fc.asyncProperty(rowsArb, exprArb, async (rows, search) => {
        const live = rows.filter(compilePredicate(parseQuery(search))).map((r) => r.sessionId).sort();
        expect(await sqlIds(rows, search)).toEqual(live);
        if (live.length > 0 && live.length < rows.length) selective++;
      }),
      { numRuns: 300 },
    );
    // The generators are only worth something if searches often split the rows.
    expect(selective).toBeGreaterThan(60);
  });

  it('agrees with PostgreSQL on every accepted pattern, with and without case', async () => {
    const subjects = ['', 'a', 'A', 'ab', 'a.b', 'axb', 'exam', 'EXAM', 'Entrance Exam', 'a_b', 'x%', '\n', 'a b', 'a\tb', 'a\vb', '12', '100', '1x0', 'student1', 'studentX', 'en en t', '-', 'É', 'ß'];
    for (const source of REGEXES) {
      const check = checkRegex(source);
      expect(check.ok).toBe(true);
      if (!check.ok) continue;
      for (const caseInsensitive of [false, true]) {
        const matches = compileRegex(check.re2, caseInsensitive);
        const op = caseInsensitive ? '~*' : '~';
        const result = await db.query<{ s: string; m: boolean }>(`SELECT s, s ${op} $1 AS m FROM unnest($2::text[]) AS t(s)`, [source, subjects]);
        for (const { s, m } of result.rows) expect([source, op, s, matches(s)]).toEqual([source, op, s, m]);
      }
    }
  });
});
