import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, exportHead } from './format.js';

describe('the head of an export', () => {
  it('quotes only CSV fields with a comma, quote, CR or LF, doubling quotes (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('a\rb')).toBe('"a\rb"');
    expect(csvField('a\nb')).toBe('"a\nb"');
    expect(parse(`${['a,b', 'say "hi"', 'x\r\ny'].map(csvField).join(',')}\r\n`)).toEqual([['a,b', 'say "hi"', 'x\r\ny']]);
  });

  it('is a CRLF-ended header line, after a byte order mark only when asked; JSON Lines have none', () => {
    expect(exportHead('csv', ['session', 'averages.b1'], false)).toBe('session,averages.b1\r\n');
    expect(exportHead('csv', ['name'], true)).toBe('\uFEFFname\r\n');
    expect(exportHead('jsonl', ['name'], true)).toBe('');
  });
});
