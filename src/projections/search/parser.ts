import { CstParser } from 'chevrotain';
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
    this.OR([
      { ALT: () => this.SUBRULE(this.group) },
      { ALT: () => this.SUBRULE(this.comparison) },
      { ALT: () => this.SUBRULE(this.freeText) },
    ]);
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
    this.OR([
      { ALT: () => this.CONSUME(Word) },
      { ALT: () => this.CONSUME(DoubleQuoted) },
      { ALT: () => this.CONSUME(SingleQuoted) },
      { ALT: () => this.CONSUME(DateTime) },
    ]);
  });

  readonly freeText = this.RULE('freeText', () => {
    this.OR([
      { ALT: () => this.CONSUME(Pattern) },
      { ALT: () => this.CONSUME(Word) },
      { ALT: () => this.CONSUME(DoubleQuoted) },
      { ALT: () => this.CONSUME(SingleQuoted) },
      { ALT: () => this.CONSUME(DateTime) },
    ]);
  });
}

/** The one parser instance: Chevrotain parsers are stateful but reusable (set `input`, call a rule). */
export const searchParser = new SearchParser();
