import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobRunner } from '../app/jobs/job-runner.js';
import { openTestDb } from '../../test/support/core.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl, uniqueSchema } from '../../test/support/servers.js';
import { JobQueue, jobStatuses, type ClaimedJob } from './job-queue.js';
import { openPostgres, type Sql } from './sql.js';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, () => Promise<Sql>]> = [
  ['on PGlite', true, () => openTestDb()],
  ['on PostgreSQL', Boolean(url), () => openPostgres(url!, { schema: uniqueSchema('jobs'), max: 4 })],
];

for (const [engine, available, open] of ENGINES) {
  describeWithServer(`the job queue ${engine}`, available, NO_POSTGRES_REASON, () => {
    let db: Sql;
    let now: Date;
    const clock = () => now;
    const later = (ms: number) => (now = new Date(now.getTime() + ms));
    const queue = (owner: string, maxAttempts = 3) => new JobQueue(db, { owner, clock, leaseMs: 60_000, maxAttempts, backoffMs: (n) => n * 1000 });

    beforeEach(async () => {
      db = await open();
      now = new Date('2026-03-01T09:00:00Z');
    });
    afterEach(async () => {
      await db.close();
    });

    it('enqueues a job once and gives it to one claim, which completes it for good', async () => {
      const a = queue('a');
      expect(await a.enqueue([{ id: 'j1', kind: 'k', payload: { n: 1 } }])).toBe(1);
      expect(await a.enqueue([{ id: 'j1', kind: 'k', payload: { n: 2 } }])).toBe(0);
      const [job] = await a.claim<{ n: number }>('k', 5);
      expect(job).toMatchObject({ id: 'j1', payload: { n: 1 }, attempt: 1, maxAttempts: 3 });
      expect(await queue('b').claim('k', 5)).toEqual([]);
      expect(await a.claim('other-kind', 5)).toEqual([]);
      expect(await a.complete(job)).toBe(true);
      expect(await a.enqueue([{ id: 'j1', kind: 'k', payload: {} }])).toBe(0);
      later(3_600_000);
      expect(await queue('b').claim('k', 5)).toEqual([]);
      expect(await a.get('j1')).toEqual({ id: 'j1', state: 'done', attempts: 1, lastError: null });
    });

    it('tries a failed job again after its back-off, and gives up after the last attempt with its error', async () => {
      const a = queue('a');
      await a.enqueue([{ id: 'j1', kind: 'k', payload: {} }]);
      for (const attempt of [1, 2, 3]) {
        const [job] = await a.claim('k', 1);
        expect(job.attempt).toBe(attempt);
        expect(await a.fail(job, `broken ${attempt}`)).toBe(attempt < 3 ? 'retry' : 'failed');
        expect(await a.claim('k', 1)).toEqual([]); // waiting out its back-off
        later(attempt * 1000);
      }
      later(3_600_000);
      expect(await a.claim('k', 1)).toEqual([]);
      expect(await a.get('j1')).toEqual({ id: 'j1', state: 'failed', attempts: 3, lastError: 'broken 3' });
    });

    it('gives a job whose worker died to another once the lease lapses, and the dead claim cannot complete it', async () => {
      const dead = queue('dead');
      const alive = queue('alive');
      await dead.enqueue([{ id: 'j1', kind: 'k', payload: {} }]);
      const [first] = await dead.claim('k', 1);
      later(59_000);
      expect(await alive.claim('k', 1)).toEqual([]);
      later(1_000);
      const [second] = await alive.claim('k', 1);
      expect(second).toMatchObject({ id: 'j1', attempt: 2 });
      expect(await dead.complete(first)).toBe(false);
      expect(await dead.fail(first, 'late')).toBeNull();
      expect(await alive.complete(second)).toBe(true);
      expect((await alive.get('j1'))?.state).toBe('done');
    });

    it('gives up a job that crashed its worker on every attempt', async () => {
      const q = queue('q', 2);
      await q.enqueue([{ id: 'poison', kind: 'k', payload: {} }]);
      expect(await q.claim('k', 1)).toHaveLength(1);
      later(60_000);
      expect(await q.claim('k', 1)).toMatchObject([{ attempt: 2 }]);
      later(60_000);
      expect(await q.claim('k', 1)).toEqual([]);
      expect(await q.get('poison')).toEqual({ id: 'poison', state: 'failed', attempts: 2, lastError: 'its worker stopped before finishing, 2 times' });
    });

    it('enqueues a batch, counting only the new jobs, and claims the higher priority first, then the oldest', async () => {
      const q = queue('q');
      expect(await q.enqueue([{ id: 'low-1', kind: 'k', payload: { n: 1 } }])).toBe(1);
      later(1000);
      expect(await q.enqueue([
        { id: 'low-1', kind: 'k', payload: { n: 99 } }, // already there: kept as it was
        { id: 'high-2', kind: 'k', payload: { n: 2 }, priority: 1 },
        { id: 'low-3', kind: 'k', payload: { n: 3 } },
        { id: 'other', kind: 'k2', payload: { n: 4 }, priority: 5 },
      ])).toBe(3);
      later(1000);
      await q.enqueue([{ id: 'high-5', kind: 'k', payload: { n: 5 }, priority: 1 }]);
      const waiting = async () => (await jobStatuses(db)).find((j) => j.kind === 'k')!;
      expect(await waiting()).toMatchObject({ pending: 4, running: 0 });
      const order: string[] = [];
      for (let job = (await q.claim('k', 1))[0]; job; job = (await q.claim('k', 1))[0]) order.push(job.id);
      expect(order).toEqual(['high-2', 'high-5', 'low-1', 'low-3']);
      expect(await q.claim<{ n: number }>('k2', 5)).toMatchObject([{ id: 'other', payload: { n: 4 } }]);
      expect(await waiting()).toMatchObject({ pending: 0, running: 4 }); // claimed, still running
    });

    it('deletes the jobs of its kind completed before the cutoff, and keeps failed, unfinished and recent ones', async () => {
      const q = queue('q', 1);
      await q.enqueue([{ id: 'old', kind: 'k', payload: {} }, { id: 'failed', kind: 'k', payload: {} }, { id: 'old-other-kind', kind: 'k2', payload: {} }]);
      const claimed = new Map((await q.claim('k', 10)).map((j) => [j.id, j]));
      expect(await q.complete(claimed.get('old')!)).toBe(true);
      expect(await q.fail(claimed.get('failed')!, 'broken')).toBe('failed');
      await q.complete((await q.claim('k2', 1))[0]);
      later(10_000);
      await q.enqueue([{ id: 'recent', kind: 'k', payload: {} }, { id: 'unfinished', kind: 'k', payload: {} }]);
      const now2 = new Map((await q.claim('k', 10)).map((j) => [j.id, j]));
      expect(await q.complete(now2.get('recent')!)).toBe(true);
      expect(await q.prune('k', new Date(now.getTime() - 5_000))).toBe(1);
      expect(await q.get('old')).toBeNull();
      expect((await q.get('failed'))?.state).toBe('failed');
      expect((await q.get('recent'))?.state).toBe('done');
      expect((await q.get('unfinished'))?.state).toBe('running');
      expect((await q.get('old-other-kind'))?.state).toBe('done');
    });

    it('reports no kinds before any job was queued (no table yet), then each kind with work not done', async () => {
      expect(await jobStatuses(db)).toEqual([]);
      const q = queue('q');
      await q.enqueue([{ id: 'j1', kind: 'k', payload: {} }, { id: 'j2', kind: 'k', payload: {} }]);
      await q.complete((await q.claim('k', 1))[0]);
      expect(await jobStatuses(db)).toEqual([{ kind: 'k', pending: 1, running: 0, failed: 0, oldestPendingAt: now }]);
    });

    it('adds priorities to a table made before them, keeping its jobs', async () => {
      await db.exec(`CREATE TABLE jobs (id text PRIMARY KEY, kind text NOT NULL, payload jsonb NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')), attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL, run_after timestamptz NOT NULL, owner text, locked_until timestamptz, last_error text,
        created_at timestamptz NOT NULL, finished_at timestamptz);
        CREATE INDEX jobs_ready ON jobs (kind, run_after) WHERE state IN ('pending', 'running');
        INSERT INTO jobs (id, kind, payload, state, max_attempts, run_after, created_at) VALUES ('before', 'k', '{}', 'pending', 3, '2026-02-28T09:00:00Z', '2026-02-28T09:00:00Z');`);
      const q = queue('q');
      await q.enqueue([{ id: 'after', kind: 'k', payload: {}, priority: 1 }]);
      expect((await q.claim('k', 1)).map((j) => j.id)).toEqual(['after']);
      expect((await q.claim('k', 1)).map((j) => j.id)).toEqual(['before']);
    });

    it('prunes old completed jobs as its runner starts, after keepDoneMs', async () => {
      const q = queue('q');
      const runner = (keepDoneMs: number) => new JobRunner(q, 'k', async () => {}, { keepDoneMs, clock });
      const first = runner(60_000);
      await first.start();
      await q.enqueue([{ id: 'j1', kind: 'k', payload: {} }]);
      await first.idle();
      await first.stop();
      expect((await q.get('j1'))?.state).toBe('done');
      later(61_000);
      const second = runner(60_000);
      await second.start();
      await vi.waitFor(async () => expect(await q.get('j1')).toBeNull());
      await second.stop();
    });

    it('runs each job once through a runner woken by the enqueue, and reports idle when none is due', async () => {
      const q = new JobQueue(db);
      const ran: string[] = [];
      const runner = new JobRunner<{ n: number }>(q, 'k', async (job) => {
        ran.push(job.id);
        if (job.payload.n === 3 && job.attempt === 1) throw new Error('first run of 3 fails');
      }, { concurrency: 2 });
      await runner.start();
      await q.enqueue([1, 2, 3, 4, 5].map((n) => ({ id: `j${n}`, kind: 'k', payload: { n } })));
      await runner.idle();
      await runner.stop();
      expect([...ran].sort()).toEqual(['j1', 'j2', 'j3', 'j4', 'j5']); // j3's retry waits out its back-off
      expect((await q.get('j3'))?.state).toBe('pending');
      expect((await q.get('j5'))?.state).toBe('done');
    });
  });
}

