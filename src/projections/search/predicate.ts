import { assertNever } from '../../domain/core/errors.js';
import type { MonitorRow } from '../monitor/row.js';
import type { Comparison, Expr, TextExpr, Value } from './ast.js';
import { fieldDef, FREE_TEXT_FIELDS } from './fields.js';
import { checkRegex, compileRegex } from './regex.js';

/**
 * AST → a predicate over live rows, with exactly the results of the SQL from `sql.ts`:
 *  - a comparison on a null field is false, whatever the operator (`score!=50` skips sessions without a score), as
 *    SQL's NULL is in a WHERE clause (the language has no NOT, so NULL and false never need telling apart);
 *  - case-insensitive means lower-case on both sides (`lower()` / `ILIKE` in SQL);
 *  - regular expressions run in RE2 (linear time), restricted to the syntax PostgreSQL reads the same way.
 */
export type RowPredicate = (row: MonitorRow) => boolean;

export function toPredicate(expr: Expr): RowPredicate {
  switch (expr.kind) {
    case 'all':
      return () => true;
    case 'and': {
      const items = expr.items.map(toPredicate);
      return (row) => items.every((p) => p(row));
    }
    case 'or': {
      const items = expr.items.map(toPredicate);
      return (row) => items.some((p) => p(row));
    }
    case 'text':
      return freeText(expr);
    case 'compare':
      return comparison(expr);
    default:
      return assertNever(expr, 'search expression');
  }
}

const lower = (s: string) => s.toLowerCase();

function freeText(expr: TextExpr): RowPredicate {
  const alternatives = expr.alternatives.map(lower);
  const matches = (value: string): boolean => {
    const v = lower(value);
    return alternatives.some((a) =>
      expr.anchorStart && expr.anchorEnd ? v === a
      : expr.anchorStart ? v.startsWith(a)
      : expr.anchorEnd ? v.endsWith(a)
      : v.includes(a));
  };
  return (row) => FREE_TEXT_FIELDS.some((f) => {
    const value = f.get(row);
    return typeof value === 'string' && matches(value);
  });
}

const texts = (values: readonly Value[]) => values.map((v) => (v.type === 'text' ? v.value : String(v)));
const numbers = (values: readonly Value[]) => values.map((v) => (v.type === 'number' ? v.value : NaN));
const booleans = (values: readonly Value[]) => values.map((v) => v.type === 'boolean' && v.value);
const periods = (values: readonly Value[]) =>
  values.map((v) => (v.type === 'date' ? { from: Date.parse(v.from), to: Date.parse(v.to) } : { from: NaN, to: NaN }));

/** A test on one non-null string: equality (either case rule) or regex, any of the values. */
function stringTest(c: Comparison): (value: string) => boolean {
  const values = texts(c.values);
  switch (c.op) {
    case '=':
    case '!=': {
      const wanted = new Set(values.map(lower));
      return (v) => wanted.has(lower(v));
    }
    case '==':
    case '!==': {
      const wanted = new Set(values);
      return (v) => wanted.has(v);
    }
    case '~':
    case '~*': {
      const matchers = values.map((source) => {
        const check = checkRegex(source);
        if (!check.ok) throw new Error(`regex reached the compiler unchecked: ${source}`);
        return compileRegex(check.re2, c.op === '~*');
      });
      return (v) => matchers.some((m) => m(v));
    }
    default:
      throw new Error(`operator ${c.op} on text`);
  }
}

const negated = (op: Comparison['op']) => op === '!=' || op === '!==';

function comparison(c: Comparison): RowPredicate {
  const { type, get } = fieldDef(c.field);
  switch (type) {
    case 'text': {
      const test = stringTest(c);
      const not = negated(c.op);
      return (row) => {
        const v = get(row);
        return typeof v === 'string' && test(v) !== not;
      };
    }
    case 'text[]': {
      const test = stringTest(c);
      const not = negated(c.op);
      return (row) => {
        const v = get(row);
        return Array.isArray(v) && v.some((e) => typeof e === 'string' && test(e)) !== not;
      };
    }
    case 'number': {
      const test = numberTest(c);
      return (row) => {
        const v = get(row);
        return typeof v === 'number' && test(v);
      };
    }
    case 'date': {
      const test = dateTest(c);
      return (row) => {
        const v = get(row);
        const t = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN;
        return !Number.isNaN(t) && test(t);
      };
    }
    case 'boolean': {
      const bs = booleans(c.values);
      const not = negated(c.op);
      return (row) => {
        const v = get(row);
        return typeof v === 'boolean' && bs.includes(v) !== not;
      };
    }
    default:
      return assertNever(type, 'field type');
  }
}

function numberTest(c: Comparison): (v: number) => boolean {
  const xs = numbers(c.values);
  const x = xs[0];
  switch (c.op) {
    case '=': case '==': return (v) => xs.includes(v);
    case '!=': case '!==': return (v) => !xs.includes(v);
    case '>': return (v) => v > x;
    case '<': return (v) => v < x;
    case '>=': return (v) => v >= x;
    case '<=': return (v) => v <= x;
    default: throw new Error(`operator ${c.op} on a number`);
  }
}

/** A date compared with periods (a day, a month…): after a period is after its end, before it is before its start. */
function dateTest(c: Comparison): (t: number) => boolean {
  const ps = periods(c.values);
  const [p] = ps;
  switch (c.op) {
    case '=': case '==': return (t) => ps.some(({ from, to }) => t >= from && t < to);
    case '!=': case '!==': return (t) => ps.every(({ from, to }) => t < from || t >= to);
    case '>': return (t) => t >= p.to;
    case '>=': return (t) => t >= p.from;
    case '<': return (t) => t < p.from;
    case '<=': return (t) => t < p.to;
    default: throw new Error(`operator ${c.op} on a date`);
  }
}
