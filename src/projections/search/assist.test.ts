import { describe, expect, it } from 'vitest';
import { complete, EXPORT_FIELDS } from './index.js';

const ALL_FIELDS = EXPORT_FIELDS.map((f) => f.name);

describe('when a proctor asks for completion', () => {
  it('offers every field and the ways to start a term in an empty search', () => {
    expect(complete('', 0)).toEqual({ fields: ALL_FIELDS, tokens: ['(', 'text', 'quoted text', 'date'], values: [], start: 0 });
  });

  it('completes a partial field name, case-insensitively, and says where the word starts', () => {
    expect(complete('exam & STU', 10)).toMatchObject({ fields: ['student', 'studentName'], start: 7 });
    expect(complete('averages.c', 10).fields).toEqual(['averages.c1', 'averages.c2', 'averages.c3', 'averages.c4', 'averages.c5', 'averages.c6']);
  });

  it("offers the field type's operators after a complete field name", () => {
    expect(complete('score', 5).tokens.slice(0, 6)).toEqual(['=', '!=', '>', '<', '>=', '<=']);
    expect(complete('name', 4).tokens).toEqual(expect.arrayContaining(['=', '!=', '==', '!==', '~', '~*', '&', '|']));
    expect(complete('name', 4).tokens).not.toContain('>');
  });

  it('expects a value, and offers known values, after an operator', () => {
    expect(complete('student=', 8)).toEqual({ fields: [], tokens: ['text', 'quoted text', 'date'], values: [], start: 8 });
    expect(complete('status=fi', 9)).toMatchObject({ fields: [], values: ['finished'], start: 7 });
    expect(complete('status=finished,', 16).values).toContain('cancelled');
    expect(complete('blocked!=', 9).values).toEqual(['true', 'false']);
  });

  it('offers what may follow a complete comparison', () => {
    expect(complete('student=a', 9).tokens).toEqual(expect.arrayContaining([',', '&', '|', '(']));
    expect(complete('(student=a ', 11).tokens).toEqual(expect.arrayContaining([')', '&', '|']));
  });

  it('uses only the text before the cursor', () => {
    expect(complete('sco & exam', 3)).toMatchObject({ fields: ['score'], start: 0 });
    expect(complete('exam & ', 99).fields).toEqual(ALL_FIELDS);
  });

  it('still answers inside an unfinished quote or a broken search', () => {
    expect(() => complete('name="abc', 9)).not.toThrow();
    expect(() => complete(') ) = ,', 7)).not.toThrow();
  });
});
