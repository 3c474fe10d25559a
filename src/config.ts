import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { blobStoreConfig, type BlobStoreSettings } from './media/blob-config.js';
import { analysisWorkers, ConfigError, faceWorkers, masterKey, trustedProxies } from './config-checks.js';

export { ConfigError, trustedProxies } from './config-checks.js';

export type StoreKind = 'pglite' | 'postgres' | 'kurrentdb';

/** What one user may take of the system; each has an environment variable (README, "Running in production"). */
export interface Limits {
  /** Failed sign-ins from one address, across usernames, per 10 minutes (LOGIN_FAILURES_PER_IP). */
  readonly loginFailuresPerIp: number;
  /** Subscriptions one graphql-ws connection may hold at once (SUBSCRIPTIONS_PER_SOCKET). */
  readonly subscriptionsPerSocket: number;
  /** Largest recording segment (RECORDING_SEGMENT_MAX_MB). */
  readonly segmentBytes: number;
  /** Recording one session may store in all (RECORDING_QUOTA_MB). */
  readonly recordingQuotaBytes: number;
  /** Largest chat attachment or identity photo (FILE_MAX_MB). */
  readonly fileBytes: number;
  /** Files one session may store in all (FILE_QUOTA_MB). */
  readonly fileQuotaBytes: number;
  /** Network tests one user may run per minute (SPEEDTESTS_PER_MINUTE). */
  readonly speedTestsPerMinute: number;
}

export const DEFAULT_LIMITS: Limits = {
  loginFailuresPerIp: 50,
  subscriptionsPerSocket: 50,
  segmentBytes: 32 * 1024 * 1024,
  recordingQuotaBytes: 4 * 1024 * 1024 * 1024,
  fileBytes: 10 * 1024 * 1024,
  fileQuotaBytes: 200 * 1024 * 1024,
  speedTestsPerMinute: 6,
};

/** Everything the server reads from its environment, with defaults that need nothing installed. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly store: StoreKind;
  readonly databaseUrl: string | null;
  readonly kurrentDbUrl: string | null;
  readonly dataDir: string;
  readonly jwtSecret: string;
  /** The secret the event chain's seal and checkpoint keys derive from (EVENT_KEY; generated and kept in DATA_DIR when unset). */
  readonly eventKey: string;
  readonly production: boolean;
  readonly demoPassword: string;
  readonly publicUrl: string;
  readonly logLevel: string;
  readonly media: 'p2p' | 'janus';
  /** MEDIA=janus: JANUS_URL to use running Janus instances (comma-separated), else JANUS_BINARY is started on 127.0.0.1:JANUS_PORT (src/media/janus). */
  readonly janus?: JanusConfig;
  /** Face verification distances (FACE_MATCH_THRESHOLD for 1:1, FACE_SIMILAR_THRESHOLD for 1:N); unset: the tuned defaults. */
  readonly faces?: { readonly matchThreshold?: number; readonly similarThreshold?: number };
  /** STORE=pglite: PGlite on a worker thread of its own (default), or on the main thread with PGLITE_THREAD=main. */
  readonly pgliteThread?: 'worker' | 'main';
  /** STUN/TURN servers handed to browsers (ICE_SERVERS, JSON as in RTCConfiguration.iceServers). */
  readonly iceServers: ReadonlyArray<{ urls: string | string[]; username?: string; credential?: string }>;
  readonly limits: Limits;
  /** Who may put the web client in a frame (FRAME_ANCESTORS: the LMS origins, space-separated; default only ourselves). */
  readonly frameAncestors: readonly string[];
  /** Load balancers whose X-Forwarded-For names the client (TRUSTED_PROXIES: addresses or CIDR ranges; none: trust none). */
  readonly trustedProxies?: readonly string[];
  /** The first administrator, created once on an empty store (ADMIN_USERNAME, ADMIN_PASSWORD). */
  readonly firstAdmin: { readonly username: string; readonly password: string } | null;
  /** Face analysis threads (FACE_WORKERS: 1 to the number of cores; default one core less, at least one). */
  readonly faceWorkers?: number;
  /** Recording segments analysed at once on the server (ANALYSIS_WORKERS: 0 turns the analysis off; default 1). */
  readonly analysisWorkers?: number;
  /** Where file contents live (BLOB_STORE=local|s3 and the S3_* variables; unset: DATA_DIR/blobs). */
  readonly blobs?: BlobStoreSettings;
  /**
   * The key that wraps each session's media key (MASTER_KEY, 32 bytes in base64; outside production generated once and
   * kept in DATA_DIR/master-key). Unset (tests only): media is stored unencrypted.
   */
  readonly masterKey?: Buffer;
  /** Where the master key came from, for the start-up log line. */
  readonly masterKeySource?: 'env' | 'file' | 'generated';
}

