// Compiles the server (src/, without its tests) to plain JavaScript in dist/ when the sources are newer than the last
// build, so production runs `node dist/main.js` without tsx's loader (≈37 MB of every process, and its thread). Plain
// JavaScript itself, so that it runs before anything is compiled. `--force` builds even when dist/ is current.
//
// The new tree is written beside dist/ and swapped in whole: a build that fails leaves the last good one in place,
// and a server already running from dist/ never sees half of each.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
const stamp = join(dist, '.built');
const isTest = (name) => name.endsWith('.test.ts');

/** The newest modification under `path`; tests are not part of the build, so changing one does not make it stale. */
function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return isTest(path) ? 0 : s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
}

/** True when dist/ was built after the last change to src/, the compiler settings or this script. */
export function serverBuildIsCurrent() {
  if (!existsSync(stamp)) return false;
  const sources = Math.max(newest(src), ...['tsconfig.json', 'tsconfig.build.json', 'scripts/build-server.mjs'].map((f) => newest(join(root, f))));
  return statSync(stamp).mtimeMs >= sources;
}

/** What tsc does not emit but the server reads next to its modules (plain .mjs modules, word lists). */
function copyAssets(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const path = join(from, entry.name);
    if (entry.isDirectory()) copyAssets(path, join(to, entry.name));
    else if (!entry.name.endsWith('.ts') && !entry.name.endsWith('.d.mts') && !isTest(entry.name)) cpSync(path, join(to, entry.name));
  }
}

/** Builds dist/ when it is stale (or always with `force`); answers whether it built. Throws with tsc's output on errors. */
export function buildServer({ force = false } = {}) {
  if (!force && serverBuildIsCurrent()) return false;
  const next = `${dist}.next-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', next], { cwd: root, encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    rmSync(next, { recursive: true, force: true });
    throw new Error(`the server did not compile (tsc -p tsconfig.build.json):\n${run.stdout}${run.stderr}${run.error?.message ?? ''}`);
  }
  copyAssets(src, next);
  writeFileSync(join(next, '.built'), `${new Date().toISOString()}\n`);
  const old = `${dist}.old-${process.pid}`;
  if (existsSync(dist)) renameSync(dist, old);
  try {
    renameSync(next, dist);
  } catch (error) {
    // Another build (a test, a bench) swapped its tree in between: it compiled the same sources; keep that one.
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    rmSync(next, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = Date.now();
  try {
    const built = buildServer({ force: process.argv.includes('--force') });
    console.log(built ? `server built into ${relative(process.cwd(), dist) || 'dist'} in ${Date.now() - t0} ms` : 'server build is up to date');
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
