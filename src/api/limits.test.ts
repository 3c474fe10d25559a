import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { queryLimits, RateLimiter } from './limits.js';

const schema = buildSchema(`
  type Query { node(first: Int): Node }
  type Node { id: ID, child(first: Int): Node, children(first: Int): [Node], many: [Node], tags: [String] }
`);

function check(query: string, maxDepth = 4, maxCost = 100, wide: { maxRootFields?: number; maxAliases?: number } = {}) {
  const limits = queryLimits({ maxDepth, maxCost, maxRootFields: wide.maxRootFields ?? 10, maxAliases: wide.maxAliases ?? 10, listSizes: { 'Node.many': 40 } });
  return validate(schema, parse(query), [...specifiedRules, limits]).map((e) => e.extensions?.code);
}

describe('the depth and cost rule', () => {
  it('lets a query at the depth limit through and refuses one level more', () => {
    expect(check(`{ node { child { child { id } } } }`)).toEqual([]);
    expect(check(`{ node { child { child { child { id } } } } }`)).toEqual(['QUERY_TOO_DEEP']);
  });

  it('counts depth through fragments', () => {
    expect(check(`fragment F on Node { child { child { child { id } } } } { node { ...F } }`)).toEqual(['QUERY_TOO_DEEP']);
  });

  it('multiplies the cost of what is under a field by its `first`', () => {
    expect(check(`{ node { children(first: 30) { id child { id } } } }`, 10, 100)).toEqual([]); // 1 + 1 + 30 × 3 = 92
    expect(check(`{ node { children(first: 40) { id child { id } } } }`, 10, 100)).toEqual(['QUERY_TOO_COSTLY']); // 122
  });

  it('counts a list without `first` as ten items, or as the size it is known to have', () => {
    expect(check(`{ node { children { id child { id } } } }`, 10, 100)).toEqual([]); // 1 + 1 + 10 × 3 = 32
    expect(check(`{ node { many { id child { id } } } }`, 10, 100)).toEqual(['QUERY_TOO_COSTLY']); // 1 + 1 + 40 × 3 = 122
    expect(check(`{ node { tags } }`, 10, 11)).toEqual([]); // a list of scalars: 10
  });

  it('refuses too many fields at the top and too many aliases', () => {
    const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: node { id }`).join(' ')} }`;
    expect(check(aliased(5), 10, 10_000, { maxRootFields: 5 })).toEqual([]);
    expect(check(aliased(6), 10, 10_000, { maxRootFields: 5 })).toEqual(['QUERY_TOO_WIDE']);
    expect(check(`{ node { ${Array.from({ length: 8 }, (_, i) => `c${i}: child { id }`).join(' ')} } }`, 10, 10_000, { maxAliases: 7 })).toEqual(['QUERY_TOO_WIDE']);
  });

  it('leaves cyclic fragments to graphql-js own rule instead of looping', () => {
    const codes = check(`fragment A on Node { child { ...B } } fragment B on Node { child { ...A } } { node { ...A } }`);
    expect(codes.length).toBeGreaterThan(0);
  });
});

describe('the login rate limiter', () => {
  it('allows the limit in a window, refuses more, and forgets after the window', async () => {
    const limiter = new RateLimiter(3, 1000);
    const taken: boolean[] = [];
    for (let i = 0; i < 4; i++) taken.push(await limiter.take('k', 0));
    expect(taken).toEqual([true, true, true, false]);
    expect(await limiter.retryAfterSeconds('k', 500)).toBe(1);
    expect(await limiter.take('k', 1000)).toBe(true);
    expect(await limiter.take('other', 0)).toBe(true);
  });
});
