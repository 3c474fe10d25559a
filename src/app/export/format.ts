import type { ExportFormat } from '../../domain/export/export.js';

/**
 * What a download of each format is called and labelled as. The rows themselves are rendered by the read model
 * (src/projections/monitor/export-rows.ts); here is what comes before them: a CSV's header line, after a UTF-8 byte
 * order mark on request (Excel guesses the encoding without one).
 */
export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

export const EXTENSIONS: Record<ExportFormat, string> = { csv: 'csv', jsonl: 'jsonl' };

/** One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, its quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** What precedes the rows: a CSV's BOM (on request) and header line; nothing for JSON Lines. */
export function exportHead(format: ExportFormat, fieldNames: readonly string[], bom: boolean): string {
  return format === 'csv' ? `${bom ? '\uFEFF' : ''}${fieldNames.map(csvField).join(',')}\r\n` : '';
}
