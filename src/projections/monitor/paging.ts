import { ValidationError } from '../../domain/core/errors.js';
import type { Sql } from '../../store/sql.js';
import type { MonitorRow } from './row.js';

/**
 * The orders the session lists offer, each an expression over `monitor_sessions` with an index on (expression,
 * session_id) in `MONITOR_SORT_DDL`, so a page is an index range scan whatever its depth (keyset, never OFFSET).
 * Nullable columns sort through `coalesce` so the keyset comparison never meets a NULL.
 */
export const SESSION_SORT_KEYS = {
  date: { expr: 'date', type: 'timestamptz' },
  name: { expr: 'lower(name)', type: 'text' },
  student: { expr: 'lower(student)', type: 'text' },
  proctor: { expr: "coalesce(lower(proctor), '')", type: 'text' },
  status: { expr: 'status', type: 'text' },
  scheduled: { expr: "coalesce(scheduled_at, '1970-01-01T00:00:00Z'::timestamptz)", type: 'timestamptz' },
  score: { expr: 'coalesce(score, -1)', type: 'double precision' },
} as const satisfies Record<string, { expr: string; type: string }>;

export type SessionSortKey = keyof typeof SESSION_SORT_KEYS;

export interface SessionSort {
  readonly key: SessionSortKey;
  readonly descending: boolean;
}

/** Newest first: the order of the monitor and of every list that does not ask for another. */
export const NEWEST_FIRST: SessionSort = { key: 'date', descending: true };

/** Indexes for every order but `date`'s, which `MONITOR_DDL` has had from the start. */
export const MONITOR_SORT_DDL = (Object.keys(SESSION_SORT_KEYS) as SessionSortKey[])
  .map((key) => `CREATE INDEX IF NOT EXISTS monitor_sessions_sort_${key} ON monitor_sessions ((${SESSION_SORT_KEYS[key].expr}), session_id);`)
  .join('\n');

/** A SQL condition with its bound parameters; `$n` placeholders are numbered from 1 and renumbered when combined. */
export interface Condition {
  readonly where: string;
  readonly params: readonly unknown[];
  /** Matches free text or a regular expression (`SqlCondition.textMatch`). */
  readonly textMatch?: boolean;
}

export interface SessionPage {
  readonly rows: MonitorRow[];
  /** The keyset cursor of each row, in the order of `rows` (opaque to clients). */
  readonly cursors: string[];
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
  readonly totalCount: number;
}

/** Shifts `$1`, `$2` … in `where` by `offset`, so conditions built separately can share one statement. */
export function renumber(where: string, offset: number): string {
  return where.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}

const encode = (sort: SessionSort, value: string, id: string) =>
  Buffer.from(JSON.stringify([sort.key, sort.descending ? 'desc' : 'asc', value, id])).toString('base64url');

/** The sort value and session id of a cursor, which must come from a list in the same order. */
function decode(cursor: string, sort: SessionSort): [string, string] {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = null;
  }
  if (!Array.isArray(value) || value.length !== 4 || !value.every((v) => typeof v === 'string')) {
    throw new ValidationError('the cursor is not one this server gave out');
  }
  if (value[0] !== sort.key || value[1] !== (sort.descending ? 'desc' : 'asc')) {
    throw new ValidationError('the cursor belongs to a list in another order: start again from the first page');
  }
  return [value[2], value[3]];
}

/** Where the monitor read model stands: it changes with every event applied to it, and only then. */
const READ_MODEL_AT = `(SELECT checkpoint::text FROM projection_checkpoints WHERE name = 'monitor')`;
const counted = new WeakMap<Sql, Map<string, { at: string; count: number }>>();
const COUNTS_KEPT = 200;

/**
 * How many rows meet `filter`. Counting 100k rows took 10–25 ms where the page's rows took 2–5 (bench:console), and
 * paging a list asks the same count again and again: it is kept per filter while the read model stays where it was
 * (`at`, read with the page), so every count shown is exact. Rows written around the projection are not seen.
 */
