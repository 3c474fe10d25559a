/**
 * The proctor's search language: text → tokens (tokens.ts) → CST (parser.ts) → typed AST (visitor.ts) → SQL WHERE with
 * bound parameters (sql.ts) or an in-memory predicate over live rows (predicate.ts); completion in assist.ts.
 *
 * Rules for the cases the user guide leaves open:
 *  - Free text (a term without a field) matches session id, name, student and proctor logins, ignoring case and
 *    literally (no wildcards). `^` anchors at the start, `$` at the end, for the whole group: `^a|b$` = exactly a or b.
 *  - `|` inside free text: one pattern when written without spaces, not as a comparison's value and not followed by an
 *    operator (`^proctor1|proctor2$`); otherwise the OR operator (`a | b`, `student=a|student=b`, `student=a|b`).
 *  - A date value names a period at its written precision (a day, a minute, a second): `=` inside it, `!=` outside it,
 *    `>` after its end, `>=` from its start, `<` before its start, `<=` up to its end. UTC unless a zone is written.
 *  - NULL: any comparison on an absent value is false, `!=` and `!==` included (`score!=50` skips unscored sessions).
 *  - Lists: `=`, `==`, `~`, `~*` mean any of the values; `!=`, `!==` none of them; `<` `>` `<=` `>=` take one value.
 *  - Tags: `=` some tag equals the value, `!=` no tag does, `~` some tag matches.
 *  - Regular expressions: the subset on which RE2 and PostgreSQL agree, at most 200 characters (regex.ts).
 *  - Quoted strings: `\"`, `\'` and `\\` escape; any other backslash is kept, for regular expressions.
 */
import { ValidationError } from '../../domain/core/errors.js';
import type { MonitorRow } from '../monitor/row.js';
import type { Query } from './ast.js';
import { parse } from './parse.js';
import { toPredicate } from './predicate.js';
import { toSql, type SqlCondition } from './sql.js';

export type { Comparison, ComparisonOp, Expr, Query, TextExpr, Value } from './ast.js';
export { complete, type Completion } from './assist.js';
export { EXPORT_FIELDS, type FieldType } from './fields.js';
export { parse, type SearchError } from './parse.js';
export type { SqlCondition } from './sql.js';

/** 1-based line and column of an offset (lines end at `\n`, `\r\n` or `\r`). */
export function position(text: string, offset: number): { line: number; column: number } {
  const lines = text.slice(0, offset).split(/\r\n|\r|\n/);
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/**
 * Parses a search. The empty search is `{ kind: 'all' }`.
 * @throws ValidationError (only) with `details: { offset, line, column, length }` of the first problem.
 */
export function parseQuery(text: string): Query {
  const source = typeof text === 'string' ? text : String(text);
  const { ast, errors } = parse(source);
  if (ast && errors.length === 0) return ast;
  const [first] = errors;
  throw new ValidationError(first.message, { offset: first.offset, ...position(source, first.offset), length: first.length });
}

/** A WHERE condition on `monitor_sessions`, with parameters numbered from `$firstParamIndex`. */
export function compileSql(query: Query, firstParamIndex = 1): SqlCondition {
  return toSql(query, firstParamIndex);
}

/** The same filter as `compileSql`, on a live row. */
export function compilePredicate(query: Query): (row: MonitorRow) => boolean {
  return toPredicate(query);
}

/** The fields a search compares (free text names none). */
export function fieldsOf(query: Query): Set<string> {
  const out = new Set<string>();
  const walk = (e: Query): void => {
    if (e.kind === 'compare') out.add(e.field);
    else if (e.kind === 'and' || e.kind === 'or') e.items.forEach(walk);
  };
  walk(query);
  return out;
}
