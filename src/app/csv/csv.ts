import { ValidationError } from '../../domain/core/errors.js';

/** One record of a CSV text and the line it starts on (1-based, counting the header), for telling people where. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

/**
 * Parses CSV as RFC 4180 has it, leniently where spreadsheets are: a UTF-8 BOM is dropped, records end with CRLF, LF
 * or CR, a quoted field may hold commas, quotes (doubled) and line breaks, and a blank line is no record.
 * `ValidationError` (with the line) for what cannot be read one way only: a quote inside an unquoted field, text after
 * a closing quote, a quote never closed. At most `maxRecords` records (header included) are read.
 */
export function parseCsv(input: string, maxRecords = Number.POSITIVE_INFINITY): CsvRecord[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false; // the field so far was a quoted one (so `""` is a field, and a line of it is no blank line)
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = () => {
    const blank = fields.length === 0 && field === '' && !quoted;
    fields.push(field);
    field = '';
    quoted = false;
    if (!blank) records.push({ line: recordLine, fields });
    if (records.length > maxRecords) throw new ValidationError(`the file has more than ${maxRecords - 1} rows`);
    fields = [];
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"' && field === '' && !quoted) {
      quoted = true;
      ({ value: field, next: i, line } = readQuoted(text, i, line));
      if (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') throw new ValidationError(`line ${line}: text after a closing quote`);
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
      quoted = false;
    } else if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 1 : 0;
      line++;
      recordLine = line;
    } else if (c === '"') {
      throw new ValidationError(`line ${line}: a quote inside an unquoted field (quote the whole field and double the quote)`);
    } else {
      field += c;
    }
    i++;
  }
  if (field !== '' || quoted || fields.length > 0) endRecord();
  return records;
}

/** The quoted field opening at `start`: its value, where reading goes on, and the line it ends on. */
function readQuoted(text: string, start: number, startLine: number): { value: string; next: number; line: number } {
  let value = '';
  let line = startLine;
  for (let i = start + 1; ; ) {
    if (i >= text.length) throw new ValidationError(`line ${startLine}: a quoted field is never closed`);
    const q = text[i];
    if (q === '"' && text[i + 1] === '"') {
      value += '"';
      i += 2;
    } else if (q === '"') {
      return { value, next: i + 1, line };
    } else {
      if (q === '\n' || (q === '\r' && text[i + 1] !== '\n')) line++;
      value += q;
      i++;
    }
  }
}
