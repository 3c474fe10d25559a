import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYSIS_JOB, startRecordingAnalyser } from '../../src/app/analysis/recording-analyser.js';
import { sessionStreamId, type SessionEvent } from '../../src/domain/session/events.js';
import type { BlobStore } from '../../src/media/blob-store.js';
import { FaceAnalysisPool } from '../../src/media/faces/pool.js';
import { JobQueue } from '../../src/store/job-queue.js';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { makeClip } from './clips.js';
import { serverBlobs, sessionInProgress, uploadSegment } from './session.js';

const LEASE_MS = 1000;

describe('when the analysis stops after claiming a segment', () => {
  let api: TestApi;
  let blobs: BlobStore;
  const pool = new FaceAnalysisPool({ threads: 1 });

  beforeAll(async () => {
    api = await startTestApi();
    blobs = await serverBlobs(api);
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await pool.close();
  });

  it('loses no segment: a new worker finishes the claimed one and the one stored meanwhile, each once', async () => {
    const queue = new JobQueue(api.core.db);
    const job = (seq: number) => `${ANALYSIS_JOB}:restart:camera:${seq}`;
    // Given a worker whose analysis never ends (a process about to die), holding segment 0.
    let claimed = 0;
    const dying = startRecordingAnalyser(api.core, blobs, { analyse: () => (claimed++, new Promise(() => {})), queue: { leaseMs: LEASE_MS } });
    const start = await sessionInProgress(api, 'restart', ['c2', 't1']);
    const clip = await makeClip({ picture: 'black', seconds: 3, sound: 'none' });
    await uploadSegment(api, 'restart', 0, start, clip, 'camera', 3);
    await eventually(async () => claimed === 1 && (await queue.get(job(0)))?.state === 'running', 30_000);
    // When it stops (its run cut short, never completed) and a segment is stored while no worker runs,
    await dying.stop(0);
    await uploadSegment(api, 'restart', 1, new Date(start.getTime() + 3000), clip, 'camera', 3);
    // then a new worker takes over the lapsed claim and the new segment.
    const next = startRecordingAnalyser(api.core, blobs, { analyzer: pool, queue: { leaseMs: LEASE_MS } });
    try {
      await eventually(async () => {
        await next.idle();
        const jobs = await Promise.all([queue.get(job(0)), queue.get(job(1))]);
        return jobs.every((j) => j?.state === 'done');
      }, 60_000);
      const events = (await api.core.store.readStream(sessionStreamId('restart'))) as unknown as SessionEvent[];
      const analysed = events.flatMap((e) => (e.type === 'RecordingAnalysed' ? [e.data] : []));
      expect(analysed.map((a) => a.seq).sort()).toEqual([0, 1]);
      expect(analysed.every((a) => a.skipped === null && a.seconds.length === 3 && a.seconds.every((s) => s.dark))).toBe(true);
      expect(claimed).toBe(1);
      expect(await queue.get(job(0))).toMatchObject({ state: 'done', attempts: 2 });
    } finally {
      await next.stop();
    }
  }, 180_000);
});
