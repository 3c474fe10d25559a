import { CstParser } from './chevrotain.js';
import {
  ALL_TOKENS, And, Comma, CompareOp, DateTime, DoubleQuoted, LParen, Or, Pattern, RParen, SingleQuoted, Word,
} from './tokens.js';

/**
 * The grammar, and nothing else (no actions: the CST goes to the visitor).
 *
 *   query      := orExpr?                              empty search: every session
 *   orExpr     := andExpr ('|' andExpr)*
 *   andExpr    := unary ('&'? unary)*                   '&' binds tighter than '|'; juxtaposition means '&'
 *   unary      := group | comparison | freeText
 *   group      := '(' orExpr ')'
 *   comparison := Word CompareOp value (',' value)*    field op value[,value…]
 *   value      := Word | quoted | DateTime
 *   freeText   := Pattern | Word | quoted | DateTime
 */
class SearchParser extends CstParser {
  // Alternatives are built once, not per call: cheaper, and tsx/esbuild's keepNames would otherwise rename every
  // `{ ALT: () => … }` closure on each call (a measurable cost on a 200-character search).
  private readonly unaryAlternatives = [
    { ALT: () => this.SUBRULE(this.group) },
    { ALT: () => this.SUBRULE(this.comparison) },
    { ALT: () => this.SUBRULE(this.freeText) },
  ];
  private readonly valueAlternatives = [Word, DoubleQuoted, SingleQuoted, DateTime].map((t) => ({ ALT: () => this.CONSUME(t) }));
  private readonly freeTextAlternatives = [Pattern, Word, DoubleQuoted, SingleQuoted, DateTime].map((t) => ({ ALT: () => this.CONSUME(t) }));

  constructor() {
    super(ALL_TOKENS, { maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  readonly query = this.RULE('query', () => {
    this.OPTION(() => this.SUBRULE(this.orExpr));
  });

  readonly orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(Or);
      this.SUBRULE2(this.andExpr);
    });
  });

  readonly andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.OPTION(() => this.CONSUME(And));
      this.SUBRULE2(this.unary);
    });
  });

  readonly unary = this.RULE('unary', () => {
    this.OR(this.unaryAlternatives);
  });

  readonly group = this.RULE('group', () => {
    this.CONSUME(LParen);
    this.SUBRULE(this.orExpr);
    this.CONSUME(RParen);
  });

  readonly comparison = this.RULE('comparison', () => {
    this.CONSUME(Word);
    this.CONSUME(CompareOp);
    this.SUBRULE(this.value);
    this.MANY(() => {
      this.CONSUME(Comma);
      this.SUBRULE2(this.value);
    });
  });

  readonly value = this.RULE('value', () => {
    this.OR(this.valueAlternatives);
  });

  readonly freeText = this.RULE('freeText', () => {
    this.OR(this.freeTextAlternatives);
  });
}

/** The one parser instance: Chevrotain parsers are stateful but reusable (set `input`, call a rule). */
export const searchParser = new SearchParser();
