import { describe, expect, it } from 'vitest';
import type { Expr, Value } from './ast.js';
import { EXPORT_FIELDS, parseQuery } from './index.js';

const text = (value: string): Value => ({ type: 'text', value });
const day = (d: string, next: string): Value => ({ type: 'date', from: `${d}T00:00:00.000Z`, to: `${next}T00:00:00.000Z` });
const cmp = (field: string, op: string, ...values: Value[]): Expr => ({ kind: 'compare', field, op, values } as Expr);
const free = (alternatives: string[], anchorStart = false, anchorEnd = false): Expr => ({ kind: 'text', alternatives, anchorStart, anchorEnd });

describe("when a proctor types the user guide's examples", () => {
  it.each<[string, Expr]>([
    ['date>2025-01-01', cmp('date', '>', day('2025-01-01', '2025-01-02'))],
    ['date<2025-12-31', cmp('date', '<', day('2025-12-31', '2026-01-01'))],
    ['date>=2025-01-01', cmp('date', '>=', day('2025-01-01', '2025-01-02'))],
    ['date<=2025-12-31', cmp('date', '<=', day('2025-12-31', '2026-01-01'))],
    ['session=123', cmp('session', '=', text('123'))],
    ['session!=123', cmp('session', '!=', text('123'))],
    ['student==Student1', cmp('student', '==', text('Student1'))],
    ['student!==student1', cmp('student', '!==', text('student1'))],
    ['name~exam', cmp('name', '~', text('exam'))],
    ['name~*Exam', cmp('name', '~*', text('Exam'))],
    ['student=student1&session=123', { kind: 'and', items: [cmp('student', '=', text('student1')), cmp('session', '=', text('123'))] }],
    ['^proctor1|proctor2$', free(['proctor1', 'proctor2'], true, true)],
    ['(student=student1|student=student2)', { kind: 'or', items: [cmp('student', '=', text('student1')), cmp('student', '=', text('student2'))] }],
    ['"entrance exam"', free(['entrance exam'])],
    ["'entrance exam'", free(['entrance exam'])],
    ['student=student1,student2', cmp('student', '=', text('student1'), text('student2'))],
    ['^123$', free(['123'], true, true)],
    ['student1', free(['student1'])],
    ['^entrance', free(['entrance'], true)],
    ['exam', free(['exam'])],
  ])('reads %s', (search, ast) => {
    expect(parseQuery(search)).toEqual(ast);
  });
});

describe('when expressions are combined', () => {
  it('binds & tighter than |', () => {
    expect(parseQuery('a | b & c')).toEqual({ kind: 'or', items: [free(['a']), { kind: 'and', items: [free(['b']), free(['c'])] }] });
  });

  it('reads whitespace between two expressions as &', () => {
    expect(parseQuery('exam  score<50\nproctor1')).toEqual({
      kind: 'and',
      items: [free(['exam']), cmp('score', '<', { type: 'number', value: 50 }), free(['proctor1'])],
    });
  });

  it('groups with parentheses and flattens nested groups of the same kind', () => {
    expect(parseQuery('(a | b) c')).toEqual({ kind: 'and', items: [{ kind: 'or', items: [free(['a']), free(['b'])] }, free(['c'])] });
    expect(parseQuery('((a & b) & (c))')).toEqual({ kind: 'and', items: [free(['a']), free(['b']), free(['c'])] });
  });

  it('reads an empty or blank search as every session', () => {
    expect(parseQuery('')).toEqual({ kind: 'all' });
    expect(parseQuery('  \n ')).toEqual({ kind: 'all' });
  });
});

