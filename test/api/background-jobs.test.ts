import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue } from '../../src/store/job-queue.js';
import { startTestApi, type TestApi } from '../support/api.js';

const QUERY = `{ backgroundJobs { kind pending running failed oldestPendingAt } }`;

describe('the background work an operator watches (backgroundJobs)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('counts each kind\'s jobs waiting, running and failed, and says since when the oldest waits', async () => {
    // Given analyses queued behind one running and one given up (as a node falling behind leaves them),
    const first = new Date('2026-03-01T09:00:00Z');
    const queue = new JobQueue(api.core.db, { maxAttempts: 1, clock: () => first });
    await queue.enqueue(['a', 'b', 'c', 'd'].map((id) => ({ id: `bj-${id}`, kind: 'recording-analysis', payload: {} })));
    const [running, broken] = await queue.claim('recording-analysis', 2);
    await queue.fail(broken, 'undecodable');
    await new JobQueue(api.core.db, { clock: () => new Date('2026-03-01T09:05:00Z') }).enqueue([{ id: 'bj-e', kind: 'recording-analysis', payload: {} }]);
    expect(running).toBeDefined();
    // when an administrator and an auditor look,
    for (const who of ['admin', 'auditor1']) {
      const { backgroundJobs } = await api.as(who, QUERY);
      // then they see three waiting since the first was added, one running and one failed.
      expect(backgroundJobs.filter((j: { kind: string }) => j.kind === 'recording-analysis')).toEqual([
        { kind: 'recording-analysis', pending: 3, running: 1, failed: 1, oldestPendingAt: first.toISOString() },
      ]);
    }
  });

  it('is refused to a proctor and a test-taker', async () => {
    for (const who of ['proctor1', 'student1']) expect(await api.errorCode(who, QUERY)).toBe('FORBIDDEN');
  });
});
