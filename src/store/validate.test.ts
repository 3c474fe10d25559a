import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson as specCanonicalJson } from '../domain/chain/spec.mjs';
import { ValidationError } from '../domain/core/errors.js';
import { plainCanonicalJson, sealOf } from './validate.js';

describe('the append path\'s canonical JSON', () => {
  const values: unknown[] = [
    null, true, false, 0, -0, 1.5, -12.25, 1e21, 5e-324, Number.MAX_SAFE_INTEGER, '', 'plain', 'quote " backslash \\ tab \t line\n',
    'ünïcødé ✓ 😀 \u2028', [], {}, [1, [2, [3, {}]], 'x'], { b: 1, a: 2, c: { z: [], y: null } },
    { minute: 3, values: { c2: 12.5, b2: 0, m2: 3 } }, { 'ä': 1, a: 2, B: 3, _: 4, '10': 5, '9': 6, '': 7 },
    { '😀': 1, '\uffff': 2, 'é': 3 }, Object.assign(Object.create(null), { k: 'null prototype' }),
  ];

  it.each(values.map((v) => [JSON.stringify(v), v]))('is the specification\'s canonicalJson for %s', (_, value) => {
    expect(plainCanonicalJson(value, 'test')).toBe(specCanonicalJson(value));
  });

  it('gives deep values, cycles, unsorted and odd keys the same text or error whichever walk takes them', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 200; i++) deep = i % 2 ? [deep] : { [`k${i}`]: deep, a: i };
    expect(plainCanonicalJson(deep, 'test')).toBe(specCanonicalJson(deep));
    const unsorted = { z: 1, y: { d: [{ c: 1, b: 2, a: 3 }] }, x: 'ok' };
    expect(plainCanonicalJson(unsorted, 'test')).toBe(specCanonicalJson(unsorted));
    expect(() => plainCanonicalJson({ a: { b: [{ ['\ud800']: 1 }] } }, 'test')).toThrow(/\$\.a\.b\[0\]\..*: bad key/);
    const shared = { s: 1 };
    expect(plainCanonicalJson({ a: shared, b: [shared, shared] }, 'test')).toBe('{"a":{"s":1},"b":[{"s":1},{"s":1}]}');
  });

  it('refuses what jsonb would not give back unchanged, naming where', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: Array<[unknown, RegExp]> = [
      [{ a: [1, Number.NaN] }, /\$\.a\[1\]: NaN is not a finite number/],
      [{ a: 'x\u0000' }, /string contains NUL/],
      [{ a: '\ud800' }, /lone surrogate/],
      [{ when: new Date(0) }, /Date is not a plain object/],
      [{ a: undefined }, /key a is undefined/],
      [[undefined], /undefined is not allowed/],
      [cyclic, /cycle/],
      [{ f: () => 1 }, /function is not allowed/],
    ];
    for (const [value, message] of bad) {
      expect(() => plainCanonicalJson(value, 'event 0 data')).toThrow(ValidationError);
      expect(() => plainCanonicalJson(value, 'event 0 data')).toThrow(message);
    }
  });
});

describe('the seal', () => {
  it('is HMAC-SHA256 of the hash with the key, for keys of any length and for a stored hash that is not hex', () => {
    for (const keyLength of [1, 32, 64, 65, 200]) {
      const key = randomBytes(keyLength);
      for (const eventHash of [randomBytes(32).toString('hex'), randomBytes(32).toString('hex'), 'é'.repeat(64), 'short', '']) {
        expect(sealOf(key, eventHash)).toBe(createHmac('sha256', key).update(eventHash).digest('hex'));
      }
    }
  });
});