export interface JanusConfig {
  /** JANUS_URL, comma-separated: the Janus instances to use (rooms are spread over them); empty: start our own. */
  readonly urls: readonly string[];
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
  const urls = (env.JANUS_URL ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  for (const url of urls) if (!/^wss?:\/\/[^\s/]+/.test(url)) throw new Error(`JANUS_URL: ${url} is not a ws:// or wss:// address`);
  if (new Set(urls).size !== urls.length) throw new Error('JANUS_URL names the same Janus twice');
  return {
    urls,
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

/**
 * Secrets that appear in our examples and in other projects' docs: a server started with one signs tokens anyone can
 * forge. Production refuses them (and anything built from "change me").
 */
const PLACEHOLDERS = [
  'change-me-to-48-random-characters-change-me-please', 'test-secret-test-secret-test-secret-0001', 'secret', 'changeme', 'change-me',
  'your-secret-key', 'your_jwt_secret', 'jwt-secret', 'supersecret', 'mysecret', 'development', 'placeholder',
];

/** Why a JWT secret is unsafe, or null. */
export function unsafeSecret(secret: string): string | null {
  if (Buffer.byteLength(secret, 'utf8') < 32) return 'it is shorter than 32 bytes';
  const lower = secret.toLowerCase();
  if (PLACEHOLDERS.includes(lower) || /change.?me|placeholder|example|not.?secret/.test(lower)) return 'it is a placeholder from an example';
  if (new Set(secret).size < 8) return 'it repeats too few characters';
  return null;
}

/**
 * EVENT_KEY, else one generated on first start and kept in the data directory (several nodes must share one: set it).
 * Unlike the JWT secret it must never change: the seals and checkpoints already stored were made with it.
 */
function eventKey(env: NodeJS.ProcessEnv, dataDir: string): string {
  if (env.EVENT_KEY) {
    if (Buffer.byteLength(env.EVENT_KEY) < 32) throw new ConfigError('EVENT_KEY must be at least 32 bytes long');
    return env.EVENT_KEY;
  }
  const file = join(dataDir, 'event-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(48).toString('base64url');
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}


/** The JWT secret: JWT_SECRET, else (not in production) one generated on first start and kept in the data directory. */
function jwtSecret(env: NodeJS.ProcessEnv, dataDir: string, production: boolean): string {
  if (production) {
    if (!env.JWT_SECRET) throw new ConfigError('NODE_ENV=production needs JWT_SECRET: at least 32 random bytes, e.g. `openssl rand -base64 48`');
    const unsafe = unsafeSecret(env.JWT_SECRET);
    if (unsafe) throw new ConfigError(`JWT_SECRET cannot be used in production: ${unsafe}. Make one with \`openssl rand -base64 48\``);
    return env.JWT_SECRET;
  }
  if (env.JWT_SECRET) {
    if (env.JWT_SECRET.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters long');
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
  const production = env.NODE_ENV === 'production';
  const firstAdmin = env.ADMIN_USERNAME || env.ADMIN_PASSWORD ? { username: env.ADMIN_USERNAME ?? '', password: env.ADMIN_PASSWORD ?? '' } : null;
  if (firstAdmin && (!firstAdmin.username || !firstAdmin.password)) throw new ConfigError('set both ADMIN_USERNAME and ADMIN_PASSWORD, or neither');
  return {
    port,
    host,
    store,
    databaseUrl,
    kurrentDbUrl,
    dataDir,
    jwtSecret: jwtSecret(env, dataDir, production),
    eventKey: eventKey(env, dataDir),
    ...masterKey(env, dataDir, production),
    production,
    demoPassword: env.DEMO_PASSWORD ?? 'demo',
    publicUrl: (env.PUBLIC_URL ?? `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`).replace(/\/$/, ''),
    logLevel: env.LOG_LEVEL ?? 'info',
    media: oneOf('MEDIA', env.MEDIA, ['p2p', 'janus'] as const, 'p2p'),
    janus: janusConfig(env),
    iceServers: iceServers(env.ICE_SERVERS),
    limits: limits(env),
    frameAncestors: frameAncestors(env.FRAME_ANCESTORS),
    trustedProxies: trustedProxies(env.TRUSTED_PROXIES),
    firstAdmin,
    blobs: blobStoreConfig(env),
    faceWorkers: faceWorkers(env.FACE_WORKERS),
    analysisWorkers: analysisWorkers(env.ANALYSIS_WORKERS),
    pgliteThread: oneOf('PGLITE_THREAD', env.PGLITE_THREAD, ['worker', 'main'] as const, 'worker'),
    faces: { matchThreshold: distance('FACE_MATCH_THRESHOLD', env.FACE_MATCH_THRESHOLD), similarThreshold: distance('FACE_SIMILAR_THRESHOLD', env.FACE_SIMILAR_THRESHOLD) },
  };
}

function limits(env: NodeJS.ProcessEnv): Limits {
  const count = (name: string, fallback: number) => positive(name, env[name], fallback);
  const mb = (name: string, fallback: number) => positive(name, env[name], fallback / 1024 / 1024) * 1024 * 1024;
  return {
    loginFailuresPerIp: count('LOGIN_FAILURES_PER_IP', DEFAULT_LIMITS.loginFailuresPerIp),
    subscriptionsPerSocket: count('SUBSCRIPTIONS_PER_SOCKET', DEFAULT_LIMITS.subscriptionsPerSocket),
    segmentBytes: mb('RECORDING_SEGMENT_MAX_MB', DEFAULT_LIMITS.segmentBytes),
    recordingQuotaBytes: mb('RECORDING_QUOTA_MB', DEFAULT_LIMITS.recordingQuotaBytes),
    fileBytes: mb('FILE_MAX_MB', DEFAULT_LIMITS.fileBytes),
    fileQuotaBytes: mb('FILE_QUOTA_MB', DEFAULT_LIMITS.fileQuotaBytes),
    speedTestsPerMinute: count('SPEEDTESTS_PER_MINUTE', DEFAULT_LIMITS.speedTestsPerMinute),
  };
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name}=${value} is not a positive number`);
  return n;
}

/** CSP frame-ancestors sources: 'self' plus each origin given (https://lms.example.edu …). */
function frameAncestors(raw: string | undefined): string[] {
  const origins = (raw ?? '').split(/[\s,]+/).filter(Boolean);
  for (const o of origins) {
    if (o !== "'self'" && o !== "'none'" && !/^https?:\/\/[A-Za-z0-9.*:[\]-]+$/.test(o)) {
      throw new ConfigError(`FRAME_ANCESTORS: ${o} is not an origin like https://lms.example.edu`);
    }
  }
  return origins.includes("'none'") ? ["'none'"] : ["'self'", ...origins.filter((o) => o !== "'self'")];
}

/** A face descriptor distance threshold: between 0 and 2 (Euclidean distance of unit-length 128-D descriptors). */
function distance(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n >= 2) throw new Error(`${name}=${value} is not a distance between 0 and 2 (the default 1:1 is 0.5, 1:N 0.4)`);
  return n;
}

