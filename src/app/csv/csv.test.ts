import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { ValidationError } from '../../domain/core/errors.js';
import { parseCsv } from './csv.js';

const fields = (text: string) => parseCsv(text).map((r) => r.fields);

describe('parsing CSV (RFC 4180)', () => {
  it('reads a header and rows ending in CRLF', () => {
    expect(parseCsv('username,name\r\nann,Ann\r\nbob,Bob\r\n')).toEqual([
      { line: 1, fields: ['username', 'name'] }, { line: 2, fields: ['ann', 'Ann'] }, { line: 3, fields: ['bob', 'Bob'] },
    ]);
  });
  it('keeps commas, doubled quotes and line breaks inside quoted fields, and counts lines past them', () => {
    const records = parseCsv('a,b\n"Smith, John","say ""hi""\nthere"\nc,d');
    expect(records.map((r) => r.fields)).toEqual([['a', 'b'], ['Smith, John', 'say "hi"\nthere'], ['c', 'd']]);
    expect(records[2].line).toBe(4);
  });
  it('drops a UTF-8 BOM and keeps non-Latin names', () => {
    expect(fields('\uFEFFusername,name\nyuki,山田 由紀\nolga,Ольга Петрова\nali,علي\n')).toEqual([['username', 'name'], ['yuki', '山田 由紀'], ['olga', 'Ольга Петрова'], ['ali', 'علي']]);
  });
  it('skips blank lines, keeps empty fields and an empty quoted field', () => {
    expect(fields('a,b\n\n,x\n""\n')).toEqual([['a', 'b'], ['', 'x'], ['']]);
  });
  it('reads a last record without a line break, and lone CR line ends', () => {
    expect(fields('a\rb\rc')).toEqual([['a'], ['b'], ['c']]);
  });
  it('refuses a stray quote, text after a closing quote, and a quote never closed, naming the line', () => {
    expect(() => parseCsv('a\nb"c\n')).toThrow(ValidationError);
    expect(() => parseCsv('a\nb"c\n')).toThrow(/line 2/);
    expect(() => parseCsv('"a"b\n')).toThrow(/after a closing quote/);
    expect(() => parseCsv('a\n"open\n\n')).toThrow(/line 2: a quoted field is never closed/);
  });
  it('refuses more records than allowed', () => {
    expect(() => parseCsv('h\n1\n2\n3\n', 3)).toThrow(/more than 2 rows/);
    expect(parseCsv('h\n1\n2\n', 3)).toHaveLength(3);
  });
  it('reads what a real CSV parser reads', () => {
    const text = '\uFEFFusername,name,email,role\r\n"o\'neil","O\'Neil, ""Pat""\r\nJr.",pat@example.org,student\r\nzoë,Zoë Ångström,,proctor\r\n';
    expect(fields(text)).toEqual(parse(text, { bom: true, relax_column_count: true }));
  });
});
