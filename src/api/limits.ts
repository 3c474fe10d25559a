import {
  getNamedType, getNullableType, GraphQLError, isInterfaceType, isListType, isObjectType, Kind, type ASTVisitor, type FieldNode, type FragmentDefinitionNode,
  type GraphQLNamedType, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode, type ValidationContext,
} from 'graphql';

/** The largest GraphQL request body over HTTP, and the largest graphql-ws message. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Where a `RateLimiter` keeps its windows: this process's memory, or a table every node shares (`SqlRateWindows`). */
export interface RateWindows {
  /** Counts one attempt on `key` at `now` (ms): a window older than `windowMs` starts again at 1. */
  hit(key: string, windowMs: number, now: number): Promise<{ start: number; count: number }>;
  /** The current window of `key`, counting nothing. */
  peek(key: string): Promise<{ start: number; count: number } | null>;
}

/** Windows in this process's memory (one node alone, or a unit test). */
export class MemoryRateWindows implements RateWindows {
  private readonly windows = new Map<string, { start: number; count: number }>();

  async hit(key: string, windowMs: number, now: number): Promise<{ start: number; count: number }> {
    const w = this.windows.get(key);
    if (!w || now - w.start >= windowMs) {
      const fresh = { start: now, count: 1 };
      this.windows.set(key, fresh);
      if (this.windows.size > 10_000) this.sweep(now - windowMs);
      return { ...fresh };
    }
    w.count += 1;
    return { ...w };
  }

  async peek(key: string): Promise<{ start: number; count: number } | null> {
    const w = this.windows.get(key);
    return w ? { ...w } : null;
  }

  private sweep(before: number): void {
    for (const [key, w] of this.windows) if (w.start <= before) this.windows.delete(key);
  }
}

/** A fixed-window counter per key (login: per address and username), in `windows` (shared by the nodes in the server). */
export class RateLimiter {
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly windows: RateWindows = new MemoryRateWindows(),
    /** Tells this limiter's keys from another's in shared windows. */
    private readonly name = 'limit',
  ) {}

  /** Counts one attempt; false when the key is over its limit for the current window. */
  async take(key: string, now = Date.now()): Promise<boolean> {
    return (await this.windows.hit(`${this.name}:${key}`, this.windowMs, now)).count <= this.limit;
  }

  /** True while `key` is over its limit in the current window (counts nothing). */
  async isOver(key: string, now = Date.now()): Promise<boolean> {
    const w = await this.windows.peek(`${this.name}:${key}`);
    return !!w && now - w.start < this.windowMs && w.count >= this.limit;
  }

  async retryAfterSeconds(key: string, now = Date.now()): Promise<number> {
    const w = await this.windows.peek(`${this.name}:${key}`);
    return w ? Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000)) : 0;
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

/** What measuring one operation needs to know, and the aliases it has counted so far. */
interface Walk {
  readonly schema: GraphQLSchema;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly listSizes: Readonly<Record<string, number>>;
  aliases: number;
}

type Measure = { depth: number; cost: number };

function typeOf(walk: Walk, name: string | undefined, fallback: GraphQLNamedType | null): GraphQLNamedType | null {
  return name ? (walk.schema.getType(name) ?? null) : fallback;
}

/** How deep a selection set goes and what it costs, fragments followed (each once on a path). */
function measure(walk: Walk, set: SelectionSetNode, parent: GraphQLNamedType | null, depth: number, seen: Set<string>): Measure {
  let deepest = depth;
  let cost = 0;
  for (const sel of set.selections) {
    let inner: Measure;
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value.startsWith('__')) continue;
      inner = measureField(walk, sel, parent, depth, seen);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      inner = measure(walk, sel.selectionSet, typeOf(walk, sel.typeCondition?.name.value, parent), depth, seen);
    } else {
      const name = sel.name.value;
      const fragment = walk.fragments.get(name);
      if (!fragment || seen.has(name)) continue; // unknown or cyclic fragments are graphql-js's own errors
      inner = measure(walk, fragment.selectionSet, typeOf(walk, fragment.typeCondition.name.value, parent), depth, new Set([...seen, name]));
    }
    deepest = Math.max(deepest, inner.depth);
    cost += inner.cost;
  }
  return { depth: deepest, cost };
}

