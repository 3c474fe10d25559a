import { assertNever } from '../../domain/core/errors.js';
import type { Comparison, Expr, TextExpr, Value } from './ast.js';
import { fieldDef, FREE_TEXT_FIELDS, type FieldDef } from './fields.js';

/**
 * AST → a WHERE condition on `monitor_sessions`. Every value is a bound parameter (`$n`); every identifier comes from
 * `fields.ts`. The results equal those of `predicate.ts`:
 *  - a comparison on a NULL column yields NULL, which WHERE treats as false (`score!=50` skips NULL scores); there is
 *    no NOT in the language, so AND/OR over NULL behave as over false;
 *  - case-insensitive text: `lower(col) = lower($n)`, free text: `col ILIKE $n` with `\`, `%`, `_` escaped;
 *  - a date value is the period it names, [from, to): `=` inside it, `>` after its end, `>=` from its start,
 *    `<` before its start, `<=` up to its end.
 */
export interface SqlCondition {
  where: string;
  params: unknown[];
  /**
   * It matches free text or a regular expression: a trigram index finds its rows, which are usually few, while the
   * planner guesses many and would rather walk a list's order index filtering every row (see `listSessionPage`).
   */
  textMatch: boolean;
}

class SqlBuilder {
  readonly params: unknown[] = [];
  textMatch = false;

  constructor(private readonly first: number) {}

  param(value: unknown, cast?: string): string {
    this.params.push(value);
    const ref = `$${this.first + this.params.length - 1}`;
    return cast ? `${ref}::${cast}` : ref;
  }

  expr(e: Expr): string {
    switch (e.kind) {
      case 'all':
        return 'TRUE';
      case 'and':
        return `(${e.items.map((i) => this.expr(i)).join(' AND ')})`;
      case 'or':
        return `(${e.items.map((i) => this.expr(i)).join(' OR ')})`;
      case 'text':
        return this.freeText(e);
      case 'compare':
        return this.comparison(e);
      default:
        return assertNever(e, 'search expression');
    }
  }

  private freeText(e: TextExpr): string {
    this.textMatch = true;
    const parts = e.alternatives.flatMap((alternative) => {
      const pattern = `${e.anchorStart ? '' : '%'}${escapeLike(alternative)}${e.anchorEnd ? '' : '%'}`;
      const ref = this.param(pattern, 'text');
      return FREE_TEXT_FIELDS.map((f) => `${f.column} ILIKE ${ref}`);
    });
    return `(${parts.join(' OR ')})`;
  }

  private comparison(c: Comparison): string {
    const field = fieldDef(c.field);
    switch (field.type) {
      case 'text':
        return this.text(field, c);
      case 'text[]':
        return this.tags(field, c);
      case 'number':
        return this.scalar(field, c, (v) => this.param(num(v), 'double precision'));
      case 'boolean':
        return this.scalar(field, c, (v) => this.param(v.type === 'boolean' && v.value, 'boolean'));
      case 'date':
        return this.date(field, c);
      default:
        return assertNever(field.type, 'field type');
    }
  }

  private text(field: FieldDef, c: Comparison): string {
    const col = field.column;
    const values = c.values.map(text);
    switch (c.op) {
      case '=':
        return any(values.map((v) => `lower(${col}) = lower(${this.param(v, 'text')})`));
      case '!=':
        return all(values.map((v) => `lower(${col}) <> lower(${this.param(v, 'text')})`));
      case '==':
        return any(values.map((v) => `${col} = ${this.param(v, 'text')}`));
      case '!==':
        return all(values.map((v) => `${col} <> ${this.param(v, 'text')}`));
      case '~':
      case '~*':
        this.textMatch = true;
        return any(values.map((v) => this.regex(col, c.op === '~*', v)));
      default:
        throw new Error(`operator ${c.op} on text`);
    }
  }

  /**
   * A pattern without metacharacters is a substring, and LIKE hands the trigram index every trigram of it, where
   * pg_trgm's analysis of a long regular expression keeps only some: on 100k sessions `name~*"chemistry retake 42"`
   * rechecked 1,700 candidates with the regex engine (30–50 ms), its ILIKE 41 (3 ms). Same rows either way.
   */
  private regex(col: string, ignoreCase: boolean, pattern: string): string {
    const like = (literal: string) => `${col} ${ignoreCase ? 'ILIKE' : 'LIKE'} ${this.param(`%${escapeLike(literal)}%`, 'text')}`;
    if (!/[\\^$.|?*+()[\]{}]/.test(pattern)) return like(pattern);
    // Likewise a run of plain characters every match holds narrows the candidates before the regex engine sees them.
    const literal = requiredLiteral(pattern);
    const narrow = literal && literal.length >= 3 ? `${like(literal)} AND ` : '';
    const regex = `${col} ${ignoreCase ? '~*' : '~'} ${this.param(pattern, 'text')}`;
    return narrow ? `(${narrow}${regex})` : regex;
  }

