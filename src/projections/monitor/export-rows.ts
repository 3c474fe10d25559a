import { assertNever } from '../../domain/core/errors.js';
import type { Sql } from '../../store/sql.js';
import type { FieldDef } from '../search/fields.js';
import { csvFrameExpression, renderCsvFrames } from './export-csv.js';
import { renumber, type Condition } from './queries.js';

/**
 * Export lines straight from the read model, one text value per row from the database, so the driver never parses a
 * date, a float and an array per field: that is what keeps an export near the speed of `COPY … TO STDOUT`.
 * CSV: the database writes a frame per row and `export-csv.ts` makes the lines (its header says why and how).
 * JSON Lines: PostgreSQL renders one object per row, keys in the chosen order, numbers and booleans typed, tags an
 * array, null for absent, dates ISO 8601 in UTC with milliseconds.
 * Identifiers come only from `fields.ts`; nothing is interpolated.
 */
export type LineFormat = 'csv' | 'jsonl';

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

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

/** The SQL expression of one JSON Lines line of a `monitor_sessions` row, with its line end. */
export function jsonLineExpression(fields: readonly FieldDef[]): string {
  // json_build_object keeps the keys in order (jsonb would sort them) and takes at most 100 arguments.
  if (fields.length > 50) throw new Error('at most 50 fields in a JSON Lines export');
  return `json_build_object(${fields.map((f) => `'${f.name}', ${jsonValue(f)}`).join(', ')})::text || E'\\n'`;
}

/** A keyset page of export lines on PGlite (see `streamExportLines`). */
interface ExportPage {
  readonly lines: string | null;
  readonly rows: number;
  readonly k_date: string | null;
  readonly k_id: string | null;
}

/** Consecutive export lines, each with its line end, and how many there are. */
export interface ExportLines {
  readonly rows: number;
  readonly lines: Buffer;
}

async function serverIsUtf8(db: Sql): Promise<boolean> {
  const [{ encoding }] = await db.query<{ encoding: string }>(`SELECT current_setting('server_encoding') AS encoding`);
  return encoding === 'UTF8';
}

/**
 * The export lines of every monitor row that meets all `conditions` (visibility, search), newest first as the
 * sessions list shows them, `batch` at a time: any number of rows in constant memory. On PostgreSQL from a
 * server-side cursor (one consistent snapshot). PGlite has one connection: its cursor must be WITH HOLD, which
 * renders the whole result before the first row, so there the rows come in keyset pages (date, id), each its own
 * short statement that writers interleave with.
 */
export async function* streamExportLines(db: Sql, fields: readonly FieldDef[], format: LineFormat, conditions: readonly Condition[], batch = 1000): AsyncGenerator<ExportLines> {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const c of conditions) {
    parts.push(`(${renumber(c.where, params.length)})`);
    params.push(...c.params);
  }
  const where = parts.length ? parts.join(' AND ') : 'true';
  let line: string;
  let render: (chunks: readonly Buffer[], rows: number) => Buffer;
  switch (format) {
    case 'csv':
      line = csvFrameExpression(fields, await serverIsUtf8(db));
      render = (frames, rows) => renderCsvFrames(frames, rows, fields);
      break;
    case 'jsonl':
      line = jsonLineExpression(fields);
      render = (lines) => Buffer.concat(lines);
      break;
    default:
      return assertNever(format, 'export format');
  }
  const order = 'ORDER BY date DESC, session_id DESC';
  if (db.engine === 'postgres') {
    for await (const { rows, chunks } of db.textCursor(`SELECT ${line} AS line FROM monitor_sessions WHERE ${where} ${order}`, params, batch)) {
      yield { rows, lines: render(chunks, rows) };
    }
    return;
  }
  const size = Math.max(1, Math.floor(batch));
  const n = params.length;
  let after: [string, string] | null = null;
  for (;;) {
    const keyset: string = after ? ` AND (date, session_id) < ($${n + 1}::timestamptz, $${n + 2}::text)` : '';
    // A page is one row: its lines joined by the database, and the key of its last row (date as text: it goes back as
    // a parameter exactly, microseconds and all). The driver then decodes one text a page instead of a row object per
    // session: 100k rows took 3.0 CPU seconds that way, 2.1 this way, at 1,000 a page (`npm run bench:export`).
    const [page]: ExportPage[] = await db.query<ExportPage>(
      `SELECT string_agg(line, '' ${order}) AS lines, count(*)::int AS rows,
              (array_agg(date::text ${order}))[count(*)] AS k_date, (array_agg(session_id ${order}))[count(*)] AS k_id
         FROM (SELECT ${line} AS line, date, session_id FROM monitor_sessions WHERE ${where}${keyset} ${order} LIMIT ${size}) AS page`,
      after ? [...params, ...after] : params,
    );
    if (page.rows > 0) yield { rows: page.rows, lines: render([Buffer.from(page.lines ?? '')], page.rows) };
    if (page.rows < size || page.k_date === null || page.k_id === null) return;
    after = [page.k_date, page.k_id];
  }
}
