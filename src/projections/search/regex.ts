import { RE2JS } from 're2js';

/**
 * User regular expressions (`~`, `~*`) run in PostgreSQL (ARE engine) for queries and in RE2 (re2js, linear time) for
 * live updates, so only the syntax on which both engines agree is accepted:
 *
 *   literals, `.`, `^`, `$`, `|`, `( )`, `(?: )`, `* + ?`, `{n}` `{n,}` `{n,m}` (n ≤ m ≤ 255), lazy `?` after a quantifier,
 *   `[…]` / `[^…]` with literal characters, ranges and `\d \w \s` inside, escapes `\d \D \w \W \s \S \n \t \r \f \v`
 *   and a backslash before any ASCII punctuation.
 *
 * Rejected: backreferences, lookarounds, `(?flags)`, `\b` (backspace in PostgreSQL, word boundary in RE2), `\p{…}`,
 * POSIX `[:class:]`, a bare `{` or `}`, more than 200 characters.
 *
 * Differences bridged in the RE2 translation: PostgreSQL's `.` matches a newline (RE2 gets the DOTALL flag) and its `\s`
 * includes the vertical tab (RE2 gets `[\t\n\v\f\r ]`). Non-ASCII letters in `\w`, and case folding beyond ASCII, follow
 * the database's locale in SQL and Unicode in RE2; for ASCII the two agree.
 */
export const MAX_REGEX_LENGTH = 200;
const MAX_REPEAT = 255;
const SPACE_CLASS = String.raw`\t\n\v\f\r `;

export type RegexCheck = { ok: true; re2: string } | { ok: false; message: string; index: number };

class RegexSyntaxError extends Error {
  constructor(message: string, readonly index: number) {
    super(message);
  }
}

