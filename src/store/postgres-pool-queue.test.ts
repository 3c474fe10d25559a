import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// postgres.js's pool queue, as installed: `npm install` replaces it (scripts/patch-dependencies.mjs says why; the
// cost per step is measured by `npm run bench:pg-queue`). Here: that the replacement is in place and keeps the queue's
// behaviour, checked against a plain array.
const esm = fileURLToPath(import.meta.resolve('postgres')).replace(/index\.js$/, 'queue.js');
const cjs = esm.replace('/src/queue.js', '/cjs/src/queue.js');
type Queue<T> = { readonly length: number; shift(): T; push(x: T): T; remove(x: T): T | null };
const { default: makeQueue } = (await import(esm)) as { default: <T>(initial?: T[]) => Queue<T> };

type Op = { kind: 'push' } | { kind: 'shift' } | { kind: 'remove'; pick: number } | { kind: 'rotate' };

describe("postgres.js's connection pool queue", () => {
  it('is the patched one in both builds, after npm install', () => {
    for (const file of [esm, cjs]) expect(readFileSync(file, 'utf8'), file).toContain('patched by scripts/patch-dependencies.mjs');
  });

  it('answers as a first-in, first-out list with removal does, over long runs of the pool\'s steps', () => {
    const op = fc.oneof(
      fc.constant<Op>({ kind: 'push' }),
      fc.constant<Op>({ kind: 'shift' }),
      fc.nat(20).map((pick): Op => ({ kind: 'remove', pick })),
      fc.constant<Op>({ kind: 'rotate' }), // the pool's go → move: shift, remove (absent now), push
    );
    fc.assert(fc.property(fc.array(op, { minLength: 200, maxLength: 3000 }), (ops) => {
      const queue = makeQueue<number>();
      const model: number[] = [];
      let next = 0;
      for (const o of ops) {
        if (o.kind === 'push') {
          expect(queue.push(next)).toBe(next);
          model.push(next++);
        } else if (o.kind === 'shift') {
          if (model.length === 0) continue; // the pool shifts only what holds something
          expect(queue.shift()).toBe(model.shift());
        } else if (o.kind === 'remove') {
          const x = o.pick < model.length ? model[o.pick] : next + 1000; // sometimes one not there
          const at = model.indexOf(x);
          if (at !== -1) model.splice(at, 1);
          expect(queue.remove(x)).toBe(at === -1 ? null : x);
        } else {
          if (model.length === 0) continue;
          const c = queue.shift();
          expect(c).toBe(model.shift());
          expect(queue.remove(c)).toBeNull();
          queue.push(c);
          model.push(c);
        }
        expect(queue.length).toBe(model.length);
      }
    }), { numRuns: 200 });
  });
});
