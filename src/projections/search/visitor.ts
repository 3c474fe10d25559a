import type { CstNode, IToken } from 'chevrotain';
import type { Comparison, ComparisonOp, Expr, Query, TextExpr, Value } from './ast.js';
import { findField, nearestField, type FieldDef, type FieldType } from './fields.js';
import { searchParser } from './parser.js';
import { checkRegex } from './regex.js';
import { DoubleQuoted, Pattern, SingleQuoted, Word } from './tokens.js';

/** A problem at a place in the search text; the public API turns it into a `ValidationError`. */
export class SearchProblem extends Error {
  constructor(message: string, readonly offset: number, readonly length: number) {
    super(message);
  }
}

const problem = (message: string, token: IToken) => new SearchProblem(message, token.startOffset, token.image.length);

const OPERATORS_BY_TYPE: Record<FieldType, readonly ComparisonOp[]> = {
  text: ['=', '!=', '==', '!==', '~', '~*'],
  'text[]': ['=', '!=', '==', '!==', '~', '~*'],
  number: ['=', '!=', '==', '!==', '>', '<', '>=', '<='],
  date: ['=', '!=', '==', '!==', '>', '<', '>=', '<='],
  boolean: ['=', '!=', '==', '!=='],
};
const TYPE_NAMES: Record<FieldType, string> = {
  text: 'text', 'text[]': 'a list of tags', number: 'a number', date: 'a date', boolean: 'true or false',
};
const RANGE_OPS: readonly ComparisonOp[] = ['>', '<', '>=', '<='];

