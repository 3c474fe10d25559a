import { describe, expect, it } from 'vitest';
import { monitorRow } from './fixture.js';
import { compilePredicate, parseQuery } from './index.js';
import { checkRegex } from './regex.js';

describe('when a proctor searches with a regular expression', () => {
  it.each([
    ['exam', 'exam'],
    ['^(en|ex)+.*?t{1,3}$', '^(en|ex)+.*?t{1,3}$'],
    ['(?:a|b)[^0-9\\-]\\.', '(?:a|b)[^0-9\\-]\\.'],
    ['[a-z_-]+', '[a-z_\\-]+'],
    ['\\s', '[\\t\\n\\v\\f\\r ]'],
    ['[\\s\\d]\\S', '[\\t\\n\\v\\f\\r \\d][^\\t\\n\\v\\f\\r ]'],
  ])('accepts %s, translated for RE2 as %s', (source, re2) => {
    expect(checkRegex(source)).toEqual({ ok: true, re2 });
  });

  it.each([
    '(a)\\1', '(?i)a', '(?=a)', '(?<n>a)', '\\bword', '\\p{L}', '\\Qa\\E', '[[:alpha:]]', '[a-\\d]', '[z-a]', 'a{2,1}',
    'a{256}', 'a**', 'a+*', '^*', '*a', 'a{', '}', '[]', '[a', '(a', 'a)', '\\', '\\x41', '\\ ',
  ])('rejects %s', (source) => {
    expect(checkRegex(source).ok).toBe(false);
  });

  it('cannot be stalled by a catastrophic pattern on a 100 kB value', () => {
    const row = monitorRow({ sessionId: 'x', comment: `${'a'.repeat(100_000)}!` });
    for (const search of ['comment~"(a+)+$"', 'comment~*"(a|aa)*(a|aa)*b"', 'comment~"^(a*)*$"']) {
      const matches = compilePredicate(parseQuery(search));
      const started = performance.now();
      expect(matches(row)).toBe(false);
      expect(performance.now() - started).toBeLessThan(2000);
    }
    expect(compilePredicate(parseQuery('comment~"(a+)+!$"'))(row)).toBe(true);
  });
});
