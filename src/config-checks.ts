/** Checks of single settings that `loadConfig` reads (kept apart to keep config.ts short). */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** A refusal to start, worded for the operator (main prints it and exits with 1). */
export class ConfigError extends Error {}

/**
 * MASTER_KEY (32 bytes, base64). Production refuses to start without it: a key generated beside the data would be lost
 * with the machine, and every recording with it. Elsewhere one is generated on first start and kept in DATA_DIR.
 */
export function masterKey(env: NodeJS.ProcessEnv, dataDir: string, production: boolean): { masterKey: Buffer; masterKeySource: 'env' | 'file' | 'generated' } {
  if (env.MASTER_KEY) {
    const key = Buffer.from(env.MASTER_KEY, 'base64');
    if (key.length !== 32) throw new ConfigError('MASTER_KEY must be 32 bytes in base64: make one with `openssl rand -base64 32`');
    return { masterKey: key, masterKeySource: 'env' };
  }
  if (production) {
    throw new ConfigError('NODE_ENV=production needs MASTER_KEY (32 bytes in base64, `openssl rand -base64 32`): it encrypts every session\'s media; keep it apart from the data and its backups, as losing it loses all recordings');
  }
  const file = join(dataDir, 'master-key');
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new ConfigError(`${file} does not hold 32 bytes in base64: restore it, or set MASTER_KEY`);
    return { masterKey: key, masterKeySource: 'file' };
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600 });
  return { masterKey: key, masterKeySource: 'generated' };
}

/** Worker threads for face analysis: at most one per core, at least one; by default a core is left to HTTP. */
export function faceWorkers(value: string | undefined, cores = availableParallelism()): number {
  if (value === undefined || value === '') return Math.max(1, cores - 1);
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > cores) throw new ConfigError(`FACE_WORKERS=${value} is not a number of threads from 1 to ${cores} (one per core at most)`);
  return n;
}

/** ANALYSIS_WORKERS: recording segments analysed at once, 0 (off) to one per core; default 1. */
export function analysisWorkers(value: string | undefined, cores = availableParallelism()): number {
  if (value === undefined || value === '') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > cores) throw new ConfigError(`ANALYSIS_WORKERS=${value} is not a number of workers from 0 (off) to ${cores} (one per core at most)`);
  return n;
}

/** Checks TRUSTED_PROXIES entries (addresses or CIDR ranges); answers the list, or throws saying which one is wrong. */
export function trustedProxies(raw: string | undefined): string[] {
  const entries = (raw ?? '').split(/[\s,]+/).filter(Boolean);
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (family === 0 || !okBits || extra !== undefined) throw new ConfigError(`TRUSTED_PROXIES: ${entry} is not an address or a CIDR range like 10.0.0.0/8`);
  }
  return entries;
}