/** `"…"` / `'…'`: `\"`, `\'` and `\\` stand for the character; any other backslash is kept as typed. */
export function unquote(image: string): string {
  return image.slice(1, -1).replace(/\\(["'\\])/g, '$1');
}

/** The text a value or free-text token stands for. */
function tokenText(token: IToken): string {
  return token.tokenType === DoubleQuoted || token.tokenType === SingleQuoted ? unquote(token.image) : token.image;
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)$/;

function parseNumber(token: IToken, field: FieldDef): Value {
  const text = tokenText(token).trim();
  const value = Number(text);
  if (!NUMBER.test(text) || !Number.isFinite(value)) {
    throw problem(`${field.name} is a number: '${tokenText(token)}' is not one`, token);
  }
  return { type: 'number', value };
}

function parseBoolean(token: IToken, field: FieldDef): Value {
  const text = tokenText(token).trim().toLowerCase();
  if (text === 'true' || text === 'yes') return { type: 'boolean', value: true };
  if (text === 'false' || text === 'no') return { type: 'boolean', value: false };
  throw problem(`${field.name} is true or false, not '${tokenText(token)}'`, token);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * A date or date-time as the period it names, at the precision it was written: a day, a minute, a second or a
 * fraction of a second. Without a zone it is UTC.
 */
export function parseDatePeriod(text: string): { from: string; to: string } | string {
  const m = DATE.exec(text.trim());
  if (!m) return 'expected YYYY-MM-DD or YYYY-MM-DD hh:mm:ss';
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 1900 || year > 2999) return 'the year must be between 1900 and 2999';
  if (month < 1 || month > 12) return 'the month must be 01 to 12';
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return `the day must be 01 to ${daysInMonth}`;
  if (h === undefined) {
    const from = Date.UTC(year, month - 1, day);
    return { from: new Date(from).toISOString(), to: new Date(from + DAY).toISOString() };
  }
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (hour > 23) return 'the hour must be 00 to 23';
  if (minute > 59) return 'the minutes must be 00 to 59';
  if (second > 59) return 'the seconds must be 00 to 59';
  let offset = 0;
  if (zone !== undefined && zone !== 'Z') {
    const zh = Number(zone.slice(1, 3));
    const zm = zone.length > 3 ? Number(zone.slice(-2)) : 0;
    if (zh > 14 || zm > 59) return `'${zone}' is not a time zone offset`;
    offset = (zone[0] === '-' ? -1 : 1) * (zh * 60 + zm) * MINUTE;
  }
  const ms = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0'));
  const from = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset;
  const unit = s === undefined ? MINUTE : fraction === undefined ? 1000 : 10 ** (3 - fraction.length);
  return { from: new Date(from).toISOString(), to: new Date(from + unit).toISOString() };
}

function parseDate(token: IToken, field: FieldDef): Value {
  const period = parseDatePeriod(tokenText(token));
  if (typeof period === 'string') throw problem(`Bad date '${tokenText(token)}' for ${field.name}: ${period}`, token);
  return { type: 'date', ...period };
}

function parseValue(token: IToken, field: FieldDef, op: ComparisonOp): Value {
  if (op === '~' || op === '~*') {
    const source = tokenText(token);
    const check = checkRegex(source);
    if (!check.ok) throw problem(`Bad pattern '${source.length > 40 ? source.slice(0, 40) + '…' : source}' for ${field.name}: ${check.message}`, token);
    return { type: 'text', value: source };
  }
  switch (field.type) {
    case 'text':
    case 'text[]':
      return { type: 'text', value: tokenText(token) };
    case 'number':
      return parseNumber(token, field);
    case 'date':
      return parseDate(token, field);
    case 'boolean':
      return parseBoolean(token, field);
  }
}

/** Free text: a Pattern (`^a|b$`) or a Word (`^exam`) may carry anchors; quoted text and dates are literal. */
export function freeText(token: IToken): TextExpr {
  if (token.tokenType === Pattern || token.tokenType === Word) {
    const anchorStart = token.image.startsWith('^');
    const rest = anchorStart ? token.image.slice(1) : token.image;
    const anchorEnd = rest.endsWith('$');
    const body = anchorEnd ? rest.slice(0, -1) : rest;
    return { kind: 'text', alternatives: token.tokenType === Pattern ? body.split('|') : [body], anchorStart, anchorEnd };
  }
  return { kind: 'text', alternatives: [tokenText(token)], anchorStart: false, anchorEnd: false };
}

function flatten(kind: 'and' | 'or', items: Expr[]): Expr {
  if (items.length === 1) return items[0];
  const flat: Expr[] = [];
  for (const e of items) {
    if (e.kind === kind) flat.push(...e.items);
    else flat.push(e);
  }
  return { kind, items: flat };
}

type Children = Record<string, (CstNode | IToken)[] | undefined>;
const nodes = (ctx: Children, name: string) => (ctx[name] ?? []) as CstNode[];
const tokens = (ctx: Children, name: string) => (ctx[name] ?? []) as IToken[];
function firstToken(ctx: Children): IToken {
  for (const key in ctx) {
    const first = ctx[key]?.[0];
    if (first) return first as IToken;
  }
  throw new Error('empty CST node');
}

const BaseVisitor = searchParser.getBaseCstVisitorConstructor();

/** CST → AST. Checks what the grammar cannot: field names, operators per type, values (numbers, dates, regexes). */
class AstBuilder extends BaseVisitor {
  constructor() {
    super();
    this.validateVisitor();
  }

  query(ctx: Children): Query {
    const or = nodes(ctx, 'orExpr');
    return or.length > 0 ? this.visit(or[0]) : { kind: 'all' };
  }

  orExpr(ctx: Children): Expr {
    return flatten('or', nodes(ctx, 'andExpr').map((n) => this.visit(n)));
  }

  andExpr(ctx: Children): Expr {
    return flatten('and', nodes(ctx, 'unary').map((n) => this.visit(n)));
  }

  unary(ctx: Children): Expr {
    return this.visit(nodes(ctx, 'group')[0] ?? nodes(ctx, 'comparison')[0] ?? nodes(ctx, 'freeText')[0]);
  }

  group(ctx: Children): Expr {
    return this.visit(nodes(ctx, 'orExpr')[0]);
  }

  comparison(ctx: Children): Comparison {
    const fieldToken = tokens(ctx, 'Word')[0];
    const opToken = tokens(ctx, 'CompareOp')[0];
    const valueTokens = nodes(ctx, 'value').map((n) => firstToken(n.children as Children));
    const field = findField(fieldToken.image);
    if (!field) {
      const suggestion = nearestField(fieldToken.image);
      throw problem(`Unknown field '${fieldToken.image}'${suggestion ? `: did you mean '${suggestion}'?` : ''}`, fieldToken);
    }
    const op = opToken.image as ComparisonOp;
    const allowed = OPERATORS_BY_TYPE[field.type];
    if (!allowed.includes(op)) {
      throw problem(`'${op}' does not apply to ${field.name} (${TYPE_NAMES[field.type]}): use ${allowed.join(' ')}`, opToken);
    }
    if (valueTokens.length > 1 && RANGE_OPS.includes(op)) {
      throw problem(`A list of values does not work with '${op}'; use '|' between comparisons`, tokens(ctx, 'Comma')[0]);
    }
    return { kind: 'compare', field: field.name, op, values: valueTokens.map((t) => parseValue(t, field, op)) };
  }

  value(): never {
    throw new Error('values are read by comparison');
  }

  freeText(ctx: Children): TextExpr {
    return freeText(firstToken(ctx));
  }
}

export const astBuilder = new AstBuilder();
