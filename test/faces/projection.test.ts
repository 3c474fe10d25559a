import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Actor } from '../../src/domain/core/decider.js';
import { profileDecider, profileStreamId, type ProfileCommand } from '../../src/domain/profile/profile.js';
import { DescriptorIndex } from '../../src/projections/faces/descriptor-index.js';
import { getFaceReference, pendingFacePhotos, searchSimilarSql } from '../../src/projections/faces/projection.js';
import { handleCommand } from '../../src/store/handle-command.js';
import type { Sql } from '../../src/store/sql.js';
import { dumpReadModels, openPostgresTestDb, openTestCore, openTestDb, type TestCore } from '../support/core.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';

// Face analysis is CPU-bound: on two cores shared with the browser tests a check can take seconds.
vi.setConfig({ testTimeout: 120_000 });

const system: Actor = { id: 'system', role: 'system' };
const admin: Actor = { id: 'admin', role: 'admin' };
const student: Actor = { id: 'student1', role: 'student' };

let seed = 11;
const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
const face = () => Array.from({ length: 128 }, () => Math.round((rnd() - 0.5) * 0.2 * 1e6) / 1e6);
const near = (d: readonly number[], spread: number) => d.map((x) => Math.round((x + (rnd() - 0.5) * spread) * 1e6) / 1e6);

let n = 0;
async function profile(core: TestCore, type: ProfileCommand['type'], data: Record<string, unknown>, actor: Actor = system) {
  n += 1;
  const command = { type, data, metadata: { now: core.now(), actor, commandId: `profile-${n}` } } as ProfileCommand;
  return handleCommand(core.store, profileDecider, profileStreamId(String(data.username)), command);
}

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, () => Promise<Sql>]> = [
  ['on PGlite', true, () => openTestDb()],
  ['on PostgreSQL', Boolean(url), () => openPostgresTestDb(url!)],
];

for (const [engine, available, openDb] of ENGINES) describeWithServer(`the faces read model ${engine}`, available, NO_POSTGRES_REASON, () => {
  let core: TestCore;
  beforeEach(async () => {
    core = await openTestCore(await openDb());
  });
  afterEach(async () => {
    await core.close();
  });

  describe('when profiles get reference faces', () => {
    const ann = face();
    const others = Array.from({ length: 12 }, face);
    beforeEach(async () => {
      await profile(core, 'SetProfileReference', { username: 'Ann', photoId: 'p-ann', descriptor: ann, replace: false });
      for (const [i, d] of others.entries()) await profile(core, 'SetProfileReference', { username: `user${i}`, photoId: `p${i}`, descriptor: d, replace: false });
      await profile(core, 'SetProfileReference', { username: 'twin', photoId: 'p-twin', descriptor: near(ann, 0.03), replace: false });
      await core.runner.catchUp();
    });

    it('keeps each descriptor, found by username in any case', async () => {
      const ref = await getFaceReference(core.sql, 'ann');
      expect(ref).toMatchObject({ username: 'Ann', photoId: 'p-ann' });
      ref!.descriptor.forEach((x, i) => expect(x).toBeCloseTo(ann[i], 6));
      expect(await getFaceReference(core.sql, 'nobody')).toBeNull();
    });

    it('searches 1:N in SQL with the same answer as the in-memory index', async () => {
      const index = new DescriptorIndex();
      await index.load(core.sql, 5); // several pages
      expect(index.size).toBe(14);
      const probe = near(ann, 0.02);
      for (const threshold of [0.2, 0.6, 0.9]) {
        const sql = await searchSimilarSql(core.sql, probe, threshold, { exclude: ['user3'], limit: 50 });
        const mem = index.search(probe, threshold, { exclude: ['user3'], limit: 50 });
        expect(sql.map((h) => h.username)).toEqual(mem.map((h) => h.username));
        sql.forEach((h, i) => expect(h.distance).toBeCloseTo(mem[i].distance, 5));
      }
      expect((await searchSimilarSql(core.sql, probe, 0.3, { exclude: ['ANN'] })).map((h) => h.username)).toEqual(['twin']);
    });

    it('drops a cleared reference and takes an admin replacement', async () => {
      await profile(core, 'ClearProfileReference', { username: 'twin', reason: 'duplicate account' }, admin);
      const replacement = face();
      await profile(core, 'SetProfileReference', { username: 'ann', photoId: 'p-new', descriptor: replacement, replace: true }, admin);
      await core.runner.catchUp();
      expect(await getFaceReference(core.sql, 'twin')).toBeNull();
      expect(await getFaceReference(core.sql, 'ann')).toMatchObject({ photoId: 'p-new' });
      expect(await searchSimilarSql(core.sql, ann, 0.3)).toEqual([]);
    });

    it('rebuilds from the events to exactly the same rows', async () => {
      await profile(core, 'ClearProfileReference', { username: 'user5', reason: 'left' }, admin);
      await core.runner.catchUp();
      const live = await dumpReadModels(core.sql);
      await core.runner.rebuild();
      expect(await dumpReadModels(core.sql)).toEqual(live);
    });
  });

  describe('when identity photos are submitted', () => {
    it('lists them as pending until their face check is recorded', async () => {
      await core.session('s1', 'CreateSession', { sessionId: 's1', name: 'Exam', student: 'student1', durationMinutes: 60 }, admin);
      await core.session('s1', 'CheckIn', { userAgent: 'x', browserSupported: true }, student);
      for (const [fileId, kind] of [['f1', 'face'], ['f2', 'document']] as const) {
        await core.session('s1', 'StoreFile', { fileId, kind, name: `${kind}.jpg`, contentType: 'image/jpeg', size: 10, sha256: 'a'.repeat(64) }, student);
      }
      await core.session('s1', 'SubmitIdentityPhoto', { photoId: 'f1', kind: 'face' }, student);
      core.advance(1);
      await core.session('s1', 'SubmitIdentityPhoto', { photoId: 'f2', kind: 'document' }, student);
      await core.runner.catchUp();
      expect(await pendingFacePhotos(core.sql)).toEqual([
        { sessionId: 's1', photoId: 'f1', kind: 'face' },
        { sessionId: 's1', photoId: 'f2', kind: 'document' },
      ]);
      await core.session('s1', 'RecordFaceCheck', { photoId: 'f1', result: 'green', distance: 0.2 }, system);
      await core.runner.catchUp();
      expect(await pendingFacePhotos(core.sql)).toEqual([{ sessionId: 's1', photoId: 'f2', kind: 'document' }]);
    });
  });
});