async function countOf(db: Sql, filter: string, params: readonly unknown[], at: string | null): Promise<number> {
  const key = `${filter}\u0000${JSON.stringify(params)}`;
  const known = counted.get(db) ?? new Map<string, { at: string; count: number }>();
  counted.set(db, known);
  const hit = known.get(key);
  if (at !== null && hit?.at === at) return hit.count;
  const [row] = await db.query<{ count: number; at: string | null }>(
    `SELECT count(*)::int AS count, ${READ_MODEL_AT} AS at FROM monitor_sessions WHERE ${filter}`,
    params,
  );
  known.delete(key);
  if (row.at !== null) known.set(key, { at: row.at, count: Number(row.count) });
  if (known.size > COUNTS_KEPT) known.delete(known.keys().next().value!);
  return Number(row.count);
}

/** One page of the rows matching every condition (ANDed: search filter, visibility) in `sort` order, with the total. */
export async function listSessionPage(
  db: Sql,
  conditions: readonly Condition[],
  page: { readonly first: number; readonly after?: string | null; readonly sort?: SessionSort },
  toRow: (row: Record<string, unknown>) => MonitorRow,
): Promise<SessionPage> {
  const sort = page.sort ?? NEWEST_FIRST;
  const { expr, type } = SESSION_SORT_KEYS[sort.key];
  const first = Math.max(0, Math.min(page.first, 1000));
  const params: unknown[] = [];
  const parts = conditions.map((c) => {
    const part = `(${renumber(c.where, params.length)})`;
    params.push(...c.params);
    return part;
  });
  const filter = parts.length ? parts.join(' AND ') : 'true';
  const filterParams = [...params];
  let after: string | null = null;
  if (page.after) {
    params.push(...decode(page.after, sort));
    after = `($${params.length - 1}::${type}, $${params.length})`;
  }
  params.push(first + 1);
  const dir = sort.descending ? 'DESC' : 'ASC';
  const than = sort.descending ? '<' : '>';
  const limit = `$${params.length}`;
  // A text match finds few rows through its trigram index, but the planner guesses many and walks the order's index
  // testing every row (half a second on 100k sessions): its matches are gathered first, with their count, and only
  // the page's rows are read whole. Other filters let the planner choose, and the count is a query of its own.
  const rows = conditions.some((c) => c.textMatch)
    ? await db.query<Record<string, unknown>>(
      `WITH hits AS MATERIALIZED (SELECT session_id, (${expr}) AS sort_key FROM monitor_sessions WHERE ${filter}),
        page AS (SELECT session_id, sort_key FROM hits${after ? ` WHERE (sort_key, session_id) ${than} ${after}` : ''}
                  ORDER BY sort_key ${dir}, session_id ${dir} LIMIT ${limit})
      SELECT m.*, page.sort_key::text AS sort_value, (SELECT count(*) FROM hits)::int AS total_count
        FROM page JOIN monitor_sessions m USING (session_id) ORDER BY page.sort_key ${dir}, page.session_id ${dir}`,
      params,
    )
    : await db.query<Record<string, unknown>>(
      `SELECT *, (${expr})::text AS sort_value, ${READ_MODEL_AT} AS read_model_at FROM monitor_sessions
        WHERE ${filter}${after ? ` AND ((${expr}), session_id) ${than} ${after}` : ''} ORDER BY (${expr}) ${dir}, session_id ${dir} LIMIT ${limit}`,
      params,
    );
  const totalCount = rows.length > 0 && rows[0].total_count !== undefined
    ? Number(rows[0].total_count)
    : await countOf(db, filter, filterParams, (rows[0]?.read_model_at as string | null | undefined) ?? null);
  const shown = rows.slice(0, first);
  const cursors = shown.map((r) => encode(sort, r.sort_value as string, r.session_id as string));
  return {
    rows: shown.map(toRow),
    cursors,
    hasNextPage: rows.length > first,
    endCursor: cursors.at(-1) ?? null,
    totalCount,
  };
}
