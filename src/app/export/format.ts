import { assertNever } from '../../domain/core/errors.js';
import type { ExportFormat } from '../../domain/export/export.js';
import type { FieldDef } from '../../projections/search/fields.js';

/**
 * The two export formats. CSV follows RFC 4180: CRLF line ends, a field with a comma, quote, CR or LF in quotes, a
 * quote doubled; UTF-8, with a byte order mark on request (Excel guesses the encoding without one). JSON Lines: one
 * object per line, keys in the chosen order.
 */
export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

export const EXTENSIONS: Record<ExportFormat, string> = { csv: 'csv', jsonl: 'jsonl' };

const NEEDS_QUOTES = /[",\r\n]/;
// A spreadsheet runs a cell that starts with one of these as a formula: a test-taker's name must never do that.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

type Value = string | number | boolean | readonly string[] | null;

/** A column's value as the driver gives it → the value we export for the field. */
export function exportValue(field: FieldDef, raw: unknown): Value {
  if (raw === null || raw === undefined) return null;
  switch (field.type) {
    case 'text':
      return String(raw);
    case 'number':
      return Number(raw);
    case 'boolean':
      return raw === true || raw === 't' || raw === 'true';
    case 'date':
      return (raw instanceof Date ? raw : new Date(String(raw))).toISOString();
    case 'text[]':
      return Array.isArray(raw) ? raw.map(String) : [];
    default:
      return assertNever(field.type, 'field type');
  }
}

function csvText(field: FieldDef, value: Value): string {
  if (value === null) return '';
  if (Array.isArray(value)) return csvField(value.join('; '));
  const text = String(value);
  return csvField(field.type === 'text' && FORMULA_START.test(text) ? `'${text}` : text);
}

/** Encodes rows (keyed by field name) in one format: the head (BOM, header line), then each row. */
export interface RowEncoder {
  head(): string;
  row(row: Record<string, unknown>): string;
}

export function encoderFor(format: ExportFormat, fields: readonly FieldDef[], bom: boolean): RowEncoder {
  switch (format) {
    case 'csv':
      return {
        head: () => `${bom ? '\uFEFF' : ''}${fields.map((f) => csvField(f.name)).join(',')}\r\n`,
        row: (row) => `${fields.map((f) => csvText(f, exportValue(f, row[f.name]))).join(',')}\r\n`,
      };
    case 'jsonl':
      return {
        head: () => '',
        row: (row) => `${JSON.stringify(Object.fromEntries(fields.map((f) => [f.name, exportValue(f, row[f.name])])))}\n`,
      };
    default:
      return assertNever(format, 'export format');
  }
}
