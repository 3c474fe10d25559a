import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { linksCsv } from './links-csv.js';

describe('the set-password links as CSV', () => {
  it('is read back by a real CSV parser, quotes and non-Latin names included', () => {
    const links = [
      { username: 'yuki', url: 'https://p.example/#/set-password?user=yuki&key=a,b', expiresAt: '2026-01-08T00:00:00.000Z' },
      { username: 'o"neil', url: 'https://p.example/#/set-password?user=o&key="q"', expiresAt: '2026-01-08T00:00:00.000Z' },
    ];
    const text = linksCsv(links);
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(parse(text, { bom: true, columns: true })).toEqual(links.map((l) => ({ username: l.username, link: l.url, expires: l.expiresAt })));
  });
});
