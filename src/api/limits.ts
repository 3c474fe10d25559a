import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from 'graphql';

/** A fixed-window counter per key (login: per address and username), in memory: one node's view is enough to slow guessing. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one attempt; false when the key is over its limit for the current window. */
  take(key: string, now = Date.now()): boolean {
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      this.windows.set(key, { start: now, count: 1 });
      if (this.windows.size > 10_000) this.sweep(now);
      return true;
    }
    w.count += 1;
    return w.count <= this.limit;
  }

  /** True while `key` is over its limit in the current window (counts nothing). */
  isOver(key: string, now = Date.now()): boolean {
    const w = this.windows.get(key);
    return !!w && now - w.start < this.windowMs && w.count >= this.limit;
  }

  retryAfterSeconds(key: string, now = Date.now()): number {
    const w = this.windows.get(key);
    return w ? Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000)) : 0;
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(key);
  }
}

/**
 * Validation rule: refuses documents nested deeper than `maxDepth` or costing more than `maxCost`, where each field
 * costs 1 and a field with a `first` argument multiplies what is under it by that number (lists default to 10).
 */
export function queryLimits(maxDepth: number, maxCost: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    const measure = (set: SelectionSetNode, depth: number, seen: Set<string>): { depth: number; cost: number } => {
      let deepest = depth;
      let cost = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith('__')) continue;
          let multiplier = 1;
          const first = sel.arguments?.find((a) => a.name.value === 'first');
          if (first?.value.kind === Kind.INT) multiplier = Math.max(1, Number(first.value.value));
          else if (first) multiplier = 50;
          if (sel.selectionSet) {
            const inner = measure(sel.selectionSet, depth + 1, seen);
            deepest = Math.max(deepest, inner.depth);
            cost += 1 + multiplier * inner.cost;
          } else {
            cost += 1;
            deepest = Math.max(deepest, depth);
          }
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          const inner = measure(sel.selectionSet, depth, seen);
          deepest = Math.max(deepest, inner.depth);
          cost += inner.cost;
        } else {
          const name = sel.name.value;
          const fragment = fragments.get(name);
          if (!fragment || seen.has(name)) continue; // unknown or cyclic fragments are graphql-js's own errors
          const inner = measure(fragment.selectionSet, depth, new Set([...seen, name]));
          deepest = Math.max(deepest, inner.depth);
          cost += inner.cost;
        }
      }
      return { depth: deepest, cost };
    };
    return {
      OperationDefinition(node) {
        const { depth, cost } = measure(node.selectionSet, 1, new Set());
        if (depth > maxDepth) {
          context.reportError(new GraphQLError(`the query is ${depth} levels deep; the limit is ${maxDepth}`, { nodes: [node], extensions: { code: 'QUERY_TOO_DEEP', depth, limit: maxDepth } }));
        } else if (cost > maxCost) {
          context.reportError(new GraphQLError(`the query would cost ${cost}; the limit is ${maxCost}`, { nodes: [node], extensions: { code: 'QUERY_TOO_COSTLY', cost, limit: maxCost } }));
        }
      },
    };
  };
}
