/**
 * One server process's face checking, for the job queue restart test (test/faces/job-restart.test.ts). Run with
 * `node --import tsx`; the role is the first argument, the database comes from the environment:
 *   crash  — a test-taker submits two face photos: the first one's check is claimed and its analysis never ends, the
 *            second waits in the queue (one check at a time); says so once both are in the queue, and the test kills us
 *   finish — checks what is due with the real analysis threads, waits until the job is done, prints what it saw
 *   again  — starts once more and prints what it saw (any analysis would be a second run of a done job)
 * DATA_DIR (PGlite in DATA_DIR/pglite, blobs in DATA_DIR/blobs), TEST_PG_URL + TEST_PG_SCHEMA (PostgreSQL instead),
 * LEASE_MS (how long a claim holds the job).
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Core } from '../../src/app/core/core.js';
import { FACE_CHECK_JOB, startFaceVerifier } from '../../src/app/faces/verifier.js';
import type { Actor } from '../../src/domain/core/decider.js';
import { ALL_EVENT_TYPES } from '../../src/domain/event-types.js';
import { sessionStreamId, type SessionEvent } from '../../src/domain/session/events.js';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import type { FaceAnalyzer } from '../../src/media/faces/analyzer.js';
import { FaceAnalysisPool } from '../../src/media/faces/pool.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { chainKeys } from '../../src/store/chain-keys.js';
import { JobQueue } from '../../src/store/job-queue.js';
import { SqlEventStore } from '../../src/store/sql-event-store.js';
import { openPGlite, openPostgres } from '../../src/store/sql.js';
import { TEST_EVENT_KEY } from './core.js';
import { mirrored, photo } from '../faces/photos.js';

const role = process.argv[2];
const dataDir = process.env.DATA_DIR!;
const leaseMs = Number(process.env.LEASE_MS ?? 1500);
const db = process.env.TEST_PG_URL
  ? await openPostgres(process.env.TEST_PG_URL, { schema: process.env.TEST_PG_SCHEMA, max: 4 })
  : await openPGlite({ dataDir: join(dataDir, 'pglite') });
const keys = chainKeys(TEST_EVENT_KEY);
const store = await SqlEventStore.open(db, { eventTypes: ALL_EVENT_TYPES, sealKey: keys.sealKey });
const runner = new ProjectionRunner(store, db, ALL_PROJECTIONS);
await runner.start();
const core = new Core(store, db, runner);
core.chainKeys = keys;
const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
const jobIds = [`${FACE_CHECK_JOB}:s1:photo-1`, `${FACE_CHECK_JOB}:s1:photo-2`];
const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function seen(): Promise<object> {
  const events = (await core.store.readStream(sessionStreamId('s1'))) as unknown as SessionEvent[];
  const queue = new JobQueue(db);
  return { checks: events.flatMap((e) => (e.type === 'FaceChecked' ? [e.data] : [])), jobs: await Promise.all(jobIds.map((id) => queue.get(id))) };
}

if (role === 'crash') {
  const admin: Actor = { id: 'admin', role: 'admin' };
  const ann: Actor = { id: 'ann', role: 'student' };
  const hanging: FaceAnalyzer = { analyze: () => new Promise(() => {}) };
  startFaceVerifier(core, blobs, { analyzer: hanging, queue: { leaseMs } });
  await core.session('s1', 'CreateSession', { sessionId: 's1', name: 'Exam', student: 'ann', durationMinutes: 60 }, admin);
  await core.session('s1', 'CheckIn', { userAgent: 'Chromium', browserSupported: true }, ann);
  for (const [n, image] of [photo.a, await mirrored(photo.a)].entries()) {
    const sha256 = createHash('sha256').update(image).digest('hex');
    await blobs.put(sha256, image);
    const fileId = `photo-${n + 1}`;
    await core.session('s1', 'StoreFile', { fileId, kind: 'face', name: 'face.jpg', contentType: 'image/jpeg', size: image.length, sha256 }, ann);
    await core.session('s1', 'SubmitIdentityPhoto', { photoId: fileId, kind: 'face' }, ann);
  }
  const queue = new JobQueue(db);
  for (;;) {
    const states = (await Promise.all(jobIds.map((id) => queue.get(id)))).map((job) => job?.state);
    if (states[0] === 'running' && states[1] === 'pending') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  say({ running: jobIds[0], pending: jobIds[1] });
  setInterval(() => {}, 60_000); // until killed
} else {
  const pool = new FaceAnalysisPool({ threads: 1 });
  let calls = 0;
  const counting: FaceAnalyzer = { analyze: (image) => (calls++, pool.analyze(image)) };
  const verifier = startFaceVerifier(core, blobs, { analyzer: counting, queue: { leaseMs } });
  const deadline = Date.now() + 90_000;
  // The crashed claim lapses after its lease: until then the job is not due, and idle() returns without it.
  const queue = new JobQueue(db);
  const done = async () => (await Promise.all(jobIds.map((id) => queue.get(id)))).every((job) => job?.state === 'done');
  while (role === 'finish' && !(await done()) && Date.now() < deadline) {
    await verifier.idle();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await verifier.idle();
  say({ ...(await seen()), analysed: calls });
  await verifier.stop();
  await pool.close();
  await core.close();
}
