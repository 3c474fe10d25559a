/**
 * The proctor's search language: text → typed AST → SQL WHERE (bound parameters) or in-memory predicate.
 * See tokens.ts (lexing and the free-text `|` rule), visitor.ts (values, dates), sql.ts (NULL and date rules).
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
