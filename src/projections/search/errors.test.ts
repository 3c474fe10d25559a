import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../domain/core/errors.js';
import { FIXTURE } from './fixture.js';
import { compilePredicate, compileSql, parseQuery } from './index.js';

function problem(search: string): { message: string; details: Record<string, unknown> } {
  try {
    parseQuery(search);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const { message, details } = error as ValidationError;
    return { message, details };
  }
  throw new Error(`expected '${search}' to be rejected`);
}

describe('when a search has a mistake', () => {
  it.each<[string, RegExp, { offset: number; line: number; column: number; length?: number }]>([
    ['stuent=student1', /^Unknown field 'stuent': did you mean 'student'\?$/, { offset: 0, line: 1, column: 1, length: 6 }],
    ['exam & sore>50', /^Unknown field 'sore': did you mean 'score'\?$/, { offset: 7, line: 1, column: 8, length: 4 }],
    ['qqqqqq=1', /^Unknown field 'qqqqqq'$/, { offset: 0, line: 1, column: 1 }],
    ['exam & name>3', /^'>' does not apply to name \(text\): use = != == !== ~ ~\*$/, { offset: 11, line: 1, column: 12, length: 1 }],
    ['score~x', /^'~' does not apply to score \(a number\)/, { offset: 5, line: 1, column: 6, length: 1 }],
    ['blocked>true', /^'>' does not apply to blocked \(true or false\)/, { offset: 7, line: 1, column: 8 }],
    ['date>2025-13-01', /^Bad date '2025-13-01' for date: the month must be 01 to 12$/, { offset: 5, line: 1, column: 6, length: 10 }],
    ['date>=2025-02-29', /the day must be 01 to 28/, { offset: 6, line: 1, column: 7 }],
    ['date>2025-03-01 24:00', /the hour must be 00 to 23/, { offset: 5, line: 1, column: 6 }],
    ['date<yesterday', /^Bad date 'yesterday' for date: expected YYYY-MM-DD or YYYY-MM-DD hh:mm:ss$/, { offset: 5, line: 1, column: 6 }],
    ['score<fifty', /^score is a number: 'fifty' is not one$/, { offset: 6, line: 1, column: 7, length: 5 }],
    ['score=1e3', /is not one/, { offset: 6, line: 1, column: 7 }],
    ['blocked=maybe', /^blocked is true or false, not 'maybe'$/, { offset: 8, line: 1, column: 9 }],
    ['"entrance exam', /^The quote " at column 1 is never closed$/, { offset: 0, line: 1, column: 1, length: 14 }],
    ["name='abc", /^The quote ' at column 6 is never closed$/, { offset: 5, line: 1, column: 6 }],
    ['(student=a | student=b', /^The '\(' at column 1 is never closed$/, { offset: 0, line: 1, column: 1, length: 1 }],
    ['exam)', /^'\)' has no matching '\('$/, { offset: 4, line: 1, column: 5, length: 1 }],
    ['student=student1 &', /^Missing a search term after '&'$/, { offset: 17, line: 1, column: 18, length: 1 }],
    ['student=student1 |', /^Missing a search term after '\|'$/, { offset: 17, line: 1, column: 18 }],
    ['(a & | b)', /^Missing a search term after '&'$/, { offset: 3, line: 1, column: 4 }],
    ['student=', /^Missing a value after '='$/, { offset: 7, line: 1, column: 8, length: 1 }],
    ['student!== & exam', /^Missing a value after '!=='$/, { offset: 7, line: 1, column: 8, length: 3 }],
    ['student=a,', /^Missing a value after ','$/, { offset: 9, line: 1, column: 10 }],
    ['name~(a|b)', /^A value cannot start with '\(': put it in quotes$/, { offset: 5, line: 1, column: 6 }],
    ['()', /^Nothing between '\(' and '\)'$/, { offset: 0, line: 1, column: 1 }],
    ['=exam', /^'=' needs a field name before it/, { offset: 0, line: 1, column: 1 }],
    ['| exam', /^Missing a search term before '\|'$/, { offset: 0, line: 1, column: 1 }],
    ['exam,final', /^',' separates values after a comparison/, { offset: 4, line: 1, column: 5 }],
    ['score>1,2', /^A list of values does not work with '>'/, { offset: 7, line: 1, column: 8 }],
    ['exam\n  & score~x', /^'~' does not apply to score/, { offset: 14, line: 2, column: 10, length: 1 }],
    ['name="a\nb" & date>x', /^Bad date 'x'/, { offset: 18, line: 2, column: 11 }],
  ])('rejects %j with a message and its position', (search, message, position) => {
    const { message: actual, details } = problem(search);
    expect(actual).toMatch(message);
    expect(details).toMatchObject(position);
  });

  it.each([
    [String.raw`name~"(a)\1"`, /'\\1' is not supported/],
    [String.raw`name~"(?=a)"`, /only '\(' and '\(\?:' groups/],
    [String.raw`name~"\bexam"`, /'\\b' is not supported/],
    ['name~"a{300}"', /repeat counts above 255/],
    ['name~"a**"', /cannot be repeated/],
    ['name~"[a"', /'\[' is not closed/],
    ['name~"a)"', /no matching/],
    ['name~"*a"', /nothing to repeat/],
    ['name~"x{"', /literal '\{'/],
    [`name~"${'a'.repeat(201)}"`, /longer than 200 characters/],
  ])('rejects the pattern in %s', (search, message) => {
    const { message: actual, details } = problem(search);
    expect(actual).toMatch(/^Bad pattern '.*' for name: /);
    expect(actual).toMatch(message);
    expect(details).toMatchObject({ offset: 5, line: 1, column: 6 });
  });

  it('rejects searches nested or long beyond reason, without a stack overflow', () => {
    expect(problem(`${'('.repeat(900)}a${')'.repeat(900)}`)).toMatchObject({ message: 'More than 32 nested parentheses', details: { offset: 32 } });
    expect(problem('exam '.repeat(1000)).details).toMatchObject({ offset: 2000 });
  });
});

const INTERNAL = 'This search could not be read';

/** Parses, and when the search is valid, compiles it both ways and runs the predicate: nothing but ValidationError may escape. */
function exercise(search: string): void {
  let query;
  try {
    query = parseQuery(search);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const { offset, line, column } = error.details as { offset: number; line: number; column: number };
    if (error.message === INTERNAL) throw new Error(`internal error for ${JSON.stringify(search)}`);
    if (/[\r\n]/.test(error.message)) throw new Error(`multi-line message for ${JSON.stringify(search)}`);
    if (!(offset >= 0 && offset <= search.length && line >= 1 && column >= 1)) throw new Error(`bad position ${JSON.stringify(error.details)}`);
    return;
  }
  compileSql(query, 1);
  const matches = compilePredicate(query);
  for (const row of FIXTURE) matches(row);
}

const SOUP = [
  '(', ')', '&', '|', ',', '=', '!=', '==', '!==', '>', '<', '>=', '<=', '~', '~*', '!', '^', '$', '"', "'", '\\',
  'student', 'score', 'date', 'name', 'tags', 'blocked', 'averages.b1', 'Averages.Z9', 'studnt', 'duration',
  '"x y"', "'it\\'s'", '"unterminated', '2025-03-01', '2025-03-01 10:00', '2025-02-30', '2025-03-01T10:00:00+02:00',
  '^a|b$', 'a|b', '50', '-1.5', 'abc', 'true', '[a-z]+', '(a+)+$', '\\d{2,3}', '(?=x)', '\\1', '{', '}', '*', ' ', '\n',
];

describe('when anything at all is typed', () => {
  it('throws nothing but ValidationError for random strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => exercise(s)), { numRuns: 2500 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => exercise(s)), { numRuns: 1000 });
  });

  it('throws nothing but ValidationError for random token soups', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SOUP), { maxLength: 24 }), fc.constantFrom('', ' '), (tokens, glue) => exercise(tokens.join(glue))),
      { numRuns: 3000 },
    );
  });
});
