import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, serverBuildIsCurrent } from '../scripts/build-server.mjs';
import { eventually } from './support/api.js';

const photo = readFileSync(join(process.cwd(), 'test/fixtures/faces/person-a.jpg'));

/**
 * A tree where tsx cannot be found: dist/ and web/ linked in, and every installed package but tsx. Run with
 * --preserve-symlinks, modules resolve their imports from here, so a module or worker thread that still needed tsx
 * would fail to start instead of quietly loading it.
 */
function treeWithoutTsx(dir: string): string {
  const root = process.cwd();
  for (const entry of ['dist', 'web']) symlinkSync(join(root, entry), join(dir, entry));
  mkdirSync(join(dir, 'node_modules'));
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name !== 'tsx' && name !== '.bin') symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name));
  }
  return dir;
}

/** `npm start`'s server process (plain node on dist/main.js) in development mode: the demo on embedded PGlite. */
function startCompiled(tree: string, dataDir: string): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', join(tree, 'dist', 'main.js')], {
    env: { ...process.env, NODE_ENV: 'development', NODE_OPTIONS: '', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', FACE_WORKERS: '1' },
    cwd: tree,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the compiled server exited with code ${code}:\n${output}`)));
    child.stdout!.on('data', () => {
      const match = /Proctoring is running: (http:\/\/\S+)/.exec(output);
      if (match) resolve({ child, url: match[1], output: () => output });
    });
  });
}

describe('the compiled server (npm start)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'proctor-compiled-'));
  const tree = mkdtempSync(join(tmpdir(), 'proctor-no-tsx-'));
  let server: Awaited<ReturnType<typeof startCompiled>>;

  beforeAll(async () => {
    buildServer();
    server = await startCompiled(treeWithoutTsx(tree), dataDir);
  }, 300_000);
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      const exited = new Promise((resolve) => server.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tree, { recursive: true, force: true }); // the links, not what they point to
  });

  async function gql<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: T; errors?: unknown[] };
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return body.data!;
  }
  const login = async (username: string) =>
    (await gql<{ login: { token: string } }>('mutation($u: String!) { login(username: $u, password: "demo") { token } }', { u: username })).login.token;

  it('is plain JavaScript next to its sources, and starts where tsx cannot be found', () => {
    expect(serverBuildIsCurrent()).toBe(true);
    for (const entry of ['main.js', 'store/pglite-thread-worker.js', 'media/faces/analysis-worker.js', 'domain/chain/spec.mjs', 'app/accounts/common-passwords.txt']) {
      expect(statSync(join('dist', entry)).isFile(), entry).toBe(true);
    }
    expect(() => createRequire(join(tree, 'dist', 'main.js')).resolve('tsx')).toThrow(/Cannot find module/);
  });

  it('answers GraphQL from its embedded database, which runs on its own worker thread', async () => {
    const token = await login('admin');
    const { me } = await gql<{ me: { username: string; role: string } }>('{ me { username role } }', {}, token);
    expect(me).toEqual({ username: 'admin', role: 'admin' });
  });

  it('checks a face photo on a face analysis thread started from the compiled module', async () => {
    const admin = await login('admin');
    const student = await login('student1');
    await gql('mutation($input: CreateSessionInput!) { createSession(input: $input) { id } }', {
      input: { id: 'compiled-1', name: 'Exam compiled-1', student: 'student1', proctor: 'proctor1', duration: 60, metrics: ['b2', 'c2', 'm2'] },
    }, admin);
    await gql('mutation { checkIn(id: "compiled-1", userAgent: "ua") { id } }', {}, student);
    const query = new URLSearchParams({ sessionId: 'compiled-1', kind: 'face', name: 'face.jpg' });
    const up = await fetch(`${server.url}/files?${query}`, { method: 'POST', headers: { authorization: `Bearer ${student}` }, body: new Uint8Array(photo) });
    expect(up.status).toBe(201);
    const { fileId } = (await up.json()) as { fileId: string };
    await gql('mutation($p: String!) { submitIdentityPhoto(id: "compiled-1", photoId: $p, kind: "face") { id } }', { p: fileId }, student);
    const proctor = await login('proctor1');
    // The thread loads tfjs and the models on its first photo: seconds on a busy machine.
    const check = await eventually(async () => {
      const { session } = await gql<{ session: { faces: Array<{ photoId: string; result: string }> } }>(
        'query { session(id: "compiled-1") { faces { photoId result } } }', {}, proctor);
      return session.faces.find((f) => f.photoId === fileId);
    }, 120_000);
    expect(check.result).toBe('green');
    expect(server.output()).not.toMatch(/face analysis thread stopped|ERR_UNKNOWN_FILE_EXTENSION/);
  }, 180_000);

  it('is rebuilt when a source is newer than the last build', () => {
    const source = join('src', 'main.ts');
    const { atime, mtime } = statSync(source);
    try {
      utimesSync(source, atime, new Date(Date.now() + 60_000));
      expect(serverBuildIsCurrent()).toBe(false);
    } finally {
      utimesSync(source, atime, mtime);
    }
    expect(serverBuildIsCurrent()).toBe(true);
  });
});