describe('when | appears in free text', () => {
  it('keeps a|b without spaces and without a field as one pattern whose anchors apply to the group', () => {
    expect(parseQuery('^a|b|c$')).toEqual(free(['a', 'b', 'c'], true, true));
    expect(parseQuery('a|b')).toEqual(free(['a', 'b']));
  });

  it('reads | with spaces around it as the operator', () => {
    expect(parseQuery('^proctor1 | proctor2$')).toEqual({ kind: 'or', items: [free(['proctor1'], true), free(['proctor2'], false, true)] });
  });

  it('reads | between comparisons as the operator, with or without parentheses', () => {
    const either = { kind: 'or', items: [cmp('student', '=', text('student1')), cmp('student', '=', text('student2'))] };
    expect(parseQuery('student=student1|student=student2')).toEqual(either);
    expect(parseQuery('a|student=x')).toEqual({ kind: 'or', items: [free(['a']), cmp('student', '=', text('x'))] });
  });

  it('reads | after a comparison value as the operator', () => {
    expect(parseQuery('student=a|b')).toEqual({ kind: 'or', items: [cmp('student', '=', text('a')), free(['b'])] });
  });
});

describe('when values are typed', () => {
  it('unescapes quoted strings and keeps other backslashes for regular expressions', () => {
    expect(parseQuery(String.raw`name="say \"hi\" \\ now"`)).toEqual(cmp('name', '=', text(String.raw`say "hi" \ now`)));
    expect(parseQuery(String.raw`name~'\d+\'s'`)).toEqual(cmp('name', '~', text(String.raw`\d+'s`)));
  });

  it('reads date-times as the second, minute or millisecond they name, in UTC unless a zone is given', () => {
    expect(parseQuery('date=2025-03-01 10:00:00')).toEqual(
      cmp('date', '=', { type: 'date', from: '2025-03-01T10:00:00.000Z', to: '2025-03-01T10:00:01.000Z' }),
    );
    expect(parseQuery('date=2025-03-01T10:00')).toEqual(
      cmp('date', '=', { type: 'date', from: '2025-03-01T10:00:00.000Z', to: '2025-03-01T10:01:00.000Z' }),
    );
    expect(parseQuery('startedAt>=2025-03-01T10:00:00.5+02:00')).toEqual(
      cmp('startedAt', '>=', { type: 'date', from: '2025-03-01T08:00:00.500Z', to: '2025-03-01T08:00:00.600Z' }),
    );
    expect(parseQuery("date<'2024-02-29'")).toEqual(cmp('date', '<', day('2024-02-29', '2024-03-01')));
  });

  it('reads numbers, booleans, tags and metric averages by the field type', () => {
    expect(parseQuery('score>=-1.5 duration!=60')).toEqual({
      kind: 'and',
      items: [cmp('score', '>=', { type: 'number', value: -1.5 }), cmp('duration', '!=', { type: 'number', value: 60 })],
    });
    expect(parseQuery('blocked=Yes')).toEqual(cmp('blocked', '=', { type: 'boolean', value: true }));
    expect(parseQuery('tags=math,"data science"')).toEqual(cmp('tags', '=', text('math'), text('data science')));
    expect(parseQuery('Averages.C3>.5')).toEqual(cmp('averages.c3', '>', { type: 'number', value: 0.5 }));
  });

  it('names fields case-insensitively and reports the canonical name', () => {
    expect(parseQuery('STUDENTNAME=x')).toEqual(cmp('studentName', '=', text('x')));
  });

  it('reads a date in free text as text', () => {
    expect(parseQuery('2025-03-01')).toEqual(free(['2025-03-01']));
  });
});

describe('the data export field list', () => {
  it('lists every field with a type and a description', () => {
    expect(EXPORT_FIELDS.map((f) => f.name)).toEqual([
      'session', 'name', 'student', 'studentName', 'proctor', 'status', 'date', 'createdAt', 'scheduledAt', 'startedAt',
      'stoppedAt', 'duration', 'score', 'conclusion', 'comment', 'template', 'tags', 'url', 'createdBy', 'blocked',
      'finishedBy', 'committee.status', 'committee.decision', 'averages.b1', 'averages.b2', 'averages.b3', 'averages.c1', 'averages.c2', 'averages.c3',
      'averages.c4', 'averages.c5', 'averages.c6', 'averages.m1', 'averages.m2', 'averages.n1', 'averages.n2',
      'averages.n3', 'averages.s1', 'averages.s2', 'averages.t1',
    ]);
    for (const f of EXPORT_FIELDS) expect(f.description.length).toBeGreaterThan(3);
    expect(EXPORT_FIELDS.find((f) => f.name === 'tags')?.type).toBe('text[]');
  });
});