describeWithServer('concurrent workers on PostgreSQL', Boolean(url), NO_POSTGRES_REASON, () => {
  const pools: Sql[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  it('never run one job twice: three nodes, four runs at a time each, 300 jobs', async () => {
    const schema = uniqueSchema('jobs_race');
    for (let i = 0; i < 3; i++) pools.push(await openPostgres(url!, { schema, max: 5 }));
    const queues = pools.map((db, i) => new JobQueue(db, { owner: `node-${i}` }));
    await queues[0].enqueue(Array.from({ length: 300 }, (_, n) => ({ id: `job-${n}`, kind: 'race', payload: { n } })));
    const runs = new Map<string, string[]>();
    const runners = queues.map((q, i) => new JobRunner(q, 'race', async (job: ClaimedJob) => {
      runs.set(job.id, [...(runs.get(job.id) ?? []), `node-${i}`]);
      await new Promise((resolve) => setImmediate(resolve)); // let the other nodes claim meanwhile
    }, { concurrency: 4 }));
    await Promise.all(runners.map((r) => r.start()));
    await Promise.all(runners.map((r) => r.idle()));
    await Promise.all(runners.map((r) => r.stop()));
    expect(runs.size).toBe(300);
    expect([...runs.values()].filter((nodes) => nodes.length !== 1)).toEqual([]);
    const [{ done }] = await pools[0].query<{ done: number }>(`SELECT count(*)::int AS done FROM jobs WHERE state = 'done' AND attempts = 1`);
    expect(done).toBe(300);
  }, 180_000); // 900-odd statements over 15 connections: seconds alone, much longer beside other suites on two cores
});
