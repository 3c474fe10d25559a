import { readFileSync } from 'node:fs';
import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { generate } from '../scripts/web-types.js';
import { named, operationTypes } from '../scripts/web-types/operation.js';

describe('the web client\'s GraphQL documents', () => {
  it('are valid against schema.graphql, and graphql.generated.ts is up to date (else: npm run web:types)', async () => {
    const schema = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));
    const committed = readFileSync(new URL('../web/src/lib/graphql.generated.ts', import.meta.url), 'utf8');
    expect(await generate(schema)).toBe(committed);
  });
});

describe('typing one operation', () => {
  const schema = buildSchema(`
    enum Status { open closed }
    input Range { from: Int! to: Int }
    type Item { id: ID! name: String status: Status! tags: [String!]! parts: [Item] }
    type Query { items(range: Range, first: Int = 10, q: String!): [Item!]! }
  `);

  it('types the result field by field (aliases, nullability, lists, enums) and the variables (optional when nullable or defaulted)', () => {
    const met = named();
    const types = operationTypes(schema, parse('query Items($r: Range, $n: Int = 5, $q: String!) { all: items(range: $r, first: $n, q: $q) { id label: name status tags parts { id } } }'), met);
    expect(types.name).toBe('Items');
    expect(types.data).toBe([
      '{',
      '  all: Array<{',
      '    id: string;',
      '    label: string | null;',
      '    status: Status;',
      '    tags: Array<string>;',
      '    parts: Array<{',
      '      id: string;',
      '    } | null> | null;',
      '  }>;',
      '}',
    ].join('\n'));
    expect(types.variables).toBe('{\n  r?: Range | null;\n  n?: number | null;\n  q: string;\n}');
    expect([...met.declarations.keys()]).toEqual(['Range', 'Status']);
    expect(met.declarations.get('Range')).toBe('export interface Range {\n  from: number;\n  to?: number | null;\n}\n');
    expect(met.declarations.get('Status')).toBe("export type Status = 'open' | 'closed';\n");
  });

  it('refers to the first place a selection was typed when another document makes it again', () => {
    const met = named();
    operationTypes(schema, parse('query First { items(q: "a") { id name } }'), met);
    const again = operationTypes(schema, parse('query Again { items(q: "b") { parts { id name } } }'), met);
    expect(again.data).toBe("{\n  items: Array<{\n    parts: Array<FirstData['items'][number] | null> | null;\n  }>;\n}");
  });

  it('refuses what the client does not use yet: fragments', () => {
    expect(() => operationTypes(schema, parse('query Q { items(q: "x") { ... on Item { id } } }'), named())).toThrow(/only plain fields/);
  });
});
