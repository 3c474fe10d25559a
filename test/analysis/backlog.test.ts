import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisPriority, ANALYSIS_JOB, startRecordingAnalyser } from '../../src/app/analysis/recording-analyser.js';
import { analyseSegment } from '../../src/media/analysis/segment.js';
import { jobStatuses } from '../../src/store/job-queue.js';
import { sessionStreamId, type SessionEvent } from '../../src/domain/session/events.js';
import { FaceAnalysisPool } from '../../src/media/faces/pool.js';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { makeClip } from './clips.js';
import { serverBlobs, sessionInProgress, uploadSegment } from './session.js';

describe('the priority of a segment in the analysis queue', () => {
  const started = Date.parse('2026-03-01T09:00:07.250Z');
  it('is 1 for the segment that begins each minute of the exam, counted from its start, and 0 for the others', () => {
    const at = (s: number) => started + s * 1000;
    expect([0, 10, 20, 50, 60, 70, 119.9, 120].map((s) => analysisPriority(at(s), 10_000, started))).toEqual([1, 0, 0, 0, 1, 0, 0, 1]);
    // A recorder that began before the start (the exam page opened early) and segments of another length.
    expect(analysisPriority(at(-5), 10_000, started)).toBe(0);
    expect(analysisPriority(at(54), 10_000, started)).toBe(0);
    expect(analysisPriority(at(61), 2_000, started)).toBe(1);
    expect(analysisPriority(at(62), 2_000, started)).toBe(0);
    expect(analysisPriority(at(30), 10 * 60_000, started)).toBe(1); // longer than a minute: each one begins a minute
  });
  it('counts minutes of the clock when the exam\'s start is not known', () => {
    expect(analysisPriority(Date.parse('2026-03-01T09:01:03Z'), 10_000)).toBe(1);
    expect(analysisPriority(Date.parse('2026-03-01T09:01:13Z'), 10_000)).toBe(0);
  });
});

describe('when the analysis is behind', () => {
  let api: TestApi;
  const pool = new FaceAnalysisPool({ threads: 1 });

  beforeAll(async () => {
    api = await startTestApi();
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await pool.close();
  });

  it('analyses the segment that begins each minute of the exam before the others, and then the others', async () => {
    // Given two minutes of camera segments stored while no analysis ran (a backlog),
    await sessionInProgress(api, 'backlog', ['c2', 't1']);
    const { session } = await api.as('proctor1', `{ session(id: "backlog") { startedAt } }`);
    const startedAt = Date.parse(session.startedAt);
    const clip = await makeClip({ picture: 'black', seconds: 1, sound: 'none' });
    for (let seq = 0; seq < 12; seq++) await uploadSegment(api, 'backlog', seq, new Date(startedAt + seq * 10_000), clip, 'camera', 10);
    // when one worker takes them up,
    const analyser = startRecordingAnalyser(api.core, await serverBlobs(api), { analyzer: pool, workers: 1 });
    try {
      await analyser.idle();
    } finally {
      await analyser.stop();
    }
    // then it analysed the first segment of each minute first, and every one in the end.
    const events = (await api.core.store.readStream(sessionStreamId('backlog'))) as unknown as SessionEvent[];
    const order = events.flatMap((e) => (e.type === 'RecordingAnalysed' ? [e.data.seq] : []));
    expect(order.slice(0, 2).sort((a, b) => a - b)).toEqual([0, 6]);
    expect([...order].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  }, 180_000);

  it('puts a live segment that begins a minute ahead of those stored before it', async () => {
    // Given a worker busy with the first segment while the exam records on,
    await api.createSession('live-backlog', { metrics: ['c2', 't1'], student: 'student2' });
    await api.as('student2', `mutation { checkIn(id: "live-backlog", userAgent: "Chromium") { id } }`);
    await api.as('student2', `mutation { startSession(id: "live-backlog") { id } }`);
    const { session } = await api.as('proctor1', `{ session(id: "live-backlog") { startedAt } }`);
    const startedAt = Date.parse(session.startedAt);
    const clip = await makeClip({ picture: 'black', seconds: 1, sound: 'none' });
    let release!: () => void;
    const busy = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const analyser = startRecordingAnalyser(api.core, await serverBlobs(api), {
      analyzer: pool,
      workers: 1,
      analyse: async (webm, options) => {
        if (calls++ === 0) await busy;
        return analyseSegment(webm, options);
      },
    });
    const upload = (seq: number) => uploadSegment(api, 'live-backlog', seq, new Date(startedAt + seq * 10_000), clip, 'camera', 10, 'student2');
    try {
      await upload(0);
      await eventually(async () => calls === 1, 30_000);
      // when the segments of the first minute and the one beginning the second are stored meanwhile,
      for (let seq = 1; seq <= 6; seq++) await upload(seq);
      await eventually(async () => {
        const analyses = (await jobStatuses(api.core.db)).find((j) => j.kind === ANALYSIS_JOB);
        return analyses?.pending === 6 && analyses.running === 1;
      }, 30_000);
      release();
      await analyser.idle();
    } finally {
      release();
      await analyser.stop();
    }
    // then the one beginning the second minute came right after the first.
    const events = (await api.core.store.readStream(sessionStreamId('live-backlog'))) as unknown as SessionEvent[];
    expect(events.flatMap((e) => (e.type === 'RecordingAnalysed' ? [e.data.seq] : []))).toEqual([0, 6, 1, 2, 3, 4, 5]);
  }, 180_000);
});