const isAsciiPunctuation = (c: string) => /^[!-/:-@[-`{-~]$/.test(c);

class Translator {
  private pos = 0;
  private readonly chars: string[];

  constructor(source: string) {
    this.chars = Array.from(source);
  }

  run(): string {
    const out = this.alternation(0);
    if (this.pos < this.chars.length) throw new RegexSyntaxError("')' has no matching '('", this.pos);
    return out;
  }

  private peek(ahead = 0): string | undefined {
    return this.chars[this.pos + ahead];
  }

  private alternation(depth: number): string {
    let out = this.concatenation(depth);
    while (this.peek() === '|') {
      this.pos++;
      out += '|' + this.concatenation(depth);
    }
    return out;
  }

  private concatenation(depth: number): string {
    let out = '';
    while (this.pos < this.chars.length && this.peek() !== '|' && this.peek() !== ')') out += this.piece(depth);
    return out;
  }

  private piece(depth: number): string {
    const start = this.pos;
    const { text, repeatable } = this.atom(depth);
    const quantifier = this.quantifier();
    if (quantifier === '') return text;
    if (!repeatable) throw new RegexSyntaxError(`'${quantifier}' has nothing to repeat`, start);
    let out = text + quantifier;
    if (this.peek() === '?') {
      this.pos++;
      out += '?';
    }
    if (this.quantifierAhead()) throw new RegexSyntaxError('a repetition cannot be repeated; use a group', this.pos);
    return out;
  }

  private quantifierAhead(): boolean {
    const c = this.peek();
    return c === '*' || c === '+' || c === '?' || (c === '{' && this.bound(this.pos) !== undefined);
  }

  private quantifier(): string {
    const c = this.peek();
    if (c === '*' || c === '+' || c === '?') {
      this.pos++;
      return c;
    }
    if (c === '{') {
      const bound = this.bound(this.pos);
      if (bound) {
        this.pos = bound.end;
        return bound.text;
      }
    }
    return '';
  }

  /** `{n}`, `{n,}` or `{n,m}` starting at `at`, if there is one. */
  private bound(at: number): { text: string; end: number } | undefined {
    let i = at + 1;
    const digits = (): string => {
      let s = '';
      while (i < this.chars.length && /^[0-9]$/.test(this.chars[i])) s += this.chars[i++];
      return s;
    };
    const min = digits();
    if (min === '') return undefined;
    let max: string | undefined = min;
    if (this.chars[i] === ',') {
      i++;
      max = digits();
      if (max === '') max = undefined;
    }
    if (this.chars[i] !== '}') return undefined;
    const lo = Number(min);
    const hi = max === undefined ? lo : Number(max);
    if (lo > MAX_REPEAT || hi > MAX_REPEAT) throw new RegexSyntaxError(`repeat counts above ${MAX_REPEAT} are not supported`, at);
    if (lo > hi) throw new RegexSyntaxError(`bad repeat count {${min},${max}}`, at);
    return { text: this.chars.slice(at, i + 1).join(''), end: i + 1 };
  }

  private atom(depth: number): { text: string; repeatable: boolean } {
    const at = this.pos;
    const c = this.chars[this.pos++];
    switch (c) {
      case '(': {
        let open = '(';
        if (this.peek() === '?') {
          if (this.peek(1) !== ':') throw new RegexSyntaxError("only '(' and '(?:' groups are supported", at);
          this.pos += 2;
          open = '(?:';
        }
        if (depth >= 20) throw new RegexSyntaxError('groups are nested too deeply', at);
        const inner = this.alternation(depth + 1);
        if (this.peek() !== ')') throw new RegexSyntaxError("'(' is not closed", at);
        this.pos++;
        return { text: `${open}${inner})`, repeatable: true };
      }
      case '[':
        return { text: this.bracket(at), repeatable: true };
      case '\\':
        return { text: this.escape(at), repeatable: true };
      case '^':
      case '$':
        return { text: c, repeatable: false };
      case '.':
        return { text: '.', repeatable: true };
      case '*':
      case '+':
      case '?':
        throw new RegexSyntaxError(`'${c}' has nothing to repeat`, at);
      case '{':
        if (this.bound(at)) throw new RegexSyntaxError(`'{' has nothing to repeat`, at);
        throw new RegexSyntaxError(String.raw`write \{ for a literal '{'`, at);
      case '}':
        throw new RegexSyntaxError(String.raw`write \} for a literal '}'`, at);
      default:
        return { text: c, repeatable: true };
    }
  }

  private escape(at: number): string {
    const c = this.chars[this.pos++];
    if (c === undefined) throw new RegexSyntaxError('the pattern ends with a lone backslash', at);
    if ('dDwWntrfv'.includes(c)) return '\\' + c;
    if (c === 's') return `[${SPACE_CLASS}]`;
    if (c === 'S') return `[^${SPACE_CLASS}]`;
    if (isAsciiPunctuation(c)) return '\\' + c;
    throw new RegexSyntaxError(`'\\${c}' is not supported`, at);
  }

  /** One character of a bracket expression that can end a range, already escaped for RE2. */
  private classChar(): { text: string; code: number } | { text: string; code: undefined } {
    const at = this.pos;
    const c = this.chars[this.pos++];
    if (c === '\\') {
      const e = this.chars[this.pos++];
      if (e === undefined) throw new RegexSyntaxError("'[' is not closed", at);
      if ('dws'.includes(e)) return { text: e === 's' ? SPACE_CLASS : '\\' + e, code: undefined };
      const controls: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11 };
      if (e in controls) return { text: '\\' + e, code: controls[e] };
      if (isAsciiPunctuation(e)) return { text: '\\' + e, code: e.codePointAt(0)! };
      throw new RegexSyntaxError(`'\\${e}' is not supported inside [ ]`, at);
    }
    if (c === '[') throw new RegexSyntaxError(String.raw`write \[ for a literal '[' inside [ ]`, at);
    return { text: c, code: c.codePointAt(0)! };
  }

  private bracket(at: number): string {
    let out = '[';
    if (this.peek() === '^') {
      this.pos++;
      out += '^';
    }
    if (this.peek() === ']') throw new RegexSyntaxError(String.raw`empty [ ]; write \] for a literal ']'`, at);
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new RegexSyntaxError("'[' is not closed", at);
      if (c === ']') {
        this.pos++;
        return out + ']';
      }
      if (c === '-') {
        this.pos++;
        if (!first && this.peek() !== ']') throw new RegexSyntaxError(String.raw`write \- for a literal '-' inside [ ]`, this.pos - 1);
        out += '\\-';
        first = false;
        continue;
      }
      const itemAt = this.pos;
      const lo = this.classChar();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.pos++;
        const hi = this.classChar();
        if (lo.code === undefined || hi.code === undefined) throw new RegexSyntaxError('a class like \\d cannot bound a range', itemAt);
        if (lo.code > hi.code) throw new RegexSyntaxError(`bad range ${lo.text}-${hi.text}`, itemAt);
        out += `${lo.text}-${hi.text}`;
      } else {
        out += lo.text;
      }
      first = false;
    }
  }
}

const checked = new Map<string, RegexCheck>();
const CACHE_SIZE = 256;

/**
 * Checks a user regex and translates it for RE2; `index` of an error is in code points of `source`. Results are
 * cached (a search is parsed again on every refresh, and RE2's compile is most of the cost of parsing a search).
 */
export function checkRegex(source: string): RegexCheck {
  let result = checked.get(source);
  if (!result) {
    result = check(source);
    if (checked.size >= CACHE_SIZE) checked.delete(checked.keys().next().value!);
    checked.set(source, result);
  }
  return result;
}

function check(source: string): RegexCheck {
  if (source.length > MAX_REGEX_LENGTH) {
    return { ok: false, message: `longer than ${MAX_REGEX_LENGTH} characters`, index: MAX_REGEX_LENGTH };
  }
  try {
    const re2 = new Translator(source).run();
    RE2JS.compile(re2, RE2JS.DOTALL);
    return { ok: true, re2 };
  } catch (error) {
    if (error instanceof RegexSyntaxError) return { ok: false, message: error.message, index: error.index };
    return { ok: false, message: 'too complex', index: 0 };
  }
}

/** A linear-time matcher for a pattern `checkRegex` accepted: true when it matches any part of the value. */
export function compileRegex(re2: string, caseInsensitive: boolean): (value: string) => boolean {
  const compiled = RE2JS.compile(re2, RE2JS.DOTALL | (caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0));
  return (value) => compiled.test(value);
}
