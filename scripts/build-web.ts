// Builds the web client into web/dist when its sources are newer than the last build (npm start, browser tests).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('../web', import.meta.url));

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
}

export async function buildWebIfStale(force = false): Promise<boolean> {
  const built = join(web, 'dist', 'index.html');
  // The replay screen bundles the domain's own rules (src/domain): a change there is a change of the client too.
  const sources = Math.max(newest(join(web, 'src')), newest(join(web, 'public')), newest(join(web, 'index.html')), newest(join(web, 'vite.config.ts')), newest(join(web, '..', 'src', 'domain')));
  if (!force && existsSync(built) && statSync(built).mtimeMs >= sources) return false;
  const { build } = await import('vite');
  await build({ configFile: join(web, 'vite.config.ts'), logLevel: 'warn' });
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force');
  const t0 = Date.now();
  const did = await buildWebIfStale(force);
  console.log(did ? `web client built in ${Date.now() - t0} ms` : 'web client is up to date');
}