  /** Tags: `=` some tag equals a value, `!=` no tag equals any value, `~` some tag matches. */
  private tags(field: FieldDef, c: Comparison): string {
    const col = field.column;
    const values = c.values.map(text);
    const some = (test: (ref: string) => string) =>
      `EXISTS (SELECT 1 FROM unnest(${col}) AS tag(v) WHERE ${values.map((v) => test(this.param(v, 'text'))).join(' OR ')})`;
    const list = () => `ARRAY[${values.map((v) => this.param(v, 'text')).join(', ')}]`;
    switch (c.op) {
      case '=':
        return some((ref) => `lower(tag.v) = lower(${ref})`);
      case '!=':
        return `(${col} IS NOT NULL AND NOT ${some((ref) => `lower(tag.v) = lower(${ref})`)})`;
      case '==':
        return `(${col} && ${list()})`;
      case '!==':
        return `(NOT (${col} && ${list()}))`;
      case '~':
      case '~*':
        return some((ref) => `tag.v ${c.op} ${ref}`);
      default:
        throw new Error(`operator ${c.op} on tags`);
    }
  }

  /** Numbers and booleans: one column compared with each value. */
  private scalar(field: FieldDef, c: Comparison, ref: (v: Value) => string): string {
    const col = field.column;
    switch (c.op) {
      case '=':
      case '==':
        return any(c.values.map((v) => `${col} = ${ref(v)}`));
      case '!=':
      case '!==':
        return all(c.values.map((v) => `${col} <> ${ref(v)}`));
      case '>':
      case '<':
      case '>=':
      case '<=':
        return `${col} ${c.op} ${ref(c.values[0])}`;
      default:
        throw new Error(`operator ${c.op} on ${field.type}`);
    }
  }

  private date(field: FieldDef, c: Comparison): string {
    const col = field.column;
    const periods = c.values.map((v) => (v.type === 'date' ? v : { from: '', to: '' }));
    const at = (iso: string) => this.param(iso, 'timestamptz');
    switch (c.op) {
      case '=':
      case '==':
        return any(periods.map((p) => `(${col} >= ${at(p.from)} AND ${col} < ${at(p.to)})`));
      case '!=':
      case '!==':
        return all(periods.map((p) => `(${col} < ${at(p.from)} OR ${col} >= ${at(p.to)})`));
      case '>':
        return `${col} >= ${at(periods[0].to)}`;
      case '>=':
        return `${col} >= ${at(periods[0].from)}`;
      case '<':
        return `${col} < ${at(periods[0].from)}`;
      case '<=':
        return `${col} < ${at(periods[0].to)}`;
      default:
        throw new Error(`operator ${c.op} on a date`);
    }
  }
}

const any = (parts: string[]) => (parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`);
const all = (parts: string[]) => (parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`);
const text = (v: Value) => (v.type === 'text' ? v.value : '');
const num = (v: Value) => (v.type === 'number' ? v.value : NaN);

/**
 * The longest run of plain characters that every match of `pattern` contains, or null when the pattern is not simple
 * enough to tell (alternation, groups, escapes): after a quantifier ? * {…} the character before it may be absent,
 * and `. ^ $ +` and classes end a run.
 */
export function requiredLiteral(pattern: string): string | null {
  if (/[|()\\]/.test(pattern)) return null;
  const runs: string[] = [];
  let run = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '?' || c === '*' || c === '{') {
      runs.push(run.slice(0, -1));
      if (c === '{') i = pattern.indexOf('}', i) < 0 ? pattern.length : pattern.indexOf('}', i);
    } else if (c === '[') {
      runs.push(run);
      const close = pattern.indexOf(']', i + (pattern[i + 1] === '^' ? 3 : 2));
      if (close < 0) return null;
      i = close;
    } else if ('.^$+]}'.includes(c)) {
      runs.push(run); // x+ holds x at least once: the run keeps it
    } else {
      run += c;
      continue;
    }
    run = '';
  }
  runs.push(run);
  return runs.reduce((a, b) => (b.length > a.length ? b : a), '') || null;
}

/** LIKE pattern for a literal: the default escape character is the backslash. */
export function escapeLike(literal: string): string {
  return literal.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function toSql(expr: Expr, firstParamIndex = 1): SqlCondition {
  if (!Number.isInteger(firstParamIndex) || firstParamIndex < 1) throw new Error(`bad first parameter index ${firstParamIndex}`);
  const builder = new SqlBuilder(firstParamIndex);
  const where = builder.expr(expr);
  return { where, params: builder.params, textMatch: builder.textMatch };
}
