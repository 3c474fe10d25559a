import { BREAK, GraphQLError, visit, type DocumentNode } from 'graphql';

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Why a string that came from outside cannot be used at all (NUL and the like have no place in any field of ours,
 * and PostgreSQL refuses NUL in text), or null. Line breaks and tabs pass: free text may hold them.
 */
export function unusableString(value: string): string | null {
  if (FORBIDDEN.test(value)) return 'contains a control character';
  if (!value.isWellFormed()) return 'contains a broken character (a lone surrogate)';
  return null;
}

function check(value: unknown, path: string): string | null {
  if (typeof value === 'string') {
    const why = unusableString(value);
    return why ? `${path} ${why}` : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = check(value[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const found = check(v, `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Every string an operation carries (its literals and its variables), checked once before anything runs: a NUL byte in
 * an id or a username would otherwise reach a query and fail there as an internal error.
 */
export function unusableInput(document: DocumentNode, variables: Record<string, unknown> | null | undefined): GraphQLError | null {
  let problem = check(variables ?? {}, '$');
  if (!problem) {
    visit(document, {
      StringValue(node) {
        const why = unusableString(node.value);
        if (why && !problem) problem = `a string in the query ${why}`;
        return why ? BREAK : undefined;
      },
    });
  }
  return problem ? new GraphQLError(problem.replace(/^\$\./, 'variable $'), { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } }) : null;
}
