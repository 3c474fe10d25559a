import type { IToken, TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.js';

/**
 * Characters that end a bare word. Everything else (letters, digits, `.`, `-`, `:`, `/`, `^`, `$`, `\`, `*`, …) may
 * appear in a word, so field names (`averages.b1`), logins, dates and most regular expressions need no quotes.
 * `!` belongs to a word unless it starts `!=` / `!==`.
 */
const WORD_CHAR = String.raw`(?:[^\s()&|,=<>!~"']|!(?!=))`;

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true });
export const LParen = createToken({ name: 'LParen', pattern: '(', label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: ')', label: "')'" });
export const And = createToken({ name: 'And', pattern: '&', label: "'&'" });
export const Or = createToken({ name: 'Or', pattern: '|', label: "'|'" });
export const Comma = createToken({ name: 'Comma', pattern: ',', label: "','" });

/** The category every comparison operator belongs to; the parser matches on it. */
export const CompareOp = createToken({ name: 'CompareOp', pattern: Lexer.NA });
const op = (name: string, image: string) => createToken({ name, pattern: image, categories: CompareOp, label: `'${image}'` });
export const NotEqualExact = op('NotEqualExact', '!==');
export const NotEqual = op('NotEqual', '!=');
export const EqualExact = op('EqualExact', '==');
export const GreaterEqual = op('GreaterEqual', '>=');
export const LessEqual = op('LessEqual', '<=');
export const Equal = op('Equal', '=');
export const Greater = op('Greater', '>');
export const Less = op('Less', '<');
export const MatchInsensitive = op('MatchInsensitive', '~*');
export const Match = op('Match', '~');

/** Quoted strings may span lines; `\"`, `\'` and `\\` escape, any other backslash is kept (handy in regexes). */
export const DoubleQuoted = createToken({ name: 'DoubleQuoted', pattern: /"(?:[^"\\]|\\[\s\S])*"/, line_breaks: true, label: 'quoted text' });
export const SingleQuoted = createToken({ name: 'SingleQuoted', pattern: /'(?:[^'\\]|\\[\s\S])*'/, line_breaks: true, label: 'quoted text' });

/**
 * ISO-8601 date or date-time: `2025-03-01`, `2025-03-01 10:00`, `2025-03-01T10:00:00.5Z`, `…+02:00`. A space may
 * separate date and time (the user guide's format), so this token must come before Word. It only matches when a word
 * boundary follows, so `2025-03-01x` stays one word.
 */
export const DateTime = createToken({
  name: 'DateTime',
  pattern: new RegExp(
    String.raw`\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?` +
      `(?!${WORD_CHAR})`,
  ),
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  label: 'date',
});

const WORD = new RegExp(`${WORD_CHAR}+`, 'y');
const SEGMENT = String.raw`(?:[^\s()&|,=<>!~"'^$]|!(?!=))+`;
const PATTERN = new RegExp(String.raw`\^?${SEGMENT}(?:\|${SEGMENT})+\$?`, 'y');
const OPERATOR_START = /[=<>~]|!=/y;

/**
 * A free-text pattern with alternatives, `^proctor1|proctor2$`: one token, so its anchors apply to the whole group.
 *
 * The rule that tells it from the `|` operator: `|` belongs to a free-text pattern when
 *  - it has no space on either side (`a|b`, not `a | b`),
 *  - the text is not a comparison's value (the previous token is not an operator or a comma: in
 *    `student=student1|student=student2` each side is a comparison), and
 *  - no operator follows it (in `a|b=c`, `b` is a field name, so `|` is the operator).
 * Otherwise `|` is the OR operator. Anchors are only recognised at the very start and end of the group.
 */
export const Pattern = createToken({
  name: 'Pattern',
  label: 'text',
  line_breaks: false,
  pattern: {
    exec: (text: string, offset: number, tokens: IToken[]): [string] | null => {
      const previous = tokens.length > 0 ? tokens[tokens.length - 1].tokenType : undefined;
      if (previous && (previous === Comma || previous.CATEGORIES?.includes(CompareOp))) return null;
      PATTERN.lastIndex = offset;
      const match = PATTERN.exec(text);
      if (!match) return null;
      OPERATOR_START.lastIndex = offset + match[0].length;
      return OPERATOR_START.test(text) ? null : [match[0]];
    },
  },
});

/** A bare word: free text, a field name, or a value (text, number, boolean, regex). */
export const Word = createToken({
  name: 'Word',
  label: 'word',
  line_breaks: false,
  pattern: {
    exec: (text: string, offset: number): [string] | null => {
      WORD.lastIndex = offset;
      const match = WORD.exec(text);
      return match ? [match[0]] : null;
    },
  },
});

/** Order matters: longer operators first, DateTime and Pattern before Word. */
export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  LParen, RParen, And, Or, Comma,
  DoubleQuoted, SingleQuoted,
  CompareOp,
  NotEqualExact, NotEqual, EqualExact, GreaterEqual, LessEqual, Equal, Greater, Less, MatchInsensitive, Match,
  DateTime, Pattern, Word,
];

export const searchLexer = new Lexer(ALL_TOKENS, { positionTracking: 'full', ensureOptimizations: false });

/** The operator as typed (`!==`, `~*`, …). */
export type OperatorImage = '>' | '<' | '>=' | '<=' | '=' | '!=' | '==' | '!==' | '~' | '~*';
