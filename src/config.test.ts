import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
