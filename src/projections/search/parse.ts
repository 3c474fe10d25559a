import type { IRecognitionException, IToken, TokenType } from 'chevrotain';
import { EOF } from './chevrotain.js';
import type { Query } from './ast.js';
import { searchParser } from './parser.js';
import { And, Comma, CompareOp, LParen, Or, RParen, searchLexer } from './tokens.js';
import { astBuilder, SearchProblem } from './visitor.js';

export const MAX_SEARCH_LENGTH = 2000;
export const MAX_NESTING = 32;

export interface SearchError {
  message: string;
  offset: number;
  length: number;
}

/** Text → AST, or the problems found. Never throws for any input. */
export function parse(text: string): { ast: Query | null; errors: SearchError[] } {
  try {
    return { ast: parseOrThrow(text), errors: [] };
  } catch (error) {
    if (error instanceof SearchProblem) {
      return { ast: null, errors: [{ message: oneLine(error.message), offset: error.offset, length: error.length }] };
    }
    // A bug of ours, not a mistake of the user's: still report it as an input problem rather than crash the caller.
    return { ast: null, errors: [{ message: 'This search could not be read', offset: 0, length: text.length }] };
  }
}

/** Messages quote what was typed, which may span lines; a message stays on one line. */
const oneLine = (message: string) => message.replace(/\s*[\r\n]+\s*/g, ' ');

function parseOrThrow(text: string): Query {
  if (text.length > MAX_SEARCH_LENGTH) {
    throw new SearchProblem(`The search is longer than ${MAX_SEARCH_LENGTH} characters`, MAX_SEARCH_LENGTH, text.length - MAX_SEARCH_LENGTH);
  }
  const lexed = searchLexer.tokenize(text);
  if (lexed.errors.length > 0) {
    const { offset, length } = lexed.errors[0];
    const c = text[offset];
    if (c === '"' || c === "'") throw new SearchProblem(`The quote ${c} at column ${columnOf(text, offset)} is never closed`, offset, text.length - offset);
    throw new SearchProblem(`Unexpected character '${c}'`, offset, length);
  }
  checkNesting(lexed.tokens);
  searchParser.input = lexed.tokens;
  const cst = searchParser.query();
  if (searchParser.errors.length > 0) throw explain(searchParser.errors[0], lexed.tokens, text);
  return astBuilder.visit(cst);
}

function checkNesting(tokens: IToken[]): void {
  let depth = 0;
  for (const t of tokens) {
    if (t.tokenType === LParen && ++depth > MAX_NESTING) {
      throw new SearchProblem(`More than ${MAX_NESTING} nested parentheses`, t.startOffset, 1);
    }
    if (t.tokenType === RParen) depth = Math.max(0, depth - 1);
  }
}

function columnOf(text: string, offset: number): number {
  return offset - text.lastIndexOf('\n', offset - 1);
}

const is = (token: IToken | undefined, type: TokenType) =>
  token !== undefined && (token.tokenType === type || (token.tokenType.CATEGORIES?.includes(type) ?? false));
const quote = (token: IToken) => `'${token.image.length > 30 ? token.image.slice(0, 30) + '…' : token.image}'`;

/** A one-line message a proctor understands, for the first syntax error. */
function explain(error: IRecognitionException, tokens: IToken[], text: string): SearchProblem {
  const token = error.token;
  const atEnd = token.tokenType === EOF;
  const index = atEnd ? tokens.length : tokens.findIndex((t) => t.startOffset === token.startOffset);
  const previous = index > 0 ? tokens[index - 1] : undefined;
  const after = (t: IToken, message: string) => new SearchProblem(message, t.startOffset, t.image.length);
  const here = (message: string) =>
    atEnd ? new SearchProblem(message, text.length, 0) : new SearchProblem(message, token.startOffset, token.image.length);

  if (is(previous, CompareOp) && is(token, LParen)) return here("A value cannot start with '(': put it in quotes");
  if (is(previous, CompareOp)) return after(previous!, `Missing a value after ${quote(previous!)}`);
  if (is(previous, Comma)) return after(previous!, "Missing a value after ','");
  if (is(previous, And) || is(previous, Or)) {
    if (atEnd || is(token, RParen) || is(token, And) || is(token, Or)) return after(previous!, `Missing a search term after ${quote(previous!)}`);
  }
  if (is(previous, LParen) && is(token, RParen)) return after(previous!, "Nothing between '(' and ')'");
  if (atEnd) {
    const open = unclosedParen(tokens);
    if (open) return after(open, `The '(' at column ${columnOf(text, open.startOffset)} is never closed`);
    return here('The search ends too early');
  }
  if (is(token, RParen)) return here("')' has no matching '('");
  if (is(token, CompareOp)) return here(`${quote(token)} needs a field name before it, as in student=student1`);
  if (is(token, Comma)) return here("',' separates values after a comparison, as in student=student1,student2");
  if (is(token, And) || is(token, Or)) return here(`Missing a search term before ${quote(token)}`);
  return here(`Unexpected ${quote(token)}`);
}

function unclosedParen(tokens: IToken[]): IToken | undefined {
  const open: IToken[] = [];
  for (const t of tokens) {
    if (t.tokenType === LParen) open.push(t);
    else if (t.tokenType === RParen) open.pop();
  }
  return open.at(-1);
}
