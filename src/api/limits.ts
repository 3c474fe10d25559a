import {
  getNamedType, getNullableType, GraphQLError, isInterfaceType, isListType, isObjectType, Kind, type ASTVisitor, type FragmentDefinitionNode,
  type GraphQLNamedType, type OperationDefinitionNode, type SelectionSetNode, type ValidationContext,
} from 'graphql';

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

/** What a single operation may ask for (README, "Running in production"). */
export interface QueryLimits {
  readonly maxDepth: number;
  /** Each field 1; a list field multiplies what is under it by its `first` (or `listSizes`, or 10). */
  readonly maxCost: number;
  /** Fields at the top of an operation (aliases of one field count each). */
  readonly maxRootFields: number;
  /** Aliased fields anywhere in an operation. */
  readonly maxAliases: number;
  /** The size a list field without `first` is taken to have, by `Type.field` (others: 10). */
  readonly listSizes?: Readonly<Record<string, number>>;
}

const DEFAULT_LIST_SIZE = 10;
/** A `first` given through a variable: validation cannot see its value, so it counts as this. */
const VARIABLE_FIRST = 50;

/**
 * Validation rule: refuses documents nested deeper than `maxDepth`, costing more than `maxCost` (what a query
 * returns grows with its lists, so each list multiplies the cost of what is under it), with more than `maxRootFields`
 * at the top or more than `maxAliases` aliases (300 aliases of one costly field were one request's worth of 111 MB).
 */
export function queryLimits(limits: QueryLimits) {
  const { maxDepth, maxCost, maxRootFields, maxAliases } = limits;
  const listSizes = limits.listSizes ?? {};
  return (context: ValidationContext): ASTVisitor => {
    const schema = context.getSchema();
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    let aliases = 0;
    const typeOf = (name: string | undefined, fallback: GraphQLNamedType | null): GraphQLNamedType | null => (name ? (schema.getType(name) ?? null) : fallback);
    const measure = (set: SelectionSetNode, parent: GraphQLNamedType | null, depth: number, seen: Set<string>): { depth: number; cost: number } => {
      let deepest = depth;
      let cost = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith('__')) continue;
          if (sel.alias) aliases += 1;
          const field = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[sel.name.value] : undefined;
          const isList = field ? isListType(getNullableType(field.type)) : false;
          let multiplier = 1;
          const first = sel.arguments?.find((a) => a.name.value === 'first');
          if (first?.value.kind === Kind.INT) multiplier = Math.max(1, Number(first.value.value));
          else if (first) multiplier = VARIABLE_FIRST;
          else if (isList) multiplier = listSizes[`${parent!.name}.${sel.name.value}`] ?? DEFAULT_LIST_SIZE;
          if (sel.selectionSet) {
            const inner = measure(sel.selectionSet, field ? getNamedType(field.type) : null, depth + 1, seen);
            deepest = Math.max(deepest, inner.depth);
            cost += 1 + multiplier * inner.cost;
          } else {
            cost += isList ? multiplier : 1;
            deepest = Math.max(deepest, depth);
          }
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          const inner = measure(sel.selectionSet, typeOf(sel.typeCondition?.name.value, parent), depth, seen);
          deepest = Math.max(deepest, inner.depth);
          cost += inner.cost;
        } else {
          const name = sel.name.value;
          const fragment = fragments.get(name);
          if (!fragment || seen.has(name)) continue; // unknown or cyclic fragments are graphql-js's own errors
          const inner = measure(fragment.selectionSet, typeOf(fragment.typeCondition.name.value, parent), depth, new Set([...seen, name]));
          deepest = Math.max(deepest, inner.depth);
          cost += inner.cost;
        }
      }
      return { depth: deepest, cost };
    };
    const rootFields = (set: SelectionSetNode, seen: Set<string>): number =>
      set.selections.reduce((n, sel) => {
        if (sel.kind === Kind.FIELD) return n + (sel.name.value.startsWith('__') ? 0 : 1);
        if (sel.kind === Kind.INLINE_FRAGMENT) return n + rootFields(sel.selectionSet, seen);
        const fragment = fragments.get(sel.name.value);
        return fragment && !seen.has(sel.name.value) ? n + rootFields(fragment.selectionSet, new Set([...seen, sel.name.value])) : n;
      }, 0);
    const report = (node: OperationDefinitionNode, message: string, code: string, extensions: Record<string, number>) =>
      context.reportError(new GraphQLError(message, { nodes: [node], extensions: { code, ...extensions } }));
    return {
      OperationDefinition(node) {
        aliases = 0;
        const root = node.operation === 'query' ? schema.getQueryType() : node.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
        const { depth, cost } = measure(node.selectionSet, root ?? null, 1, new Set());
        const roots = rootFields(node.selectionSet, new Set());
        if (depth > maxDepth) report(node, `the query is ${depth} levels deep; the limit is ${maxDepth}`, 'QUERY_TOO_DEEP', { depth, limit: maxDepth });
        else if (roots > maxRootFields) report(node, `the operation asks for ${roots} fields at its top; the limit is ${maxRootFields}`, 'QUERY_TOO_WIDE', { fields: roots, limit: maxRootFields });
        else if (aliases > maxAliases) report(node, `the operation has ${aliases} aliases; the limit is ${maxAliases}`, 'QUERY_TOO_WIDE', { aliases, limit: maxAliases });
        else if (cost > maxCost) report(node, `the query would cost ${cost}; the limit is ${maxCost}`, 'QUERY_TOO_COSTLY', { cost, limit: maxCost });
      },
    };
  };
}
