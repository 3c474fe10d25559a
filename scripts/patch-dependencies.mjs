// Runs after `npm install` / `npm ci` (package.json "postinstall"; the Dockerfile copies it in before `npm ci`).
//
// postgres.js 3.4.9 keeps its connections (idle, busy, full…) and waiting queries in a Queue whose `shift` leaves a
// hole at the front of its array instead of dropping it, until the queue is empty; `remove` then searches the array
// from its start. A pool under steady load never empties its busy and idle queues, so every query that moves a
// connection from one to another scans every hole left since the last time they were empty: the cost per query grows
// with the server's uptime. bench:load at 5,000 sessions: `remove` was 4.4 % of the node's busy time in the steady phase.
// The replacement searches only the live part and drops the holes as it goes; its interface and order are the same.
//
// Only the exact file this was written for is replaced. Another version is left as it is, with a warning: check
// whether it still needs this (npm run bench:pg-queue shows it) before changing the expected hash.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const MARK = 'patched by scripts/patch-dependencies.mjs';
/** SHA-256 of postgres 3.4.9's src/queue.js (ESM) and cjs/src/queue.js, which differ in their first line only. */
const ORIGINAL = {
  'node_modules/postgres/src/queue.js': { sha256: '15e6345adb6708bf3b99ad39fc2231c2fb61de5f6cba4b7a7a6be881482a4ec3', head: 'export default Queue' },
  'node_modules/postgres/cjs/src/queue.js': { sha256: '7d20fa53a3930be070609d7912ecd14c347df3526805bca2f6cb7eb35d2e62cf', head: 'module.exports = Queue' },
};

const body = `
// ${MARK} (postgres 3.4.9): \`remove\` searches the live part only, and the holes
// \`shift\` leaves are dropped once they are half the array, so no operation grows with the pool's uptime.
function Queue(initial = []) {
  let xs = initial.slice()
  let index = 0

  return {
    get length() {
      return xs.length - index
    },
    remove: (x) => {
      const at = xs.indexOf(x, index)
      if (at === -1)
        return null
      xs.splice(at, 1)
      if (index === xs.length) {
        index = 0
        xs = []
      }
      return x
    },
    push: (x) => (xs.push(x), x),
    shift: () => {
      const out = xs[index++]

      if (index === xs.length) {
        index = 0
        xs = []
      } else if (index >= 64 && index * 2 >= xs.length) {
        xs = xs.slice(index)
        index = 0
      } else {
        xs[index - 1] = undefined
      }

      return out
    }
  }
}
`;

for (const [file, { sha256, head }] of Object.entries(ORIGINAL)) {
  const path = join(root, file);
  if (!existsSync(path)) continue; // postgres not installed (a partial install): nothing to patch
  const text = readFileSync(path, 'utf8');
  if (text.includes(MARK)) continue;
  const hash = createHash('sha256').update(text).digest('hex');
  if (hash !== sha256) {
    console.warn(`patch-dependencies: ${file} is not the file this patch was written for (sha256 ${hash}); left as it is`);
    continue;
  }
  writeFileSync(path, `${head}\n${body}`);
}
