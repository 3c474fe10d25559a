import { assertNever } from '../../domain/core/errors.js';
import type { Sql } from '../../store/sql.js';
import type { FieldDef } from '../search/fields.js';
import { renumber, type Condition } from './queries.js';

/**
 * Export lines straight from the read model. PostgreSQL renders each row as one finished line (CSV or JSON Lines), so
 * the driver parses one text value per row instead of a date, a float and an array per field: that is what keeps an
 * export near the speed of `COPY … TO STDOUT`. Identifiers come only from `fields.ts`; nothing is interpolated.
 *
 * CSV (RFC 4180): a value with a comma, quote, CR or LF is quoted with its quotes doubled; absent values are empty;
 * text starting with = + - @ TAB or CR gets a leading apostrophe, so a spreadsheet shows it instead of running it as
 * a formula. Dates are ISO 8601 in UTC with milliseconds; tags are joined with "; ".
 * JSON Lines: one object per row, keys in the chosen order, numbers and booleans typed, tags an array, null for absent.
 */
export type LineFormat = 'csv' | 'jsonl';

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const quoted = (text: string) => `CASE WHEN ${text} ~ '[",\\r\\n]' THEN '"' || replace(${text}, '"', '""') || '"' ELSE ${text} END`;

function csvCell(field: FieldDef): string {
  const c = field.column;
  switch (field.type) {
    case 'text':
      return `coalesce(${quoted(`(CASE WHEN ${c} ~ '^[-=+@\\t\\r]' THEN '''' || ${c} ELSE ${c} END)`)}, '')`;
    case 'number':
    case 'boolean':
      return `coalesce(${c}::text, '')`;
    case 'date':
      return `coalesce(${iso(c)}, '')`;
    case 'text[]':
      return `coalesce(${quoted(`array_to_string(${c}, '; ')`)}, '')`;
    default:
      return assertNever(field.type, 'field type');
  }
}

function jsonValue(field: FieldDef): string {
  switch (field.type) {
    case 'date':
      return iso(field.column);
    case 'text':
    case 'number':
    case 'boolean':
    case 'text[]':
      return field.column;
    default:
      return assertNever(field.type, 'field type');
  }
}

/** The SQL expression of one export line of a `monitor_sessions` row, with its line end. */
export function lineExpression(fields: readonly FieldDef[], format: LineFormat): string {
  switch (format) {
    case 'csv':
      return `concat_ws(',', ${fields.map(csvCell).join(', ')}) || E'\\r\\n'`;
    case 'jsonl':
      // json_build_object keeps the keys in order (jsonb would sort them) and takes at most 100 arguments.
      if (fields.length > 50) throw new Error('at most 50 fields in a JSON Lines export');
      return `json_build_object(${fields.map((f) => `'${f.name}', ${jsonValue(f)}`).join(', ')})::text || E'\\n'`;
    default:
      return assertNever(format, 'export format');
  }
}

/**
 * The export lines of every monitor row that meets all `conditions` (visibility, search), newest first as the
 * sessions list shows them, `batch` at a time: any number of rows in constant memory. On PostgreSQL from a
 * server-side cursor (one consistent snapshot). PGlite has one connection: its cursor must be WITH HOLD, which
 * renders the whole result before the first row, so there the rows come in keyset pages (date, id), each its own
 * short statement that writers interleave with.
 */
export async function* streamExportLines(db: Sql, fields: readonly FieldDef[], format: LineFormat, conditions: readonly Condition[], batch = 1000): AsyncGenerator<string[]> {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const c of conditions) {
    parts.push(`(${renumber(c.where, params.length)})`);
    params.push(...c.params);
  }
  const where = parts.length ? parts.join(' AND ') : 'true';
  const line = lineExpression(fields, format);
  const order = 'ORDER BY date DESC, session_id DESC';
  if (db.engine === 'postgres') {
    for await (const rows of db.cursor<{ line: string }>(`SELECT ${line} AS line FROM monitor_sessions WHERE ${where} ${order}`, params, batch)) yield rows.map((r) => r.line);
    return;
  }
  const size = Math.max(1, Math.floor(batch));
  const n = params.length;
  let after: [string, string] | null = null;
  for (;;) {
    const keyset = after ? ` AND (date, session_id) < ($${n + 1}::timestamptz, $${n + 2}::text)` : '';
    // date as text: it goes back as a parameter exactly, microseconds and all.
    const rows: Array<{ line: string; k_date: string; k_id: string }> = await db.query(
      `SELECT ${line} AS line, date::text AS k_date, session_id AS k_id FROM monitor_sessions WHERE ${where}${keyset} ${order} LIMIT ${size}`,
      after ? [...params, ...after] : params,
    );
    if (rows.length > 0) yield rows.map((r) => r.line);
    if (rows.length < size) return;
    after = [rows[rows.length - 1].k_date, rows[rows.length - 1].k_id];
  }
}
