import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The pid of a running server that has `dataDir` open (PGlite is one process's database: tools must not open it
 * beside the server), or null.
 */
export function serverHoldingDataDir(dataDir: string): number | null {
  const file = join(dataDir, 'server.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null; // a server that died without cleaning up
  }
}

/** Marks `dataDir` as this process's; the returned function gives it back. */
export function holdDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'server.pid');
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}