/** One field: 1, plus what is under it times the list's size (its `first`, `listSizes`, or 10). */
function measureField(walk: Walk, sel: FieldNode, parent: GraphQLNamedType | null, depth: number, seen: Set<string>): Measure {
  if (sel.alias) walk.aliases += 1;
  const field = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[sel.name.value] : undefined;
  const isList = field ? isListType(getNullableType(field.type)) : false;
  let multiplier = 1;
  const first = sel.arguments?.find((a) => a.name.value === 'first');
  if (first?.value.kind === Kind.INT) multiplier = Math.max(1, Number(first.value.value));
  else if (first) multiplier = VARIABLE_FIRST;
  else if (isList) multiplier = walk.listSizes[`${parent!.name}.${sel.name.value}`] ?? DEFAULT_LIST_SIZE;
  if (!sel.selectionSet) return { depth, cost: isList ? multiplier : 1 };
  const inner = measure(walk, sel.selectionSet, field ? getNamedType(field.type) : null, depth + 1, seen);
  return { depth: inner.depth, cost: 1 + multiplier * inner.cost };
}

function rootFields(walk: Walk, set: SelectionSetNode, seen: Set<string>): number {
  return set.selections.reduce((n, sel) => {
    if (sel.kind === Kind.FIELD) return n + (sel.name.value.startsWith('__') ? 0 : 1);
    if (sel.kind === Kind.INLINE_FRAGMENT) return n + rootFields(walk, sel.selectionSet, seen);
    const fragment = walk.fragments.get(sel.name.value);
    return fragment && !seen.has(sel.name.value) ? n + rootFields(walk, fragment.selectionSet, new Set([...seen, sel.name.value])) : n;
  }, 0);
}

/**
 * Validation rule: refuses documents nested deeper than `maxDepth`, costing more than `maxCost` (what a query
 * returns grows with its lists, so each list multiplies the cost of what is under it), with more than `maxRootFields`
 * at the top or more than `maxAliases` aliases (300 aliases of one costly field were one request's worth of 111 MB).
 */
export function queryLimits(limits: QueryLimits) {
  const { maxDepth, maxCost, maxRootFields, maxAliases } = limits;
  return (context: ValidationContext): ASTVisitor => {
    const schema = context.getSchema();
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    const walk: Walk = { schema, fragments, listSizes: limits.listSizes ?? {}, aliases: 0 };
    const report = (node: OperationDefinitionNode, message: string, code: string, extensions: Record<string, number>) =>
      context.reportError(new GraphQLError(message, { nodes: [node], extensions: { code, ...extensions } }));
    return {
      OperationDefinition(node) {
        walk.aliases = 0;
        const root = node.operation === 'query' ? schema.getQueryType() : node.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
        const { depth, cost } = measure(walk, node.selectionSet, root ?? null, 1, new Set());
        const roots = rootFields(walk, node.selectionSet, new Set());
        const aliases = walk.aliases;
        if (depth > maxDepth) report(node, `the query is ${depth} levels deep; the limit is ${maxDepth}`, 'QUERY_TOO_DEEP', { depth, limit: maxDepth });
        else if (roots > maxRootFields) report(node, `the operation asks for ${roots} fields at its top; the limit is ${maxRootFields}`, 'QUERY_TOO_WIDE', { fields: roots, limit: maxRootFields });
        else if (aliases > maxAliases) report(node, `the operation has ${aliases} aliases; the limit is ${maxAliases}`, 'QUERY_TOO_WIDE', { aliases, limit: maxAliases });
        else if (cost > maxCost) report(node, `the query would cost ${cost}; the limit is ${maxCost}`, 'QUERY_TOO_COSTLY', { cost, limit: maxCost });
      },
    };
  };
}
