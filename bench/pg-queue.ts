/**
 * postgres.js's connection pool queue as installed (scripts/patch-dependencies.mjs replaces it): the cost of one
 * pool step (take a busy connection, move it, put it back: `shift`, `remove`, `push`, as its `go` and `move` do) after
 * more and more steps with four connections that never all go idle. The baseline is a plain four-element array doing
 * the same. Flat columns: the cost does not grow with uptime. (postgres 3.4.9's own queue grew to 8 µs a step after
 * 50,000 steps here, 0.65 µs after 1,000.)  `npm run bench:pg-queue`
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The ESM build, as the server imports it.
const queueFile = fileURLToPath(import.meta.resolve('postgres')).replace(/index\.js$/, 'queue.js');
const { default: Queue } = (await import(queueFile)) as { default: <T>(initial?: T[]) => { length: number; shift(): T; push(x: T): T; remove(x: T): T | null } };
const patched = readFileSync(queueFile, 'utf8').includes('patched by scripts/patch-dependencies.mjs');

function installed(steps: number): number {
  const q = Queue<object>();
  for (let i = 0; i < 4; i++) q.push({});
  const t = performance.now();
  for (let i = 0; i < steps; i++) {
    const c = q.shift();
    q.remove(c);
    q.push(c);
  }
  return ((performance.now() - t) * 1000) / steps;
}

function baseline(steps: number): number {
  const xs: object[] = [{}, {}, {}, {}];
  const t = performance.now();
  for (let i = 0; i < steps; i++) {
    const c = xs.shift()!;
    const at = xs.indexOf(c);
    if (at !== -1) xs.splice(at, 1);
    xs.push(c);
  }
  return ((performance.now() - t) * 1000) / steps;
}

console.log(`postgres.js queue: ${queueFile} (${patched ? 'patched' : 'NOT patched: run npm install'})\n`);
console.log('steps      installed µs/step  plain array µs/step');
for (const steps of [1_000, 10_000, 50_000, 200_000]) {
  installed(steps); // warm
  console.log(`${String(steps).padEnd(9)}  ${installed(steps).toFixed(3).padStart(17)}  ${baseline(steps).toFixed(3).padStart(19)}`);
}
