import type { Sql } from '../../store/sql.js';
import type { FieldDef } from '../search/fields.js';
import { renumber, type Condition } from './queries.js';

/**
 * The chosen columns of every monitor row that meets all `conditions` (visibility, search), newest first as the
 * sessions list shows them, `batch` rows at a time from a server-side cursor: any number of rows in constant memory.
 * Rows are keyed by field name. Identifiers come only from `fields.ts`.
 */
export function streamMonitorRows(db: Sql, fields: readonly FieldDef[], conditions: readonly Condition[], batch = 1000): AsyncIterable<Record<string, unknown>[]> {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const c of conditions) {
    parts.push(`(${renumber(c.where, params.length)})`);
    params.push(...c.params);
  }
  const columns = fields.map((f) => `${f.column} AS "${f.name}"`).join(', ');
  const where = parts.length ? parts.join(' AND ') : 'true';
  return db.cursor(`SELECT ${columns} FROM monitor_sessions WHERE ${where} ORDER BY date DESC, session_id DESC`, params, batch);
}
