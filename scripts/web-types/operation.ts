// The TypeScript types of one GraphQL operation: its result (from the selections, field by field against the schema)
// and its variables. Named schema types it meets (enums, input objects) are added to `named` once.
import {
  isEnumType, isInputObjectType, isListType, isNonNullType, isObjectType, isScalarType, Kind, typeFromAST,
  type DocumentNode, type GraphQLInputType, type GraphQLOutputType, type GraphQLSchema, type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * What typing the documents has met so far: the named schema types it declared (enums, input objects), and each
 * object selection by where it was first typed, so that a selection made again (the session's fields in every
 * document that answers a session) refers to that place instead of being written out again.
 */
export interface Named {
  readonly declarations: Map<string, string>;
  readonly selections: Map<string, string>;
}

export const named = (): Named => ({ declarations: new Map(), selections: new Map() });

/** JSON results are the objects an event or a signal carries; a JSON argument may be anything the caller sends. */
const OUTPUT_SCALARS: Record<string, string> = { ID: 'string', String: 'string', Int: 'number', Float: 'number', Boolean: 'boolean', DateTimeISO: 'string', JSON: 'Record<string, unknown>' };
const INPUT_SCALARS: Record<string, string> = { ...OUTPUT_SCALARS, JSON: 'unknown' };

const indented = (text: string) => text.replaceAll('\n', '\n  ');

function scalar(name: string, table: Record<string, string>): string {
  const ts = table[name];
  if (!ts) throw new Error(`scalar ${name} has no TypeScript type: add it to scripts/web-types/operation.ts`);
  return ts;
}

function enumType(type: { name: string; getValues(): ReadonlyArray<{ name: string }> }, named: Named): string {
  if (!named.declarations.has(type.name)) {
    named.declarations.set(type.name, `export type ${type.name} = ${type.getValues().map((v) => `'${v.name}'`).join(' | ')};\n`);
  }
  return type.name;
}

/** A type as written here (`text`, referring to earlier places) and written out in full (`full`, to compare selections). */
interface Typed {
  readonly text: string;
  readonly full: string;
}

const both = (f: (t: string) => string, t: Typed): Typed => ({ text: f(t.text), full: f(t.full) });
const plain = (text: string): Typed => ({ text, full: text });

/** The type at `path` (a TypeScript expression naming this place, for later selections that repeat it). */
function outputType(type: GraphQLOutputType, selections: SelectionSetNode | undefined, named: Named, path: string): Typed {
  if (isNonNullType(type)) return nonNull(type.ofType, selections, named, path);
  return both((t) => `${t} | null`, nonNull(type, selections, named, `NonNullable<${path}>`));
}

function nonNull(type: GraphQLOutputType, selections: SelectionSetNode | undefined, named: Named, path: string): Typed {
  if (isNonNullType(type)) return nonNull(type.ofType, selections, named, path);
  if (isListType(type)) return both((t) => `Array<${t}>`, outputType(type.ofType, selections, named, `${path}[number]`));
  if (isScalarType(type)) return plain(scalar(type.name, OUTPUT_SCALARS));
  if (isEnumType(type)) return plain(enumType(type, named));
  if (isObjectType(type) && selections) return objectType(type, selections, named, path);
  throw new Error(`${String(type)}: interfaces and unions are not used by the client; add them here when one is`);
}

function objectType(type: { name: string; getFields(): Record<string, { type: GraphQLOutputType }> }, set: SelectionSetNode, named: Named, path: string): Typed {
  const fields = set.selections.map((selection): Typed => {
    if (selection.kind !== Kind.FIELD || selection.directives?.length) {
      throw new Error(`${type.name}: only plain fields are supported (no fragments or directives)`);
    }
    const key = selection.alias?.value ?? selection.name.value;
    if (selection.name.value === '__typename') return plain(`  ${key}: '${type.name}';`);
    const field = type.getFields()[selection.name.value];
    return both((t) => `  ${key}: ${indented(t)};`, outputType(field.type, selection.selectionSet, named, `${path}['${key}']`));
  });
  const object = (part: (t: Typed) => string) => `{\n${fields.map(part).join('\n')}\n}`;
  const typed = { text: object((f) => f.text), full: object((f) => f.full) };
  const seen = named.selections.get(`${type.name} ${typed.full}`);
  if (seen) return { text: seen, full: typed.full };
  named.selections.set(`${type.name} ${typed.full}`, path);
  return typed;
}

function inputType(type: GraphQLInputType, named: Named): string {
  if (isNonNullType(type)) return nonNullInput(type.ofType, named);
  return `${nonNullInput(type, named)} | null`;
}

function nonNullInput(type: GraphQLInputType, named: Named): string {
  if (isNonNullType(type)) return nonNullInput(type.ofType, named);
  if (isListType(type)) return `Array<${inputType(type.ofType, named)}>`;
  if (isScalarType(type)) return scalar(type.name, INPUT_SCALARS);
  if (isEnumType(type)) return enumType(type, named);
  if (!named.declarations.has(type.name)) {
    named.declarations.set(type.name, ''); // a recursive input type refers to itself by name
    const fields = Object.values(type.getFields()).map((f) => {
      const optional = !isNonNullType(f.type) || f.defaultValue !== undefined;
      return `  ${f.name}${optional ? '?' : ''}: ${inputType(f.type, named)};`;
    });
    named.declarations.set(type.name, `export interface ${type.name} {\n${fields.join('\n')}\n}\n`);
  }
  return type.name;
}

/** The one operation of `document`: its name and the text of its result and variables types. */
export function operationTypes(schema: GraphQLSchema, document: DocumentNode, named: Named): { name: string; data: string; variables: string } {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1 || document.definitions.length !== 1) throw new Error('a document holds exactly one operation and nothing else');
  const [operation] = operations;
  if (!operation.name) throw new Error('every operation is named: its types are named after it');
  const root = schema.getRootType(operation.operation);
  if (!root) throw new Error(`the schema has no ${operation.operation} type`);
  const variables = (operation.variableDefinitions ?? []).map((v) => {
    const type = typeFromAST(schema, v.type as never) as GraphQLInputType;
    const optional = !isNonNullType(type) || v.defaultValue !== undefined;
    return `  ${v.variable.name.value}${optional ? '?' : ''}: ${inputType(type, named)};`;
  });
  return {
    name: operation.name.value,
    data: objectType(root, operation.selectionSet, named, `${operation.name.value}Data`).text,
    variables: variables.length ? `{\n${variables.join('\n')}\n}` : 'Record<string, never>',
  };
}
