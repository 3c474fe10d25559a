import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type StoreKind = 'pglite' | 'postgres' | 'kurrentdb';

/** Everything the server reads from its environment, with defaults that need nothing installed. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly store: StoreKind;
  readonly databaseUrl: string | null;
  readonly kurrentDbUrl: string | null;
  readonly dataDir: string;
  readonly jwtSecret: string;
  readonly production: boolean;
  readonly demoPassword: string;
  readonly publicUrl: string;
  readonly logLevel: string;
  readonly media: 'p2p' | 'janus';
  /** MEDIA=janus: JANUS_URL to use a running Janus, else JANUS_BINARY is started on 127.0.0.1:JANUS_PORT (src/media/janus). */
  readonly janus?: JanusConfig;
  /** Face verification distances (FACE_MATCH_THRESHOLD for 1:1, FACE_SIMILAR_THRESHOLD for 1:N); unset: the tuned defaults. */
  readonly faces?: { readonly matchThreshold?: number; readonly similarThreshold?: number };
  /** STUN/TURN servers handed to browsers (ICE_SERVERS, JSON as in RTCConfiguration.iceServers). */
  readonly iceServers: ReadonlyArray<{ urls: string | string[]; username?: string; credential?: string }>;
}

export interface JanusConfig {
  readonly url: string | null;
  readonly binary: string;
  readonly port: number;
  readonly publicIp: string | null;
  readonly rtpPortRange: string;
  readonly segmentMs: number;
}

function janusConfig(env: NodeJS.ProcessEnv): JanusConfig {
  const port = Number(env.JANUS_PORT ?? 8188);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`JANUS_PORT=${env.JANUS_PORT} is not a port number`);
  const segmentSeconds = Number(env.JANUS_SEGMENT_SECONDS ?? 10);
  if (!(segmentSeconds >= 2 && segmentSeconds <= 300)) throw new Error('JANUS_SEGMENT_SECONDS must be from 2 to 300');
  return {
    url: env.JANUS_URL || null,
    binary: env.JANUS_BINARY || 'janus',
    port,
    publicIp: env.JANUS_PUBLIC_IP || null,
    rtpPortRange: env.JANUS_RTP_PORTS || '20000-40000',
    segmentMs: segmentSeconds * 1000,
  };
}

function iceServers(raw: string | undefined): Config['iceServers'] {
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('ICE_SERVERS is not JSON: give a list like [{"urls":"turn:turn.example.edu:3478","username":"u","credential":"p"}]');
  }
  const ok = Array.isArray(parsed) && parsed.every((s) => s && (typeof s.urls === 'string' || (Array.isArray(s.urls) && s.urls.every((u: unknown) => typeof u === 'string'))));
  if (!ok) throw new Error('ICE_SERVERS must be a list of { urls, username?, credential? }');
  return parsed as Config['iceServers'];
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === '') return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`${name}=${value} is not one of ${allowed.join(', ')}`);
  return value as T;
}

/** The JWT secret: JWT_SECRET, else one generated on first start and kept in the data directory. */
function jwtSecret(env: NodeJS.ProcessEnv, dataDir: string): string {
  if (env.JWT_SECRET) {
    if (env.JWT_SECRET.length < 32) throw new Error('JWT_SECRET must be at least 32 characters long');
    return env.JWT_SECRET;
  }
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT=${env.PORT} is not a port number`);
  const store = oneOf('STORE', env.STORE, ['pglite', 'postgres', 'kurrentdb'] as const, 'pglite');
  const databaseUrl = env.DATABASE_URL || null;
  if (store === 'postgres' && !databaseUrl) throw new Error('STORE=postgres needs DATABASE_URL');
  const kurrentDbUrl = env.KURRENTDB_URL || null;
  if (store === 'kurrentdb' && !kurrentDbUrl) throw new Error('STORE=kurrentdb needs KURRENTDB_URL');
  const dataDir = resolve(env.DATA_DIR ?? 'data');
  const host = env.HOST ?? '127.0.0.1';
  return {
    port,
    host,
    store,
    databaseUrl,
    kurrentDbUrl,
    dataDir,
    jwtSecret: jwtSecret(env, dataDir),
    production: env.NODE_ENV === 'production',
    demoPassword: env.DEMO_PASSWORD ?? 'demo',
    publicUrl: (env.PUBLIC_URL ?? `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`).replace(/\/$/, ''),
    logLevel: env.LOG_LEVEL ?? 'info',
    media: oneOf('MEDIA', env.MEDIA, ['p2p', 'janus'] as const, 'p2p'),
    janus: janusConfig(env),
    iceServers: iceServers(env.ICE_SERVERS),
    faces: { matchThreshold: distance('FACE_MATCH_THRESHOLD', env.FACE_MATCH_THRESHOLD), similarThreshold: distance('FACE_SIMILAR_THRESHOLD', env.FACE_SIMILAR_THRESHOLD) },
  };
}

/** A face descriptor distance threshold: between 0 and 2 (Euclidean distance of unit-length 128-D descriptors). */
function distance(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n >= 2) throw new Error(`${name}=${value} is not a distance between 0 and 2 (the default 1:1 is 0.5, 1:N 0.4)`);
  return n;
}
