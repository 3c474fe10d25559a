import type { IToken, TokenType } from 'chevrotain';
import { FIELDS, findField, type FieldDef, type FieldType } from './fields.js';
import { searchParser } from './parser.js';
import {
  And, Comma, CompareOp, DateTime, DoubleQuoted, LParen, Or, Pattern, RParen, searchLexer, SingleQuoted, Word,
} from './tokens.js';

export interface Completion {
  /** Field names that complete the word at the cursor (all fields when the word is empty), if a field may stand there. */
  fields: string[];
  /** What may be typed after the text before the cursor: operators (`=`, `~*`, …), `&`, `|`, `(`, `)`, `,`, `text`, `quoted text`, `date`. */
  tokens: string[];
  /** Known values of the field being compared (status, conclusion, …) that complete the word at the cursor. */
  values: string[];
  /** Offset where the word at the cursor starts: a chosen completion replaces text from here to the cursor. */
  start: number;
}

const OPERATORS: Record<FieldType, string[]> = {
  text: ['=', '!=', '==', '!==', '~', '~*'],
  'text[]': ['=', '!=', '==', '!==', '~', '~*'],
  number: ['=', '!=', '>', '<', '>=', '<='],
  date: ['=', '!=', '>', '<', '>=', '<='],
  boolean: ['=', '!='],
};
const ALL_OPERATORS = ['=', '!=', '==', '!==', '>', '<', '>=', '<=', '~', '~*'];

const KNOWN_VALUES: Record<string, string[]> = {
  status: ['scheduled', 'waiting', 'in_progress', 'paused', 'finished', 'concluded', 'cancelled'],
  conclusion: ['positive', 'negative'],
  finishedBy: ['student', 'proctor', 'timeout', 'admin'],
  blocked: ['true', 'false'],
};

const LABELS = new Map<TokenType, string>([
  [And, '&'], [Or, '|'], [LParen, '('], [RParen, ')'], [Comma, ','],
  [Word, 'text'], [Pattern, 'text'], [DoubleQuoted, 'quoted text'], [SingleQuoted, 'quoted text'], [DateTime, 'date'],
]);

function nextTokens(preceding: IToken[]): { types: Set<TokenType>; fieldMayStart: boolean } {
  const paths = searchParser.computeContentAssist('query', preceding);
  return {
    types: new Set(paths.map((p) => p.nextTokenType)),
    fieldMayStart: paths.some((p) => p.nextTokenType === Word && p.ruleStack.at(-1) === 'comparison'),
  };
}

const startsWith = (candidate: string, prefix: string) => candidate.toLowerCase().startsWith(prefix.toLowerCase());

/** Completion at `offset` in `text`, from the tokens before the cursor (Chevrotain's content assist). */
export function complete(text: string, offset: number): Completion {
  const cursor = Math.max(0, Math.min(Number.isFinite(offset) ? Math.trunc(offset) : text.length, text.length));
  const before = text.slice(0, cursor);
  const tokens = searchLexer.tokenize(before).tokens;
  const last = tokens.at(-1);
  const partial = last && last.tokenType === Word && last.endOffset === cursor - 1 ? last : undefined;
  const preceding = partial ? tokens.slice(0, -1) : tokens;
  const word = partial?.image ?? '';

  const atCursor = nextTokens(preceding);
  const fields = atCursor.fieldMayStart ? FIELDS.map((f) => f.name).filter((n) => startsWith(n, word)) : [];

  const compared = comparedField(preceding);
  const values = compared ? (KNOWN_VALUES[compared.name] ?? []).filter((v) => startsWith(v, word)) : [];

  const after = nextTokens(tokens);
  const labels: string[] = [];
  if (after.types.has(CompareOp)) labels.push(...(partial && findField(word) ? OPERATORS[findField(word)!.type] : ALL_OPERATORS));
  for (const type of after.types) {
    const label = LABELS.get(type);
    if (label && !labels.includes(label)) labels.push(label);
  }
  return { fields, tokens: labels, values, start: partial ? partial.startOffset : cursor };
}

/** The field of a comparison whose value is being typed (`status=`, `status=finished,`). */
function comparedField(preceding: IToken[]): FieldDef | undefined {
  let i = preceding.length - 1;
  if (i < 0) return undefined;
  while (i >= 2 && preceding[i].tokenType === Comma) i -= 2;
  const op = preceding[i];
  const field = preceding[i - 1];
  if (!op?.tokenType.CATEGORIES?.includes(CompareOp) || field?.tokenType !== Word) return undefined;
  return findField(field.image);
}
