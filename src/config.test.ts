import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('the configuration', () => {
  const dataDir = () => mkdtempSync(join(tmpdir(), 'config-'));

  it('runs on embedded defaults and keeps a generated JWT secret in the data directory', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', store: 'pglite', media: 'p2p', production: false, iceServers: [], publicUrl: 'http://127.0.0.1:3000' });
    expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(dir, 'jwt-secret'), 'utf8')).toBe(config.jwtSecret);
    expect(loadConfig({ DATA_DIR: dir }).jwtSecret).toBe(config.jwtSecret); // the same after a restart
  });

  it('outside production generates a media master key once, keeps it in the data directory and says where it came from', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir });
    expect(first.masterKeySource).toBe('generated');
    expect(first.masterKey).toHaveLength(32);
    expect(Buffer.from(readFileSync(join(dir, 'master-key'), 'utf8'), 'base64')).toEqual(first.masterKey);
    const again = loadConfig({ DATA_DIR: dir });
    expect(again).toMatchObject({ masterKey: first.masterKey, masterKeySource: 'file' });
    const given = Buffer.alloc(32, 1);
    expect(loadConfig({ DATA_DIR: dir, MASTER_KEY: given.toString('base64') })).toMatchObject({ masterKey: given, masterKeySource: 'env' });
  });

  it('runs face analysis on one thread per core at most, leaving one core by default (FACE_WORKERS)', () => {
    const DATA_DIR = dataDir();
    const cores = availableParallelism();
    expect(loadConfig({ DATA_DIR }).faceWorkers).toBe(Math.max(1, cores - 1));
    expect(loadConfig({ DATA_DIR, FACE_WORKERS: '1' }).faceWorkers).toBe(1);
    expect(loadConfig({ DATA_DIR, FACE_WORKERS: String(cores) }).faceWorkers).toBe(cores);
    for (const bad of ['0', String(cores + 1), '1.5', 'many']) {
      expect(() => loadConfig({ DATA_DIR, FACE_WORKERS: bad })).toThrow(`FACE_WORKERS=${bad} is not a number of threads from 1 to ${cores} (one per core at most)`);
    }
  });

  it('takes several Janus instances from JANUS_URL, comma-separated, and refuses what is not one', () => {
    const DATA_DIR = mkdtempSync(join(tmpdir(), 'proctor-config-'));
    expect(loadConfig({ DATA_DIR }).janus?.urls).toEqual([]);
    expect(loadConfig({ DATA_DIR, JANUS_URL: 'ws://janus1:8188, ws://janus2:8188' }).janus?.urls).toEqual(['ws://janus1:8188', 'ws://janus2:8188']);
    expect(() => loadConfig({ DATA_DIR, JANUS_URL: 'http://janus1:8188' })).toThrow(/JANUS_URL: http:\/\/janus1:8188 is not a ws:\/\/ or wss:\/\/ address/);
    expect(() => loadConfig({ DATA_DIR, JANUS_URL: 'ws://a:1,ws://a:1' })).toThrow(/the same Janus twice/);
  });

  it('says what is wrong with a bad setting', () => {
    const DATA_DIR = dataDir();
    expect(() => loadConfig({ DATA_DIR, PORT: 'eighty' })).toThrow(/PORT=eighty/);
    expect(() => loadConfig({ DATA_DIR, STORE: 'mysql' })).toThrow(/STORE=mysql is not one of pglite, postgres, kurrentdb/);
    expect(() => loadConfig({ DATA_DIR, STORE: 'postgres' })).toThrow(/needs DATABASE_URL/);
    expect(() => loadConfig({ DATA_DIR, JWT_SECRET: 'short' })).toThrow(/32 characters/);
    expect(() => loadConfig({ DATA_DIR, ICE_SERVERS: '{nope' })).toThrow(/ICE_SERVERS is not JSON/);
    expect(() => loadConfig({ DATA_DIR, ICE_SERVERS: '[{"url":"x"}]' })).toThrow(/urls/);
  });

  it('reads the face verification thresholds, and refuses distances that cannot be', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).faces).toEqual({ matchThreshold: undefined, similarThreshold: undefined });
    expect(loadConfig({ DATA_DIR: dataDir(), FACE_MATCH_THRESHOLD: '0.45', FACE_SIMILAR_THRESHOLD: '0.35' }).faces).toEqual({ matchThreshold: 0.45, similarThreshold: 0.35 });
    expect(() => loadConfig({ DATA_DIR: dataDir(), FACE_MATCH_THRESHOLD: 'strict' })).toThrow(/FACE_MATCH_THRESHOLD=strict is not a distance/);
    expect(() => loadConfig({ DATA_DIR: dataDir(), FACE_SIMILAR_THRESHOLD: '3' })).toThrow(/between 0 and 2/);
  });

  it('reads TURN servers for real networks', () => {
    const config = loadConfig({ DATA_DIR: dataDir(), ICE_SERVERS: '[{"urls":["turn:t.example:3478"],"username":"u","credential":"p"}]' });
    expect(config.iceServers).toEqual([{ urls: ['turn:t.example:3478'], username: 'u', credential: 'p' }]);
  });
});

