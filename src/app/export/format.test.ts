import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { fieldDef } from '../../projections/search/fields.js';
import { csvField, encoderFor } from './format.js';

describe('the CSV encoder', () => {
  it('quotes only fields with a comma, quote, CR or LF, doubling quotes (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('a\rb')).toBe('"a\rb"');
    expect(csvField('a\nb')).toBe('"a\nb"');
  });

  it('writes a header, CRLF line ends, empty cells for absent values, and defuses formulas in text', () => {
    const fields = ['name', 'score', 'startedAt', 'blocked', 'tags'].map(fieldDef);
    const csv = encoderFor('csv', fields, false);
    const text = csv.head() + csv.row({ name: '=1+1', score: null, startedAt: new Date('2026-01-02T03:04:05Z'), blocked: true, tags: ['x', 'y'] });
    expect(text).toBe("name,score,startedAt,blocked,tags\r\n'=1+1,,2026-01-02T03:04:05.000Z,true,x; y\r\n");
    expect(parse(text, { columns: true })).toEqual([{ name: "'=1+1", score: '', startedAt: '2026-01-02T03:04:05.000Z', blocked: 'true', tags: 'x; y' }]);
  });

  it('starts with a byte order mark only when asked', () => {
    expect(encoderFor('csv', [fieldDef('name')], true).head()).toBe('\uFEFFname\r\n');
    expect(encoderFor('jsonl', [fieldDef('name')], true).head()).toBe('');
  });
});

describe('the JSON Lines encoder', () => {
  it('writes one object per line with typed values in the chosen order', () => {
    const jsonl = encoderFor('jsonl', ['score', 'session', 'tags'].map(fieldDef), false);
    expect(jsonl.row({ score: '12.5', session: 'a\nb', tags: null })).toBe('{"score":12.5,"session":"a\\nb","tags":null}\n');
  });
});
