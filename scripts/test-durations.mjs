// Writes test/support/durations.json: how long each test file took in the last full run, read from Vitest's cache
// (node_modules/.vite/vitest/*/results.json), for the sequencer to spread the Chromium files in a fresh clone (CI),
// where there is no cache. Given a CHROMIUM_LOCK_LOG file of that run, the time a file waited for the browser is taken
// off its duration: it says nothing about the file.
//   node scripts/test-durations.mjs [lock-log]
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cacheDir = join(root, 'node_modules/.vite/vitest');
const caches = existsSync(cacheDir)
  ? readdirSync(cacheDir).map((d) => join(cacheDir, d, 'results.json')).filter((f) => existsSync(f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
  : [];
if (caches.length === 0) {
  console.error('no Vitest cache: run the whole suite first (npm test)');
  process.exit(1);
}
const waited = new Map();
const lockLog = process.argv[2];
if (lockLog) {
  for (const line of readFileSync(lockLog, 'utf8').split('\n').filter(Boolean)) {
    const { file, calledAt, acquiredAt } = JSON.parse(line);
    waited.set(file, (waited.get(file) ?? 0) + (acquiredAt - calledAt));
  }
}
const durations = {};
for (const [key, result] of JSON.parse(readFileSync(caches[0], 'utf8')).results) {
  const file = key.slice(key.indexOf(':') + 1);
  if (!existsSync(join(root, file)) || typeof result.duration !== 'number') continue;
  durations[file] = Math.max(1, Math.round(result.duration - (waited.get(file) ?? 0)));
}
const sorted = Object.fromEntries(Object.entries(durations).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(join(root, 'test/support/durations.json'), JSON.stringify(sorted, null, 1) + '\n');
console.log(`test/support/durations.json: ${Object.keys(sorted).length} files, ${Math.round(Object.values(sorted).reduce((s, d) => s + d, 0) / 1000)} s in all`);