describe('the configuration in production', () => {
  const DATA_DIR = mkdtempSync(join(tmpdir(), 'config-prod-'));
  const MASTER_KEY = Buffer.alloc(32, 9).toString('base64');
  const production = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'production', DATA_DIR, MASTER_KEY, ...env });

  it('refuses to start without MASTER_KEY, or with one that is not 32 bytes, saying how to make one', () => {
    const good = { NODE_ENV: 'production', DATA_DIR, JWT_SECRET: 'k3Jd9-Vq7xLm2Rt8Wz4Bn6Yc1Hf5Gs0Pe9Ua3Io7Kl2' };
    expect(() => loadConfig(good)).toThrow(/needs MASTER_KEY .*openssl rand -base64 32/);
    expect(() => loadConfig({ ...good, MASTER_KEY: 'c2hvcnQ=' })).toThrow(/MASTER_KEY must be 32 bytes/);
    expect(production({ JWT_SECRET: good.JWT_SECRET }).masterKey).toEqual(Buffer.alloc(32, 9));
  });

  it('needs a JWT secret of 32 bytes or more that is not a known placeholder', () => {
    expect(() => production({})).toThrow(/needs JWT_SECRET/);
    expect(() => production({ JWT_SECRET: 'x'.repeat(20) })).toThrow(/shorter than 32 bytes/);
    expect(() => production({ JWT_SECRET: 'change-me-to-48-random-characters-change-me-please' })).toThrow(/placeholder/);
    expect(() => production({ JWT_SECRET: 'a'.repeat(40) })).toThrow(/too few characters/);
    expect(production({ JWT_SECRET: 'k3Jd9-Vq7xLm2Rt8Wz4Bn6Yc1Hf5Gs0Pe9Ua3Io7Kl2' }).jwtSecret).toBe('k3Jd9-Vq7xLm2Rt8Wz4Bn6Yc1Hf5Gs0Pe9Ua3Io7Kl2');
  });

  it('reads the first administrator, the frame ancestors and the limits', () => {
    const config = production({
      JWT_SECRET: 'k3Jd9-Vq7xLm2Rt8Wz4Bn6Yc1Hf5Gs0Pe9Ua3Io7Kl2', ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'a long password',
      FRAME_ANCESTORS: 'https://moodle.example.edu https://canvas.example.edu', RECORDING_QUOTA_MB: '512', SUBSCRIPTIONS_PER_SOCKET: '20',
    });
    expect(config.firstAdmin).toEqual({ username: 'root', password: 'a long password' });
    expect(config.frameAncestors).toEqual(["'self'", 'https://moodle.example.edu', 'https://canvas.example.edu']);
    expect(config.limits).toMatchObject({ recordingQuotaBytes: 512 * 1024 * 1024, subscriptionsPerSocket: 20 });
    expect(() => production({ JWT_SECRET: 'k3Jd9-Vq7xLm2Rt8Wz4Bn6Yc1Hf5Gs0Pe9Ua3Io7Kl2', ADMIN_USERNAME: 'root' })).toThrow(/ADMIN_PASSWORD/);
    expect(() => loadConfig({ DATA_DIR, FRAME_ANCESTORS: 'javascript:alert(1)' })).toThrow(/not an origin/);
    expect(() => loadConfig({ DATA_DIR, RECORDING_QUOTA_MB: '-3' })).toThrow(/not a positive number/);
  });
});
