/**
 * What sealing an uploaded recording segment costs the thread that serves HTTP: `npx tsx bench/load/sealing.ts
 * [--segments 300] [--kbps 400] [--concurrency 8]` stages segments of a 10 s recording at the load benchmark's byte
 * rate (arriving in 64 KB chunks, as a socket hands them over) into a local blob store the way the sealed store does
 * (hash and check the plaintext, seal it record by record, hash and write the ciphertext), several at once, both on
 * this thread (as it was) and on the sealing thread (as the sealed store does now), and prints for each the main
 * thread's CPU per segment and per MB, the whole process's, and the wall time.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalBlobStore, measured } from '../../src/media/blob-store.js';
import { sealStream } from '../../src/media/sealed/seal.js';
import { sealThread } from '../../src/media/sealed/seal-thread.js';
import { serverCpu } from './proc.js';

const { values } = parseArgs({ options: { segments: { type: 'string', default: '300' }, kbps: { type: 'string', default: '400' }, concurrency: { type: 'string', default: '8' } } });
const SEGMENTS = Number(values.segments);
const BYTES = Math.round((Number(values.kbps) * 1000 * 10) / 8);
const CHUNK = 64 * 1024;

async function* arriving(content: Buffer): AsyncGenerator<Buffer> {
  // Each chunk a buffer of its own, as an IncomingMessage yields them.
  for (let at = 0; at < content.length; at += CHUNK) yield Buffer.from(content.subarray(at, at + CHUNK));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sealing-'));
  const store = new LocalBlobStore(dir);
  const key = randomBytes(32);
  const aad = Buffer.from('session-blob:bench');
  const content = randomBytes(BYTES);
  const here = async () => {
    const plain = measured(arriving(content), { maxBytes: BYTES + 1, observe: () => {} });
    const staged = await store.stage(sealStream(key, aad, plain.chunks), { maxBytes: BYTES * 2 });
    plain.result();
    await staged.discard();
  };
  const threaded = async () => {
    const { file } = await sealThread().stage(store.staging.dir, key, aad, arriving(content), { maxBytes: BYTES + 1, observe: () => {} });
    await store.staging.adopt(file).discard();
  };
  for (const [label, one] of [['this thread', here], ['sealing thread', threaded]] as const) {
    for (let k = 0; k < 20; k++) await one(); // warm up
    const cpu0 = serverCpu(process.pid);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: Number(values.concurrency) }, async () => {
      while (next++ < SEGMENTS) await one();
    }));
    const wall = performance.now() - t0;
    const cpu = serverCpu(process.pid);
    const main = cpu.mainThreadMs - cpu0.mainThreadMs;
    const mb = (SEGMENTS * BYTES) / 1e6;
    console.log(`${label.padEnd(14)} ${SEGMENTS} segments of ${(BYTES / 1000).toFixed(0)} kB: main thread ${(main / SEGMENTS).toFixed(2)} ms/segment (${(main / mb).toFixed(2)} ms/MB), ` +
      `process ${((cpu.processMs - cpu0.processMs) / SEGMENTS).toFixed(2)} ms/segment, wall ${(wall / 1000).toFixed(1)} s; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  }
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
