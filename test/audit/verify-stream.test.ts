import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainCheckpointer } from '../../src/app/chain/checkpointer.js';
import { checkpointSignedText } from '../../src/domain/chain/spec.mjs';
import { eventHash } from '../../src/store/validate.js';
import { startTestApi, type TestApi } from '../support/api.js';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '../../scripts/verify-stream.mjs');
type Line = Record<string, any>;

/**
 * The outside auditor's check: a stream exported over HTTP, verified by the standalone script in a separate Node
 * process (no server, no database), untouched and after each kind of tampering.
 */
describe('the standalone verifier of an exported stream', () => {
  let api: TestApi;
  let dir: string;
  let exported: Line[];
  let publicKey: string;

  /** Runs the script on `lines` as a file; answers its exit status and what it printed. */
  const verify = async (lines: Line[], args: string[] = ['--key', publicKey], command: string[] = ['node', SCRIPT]) => {
    const file = join(dir, `${Math.random().toString(36).slice(2)}.jsonl`);
    writeFileSync(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const [bin, ...pre] = command;
    try {
      const { stdout } = await run(bin, [...pre, file, ...args], { cwd: join(import.meta.dirname, '../..') });
      return { code: 0, out: stdout.trim() };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: `${e.stdout}${e.stderr}`.trim() };
    }
  };
  const copy = () => structuredClone(exported);
  const events = (lines: Line[]) => lines.filter((l) => l.kind === 'event');
  /** Recomputes every hash from `from` on, as someone rewriting the stream without our signing key would. */
  const rehash = (lines: Line[], from: number) => {
    const evs = events(lines);
    for (let i = from; i < evs.length; i++) {
      evs[i].prevHash = i === 0 ? null : evs[i - 1].hash;
      evs[i].hash = eventHash({ ...evs[i], recordedAt: new Date(evs[i].recordedAt) } as never);
    }
    return lines;
  };

  beforeAll(async () => {
    api = await startTestApi();
    dir = mkdtempSync(join(tmpdir(), 'verify-stream-'));
    const checkpointer = new ChainCheckpointer(api.core, api.core.chainKeys!, { intervalMs: 3_600_000 });
    await checkpointer.start();
    await api.createSession('offline-1');
    await api.as('student1', `mutation { checkIn(id: "offline-1", userAgent: "Chromium 156") { id } }`);
    await api.as('proctor1', `mutation { addNote(sessionId: "offline-1", text: "looked away, then back") { id } }`);
    await api.as('proctor1', `mutation { addNote(sessionId: "offline-1", text: "ünïcödé ✓ \\"quoted\\"") { id } }`);
    await checkpointer.checkpoint();
    await checkpointer.stop();
    await api.core.runner.waitForEvent((await api.core.store.readAll({ limit: 10_000 })).at(-1)!.id, 25_000);
    const res = await fetch(`${api.server.url}/audit/sessions/offline-1/stream.jsonl`, { headers: { authorization: `Bearer ${await api.login('auditor1')}` } });
    exported = (await res.text()).trimEnd().split('\n').map((l) => JSON.parse(l));
    publicKey = api.core.chainKeys!.publicKeyBase64;
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts the stream as exported, with our key pinned or with the key in the file', async () => {
    expect(await verify(exported)).toMatchObject({ code: 0, out: expect.stringMatching(/^OK session-offline-1: 4 events, chain intact; version 3 signed on .* by key [0-9a-f]{16}$/) });
    expect((await verify(exported, [])).out).toContain('the key in the file');
  });

  it('runs through npx from the repository (the package\'s bin)', async () => {
    expect(await verify(exported, ['--key', publicKey], ['npx', '--offline', 'proctor-verify-stream'])).toMatchObject({ code: 0, out: expect.stringMatching(/^OK /) });
  });

  it('rejects an edited event at that event', async () => {
    const lines = copy();
    events(lines)[2].data.text = 'nothing happened';
    expect(await verify(lines)).toEqual({ code: 1, out: 'BAD at version 2 (hash): its content does not match its hash: the event was edited' });
  });

  it('rejects a removed event where the gap is', async () => {
    const lines = copy();
    lines.splice(2, 1); // version 1
    expect(await verify(lines)).toMatchObject({ code: 1, out: expect.stringContaining('BAD at version 2 (version): expected version 1, found 2') });
  });

  it('rejects reordered events', async () => {
    const lines = copy();
    [lines[2], lines[3]] = [lines[3], lines[2]];
    expect(await verify(lines)).toMatchObject({ code: 1, out: expect.stringContaining('(version): expected version 1, found 2') });
  });

  it('rejects a stream whose last events were cut off, and a file cut short', async () => {
    const lines = copy();
    lines.splice(-2, 1); // the last event, version 3, which the checkpoint signed
    expect(await verify(lines)).toMatchObject({ code: 1, out: expect.stringContaining('BAD at version 3 (truncated): the stream ends at version 2') });
    expect(await verify(copy().slice(0, -1))).toMatchObject({ code: 1, out: expect.stringContaining('(truncated)') });
  });

  it('rejects a stream rewritten with recomputed hashes at the signed head', async () => {
    const lines = copy();
    events(lines)[2].data.text = 'nothing happened';
    expect(await verify(rehash(lines, 2))).toEqual({ code: 1, out: 'BAD at version 3 (anchor): version 3 is not the event that was signed: the stream was rewritten' });
  });

  it('rejects a rewrite whose checkpoint was edited to match, or re-signed with another key', async () => {
    const edited = copy();
    events(edited)[3].data.text = 'nothing happened';
    const lines = rehash(edited, 3);
    const checkpoint = lines.at(-1)!;
    const newHead = events(lines)[3].hash;
    checkpoint.hash = newHead;
    checkpoint.heads = checkpoint.heads.map((h: Line) => (h.stream === 'session-offline-1' ? { ...h, hash: newHead } : h));
    expect(await verify(lines)).toMatchObject({ code: 1, out: expect.stringContaining('(signature): the checkpoint\'s signature does not verify') });
    // A thorough forger signs with a key of their own and puts it in the file: only our pinned key tells.
    const forger = generateKeyPairSync('ed25519');
    const forgerRaw = forger.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    checkpoint.keyId = createHash('sha256').update(forgerRaw).digest('hex').slice(0, 16);
    checkpoint.signature = sign(null, Buffer.from(checkpointSignedText(checkpoint as never)), forger.privateKey).toString('base64');
    lines[0].publicKey = forgerRaw.toString('base64');
    expect(await verify(lines)).toMatchObject({ code: 1, out: expect.stringContaining(`(signature): the checkpoint names key ${checkpoint.keyId}, not ${api.core.chainKeys!.keyId}`) });
    expect((await verify(lines, [])).out).toContain(`by key ${checkpoint.keyId} (the key in the file`);
  });

  it('says what it could not read, without a stack trace', async () => {
    expect(await verify([{ kind: 'something else' }])).toEqual({ code: 2, out: expect.stringContaining('the first line is not a proctor-stream/1 header') });
    expect(await verify(exported, ['--key', 'short'])).toEqual({ code: 2, out: 'the public key is not 32 bytes of base64' });
  });
});
