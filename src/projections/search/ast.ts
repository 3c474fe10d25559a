/**
 * The typed AST of a search. Plain data (no positions, no classes), so tests can deep-equal it and it can be logged
 * or cached as JSON. The visitor guarantees that every comparison's values fit its field's type and operator.
 */

/** A parsed search; `all` is the empty search. */
export type Query = Expr;

export type Expr = AllExpr | AndExpr | OrExpr | TextExpr | Comparison;

export interface AllExpr {
  readonly kind: 'all';
}

/** At least two items; nested `and`s are flattened. */
export interface AndExpr {
  readonly kind: 'and';
  readonly items: readonly Expr[];
}

/** At least two items; nested `or`s are flattened. */
export interface OrExpr {
  readonly kind: 'or';
  readonly items: readonly Expr[];
}

/**
 * Free text, matched case-insensitively and literally (no wildcards) against session id, name, student and proctor
 * logins. Any alternative may match; the anchors apply to each alternative: `^a|b$` means "exactly a or exactly b".
 */
export interface TextExpr {
  readonly kind: 'text';
  readonly alternatives: readonly string[];
  readonly anchorStart: boolean;
  readonly anchorEnd: boolean;
}

export type ComparisonOp = '>' | '<' | '>=' | '<=' | '=' | '!=' | '==' | '!==' | '~' | '~*';

export type Value =
  | { readonly type: 'text'; readonly value: string }
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  /** The period the value denotes, at the precision it was written: [from, to), ISO-8601 UTC instants. */
  | { readonly type: 'date'; readonly from: string; readonly to: string };

/**
 * `field op value[,value…]`. `field` is the canonical name from `fields.ts`. For `~`/`~*` the values are regular
 * expressions (type `text`). Several values: any of them (`=`, `==`, `~`, `~*`), none of them (`!=`, `!==`).
 */
export interface Comparison {
  readonly kind: 'compare';
  readonly field: string;
  readonly op: ComparisonOp;
  readonly values: readonly Value[];
}
