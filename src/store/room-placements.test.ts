import { afterEach, beforeEach, expect, it } from 'vitest';
import { openTestDb } from '../../test/support/core.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl, uniqueSchema } from '../../test/support/servers.js';
import { RoomPlacements } from './room-placements.js';
import { openPostgres, type Sql } from './sql.js';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, () => Promise<Sql[]>]> = [
  ['on PGlite', true, async () => [await openTestDb()]],
  ['on PostgreSQL, two nodes', Boolean(url), async () => {
    const schema = uniqueSchema('rooms');
    const first = await openPostgres(url!, { schema, max: 4 });
    return [first, await openPostgres(url!, { schema, max: 4 })];
  }],
];

const J1 = 'ws://janus1:8188';
const J2 = 'ws://janus2:8188';
const J3 = 'ws://janus3:8188';

for (const [engine, available, open] of ENGINES) {
  describeWithServer(`the media rooms' placements ${engine}`, available, NO_POSTGRES_REASON, () => {
    let dbs: Sql[];
    let a: RoomPlacements;
    let b: RoomPlacements;

    beforeEach(async () => {
      dbs = await open();
      a = await RoomPlacements.open(dbs[0]);
      b = await RoomPlacements.open(dbs.at(-1)!);
    });
    afterEach(async () => {
      for (const db of dbs) await db.close();
    });

    it('places each new room on the least loaded instance, and keeps a placed room where it is', async () => {
      expect(await a.place('s1', [J1, J2])).toBe(J1);
      expect(await b.place('s2', [J1, J2])).toBe(J2);
      expect(await a.place('s3', [J1, J2])).toBe(J1);
      expect(await b.place('s4', [J1, J2, J3])).toBe(J3);
      expect(await b.place('s1', [J1, J2, J3])).toBe(J1); // placed: stays, though J3 has fewer
      expect(await a.load()).toEqual({ [J1]: 2, [J2]: 1, [J3]: 1 });
      expect(await b.of('s2')).toBe(J2);
      expect(await b.of('nowhere')).toBeNull();
    });

    it('agrees on one instance when two nodes place the same room at once', async () => {
      await a.place('busy', [J1]); // J1 has one room: each node alone would pick J2 for the next
      const rooms = Array.from({ length: 10 }, (_, i) => `r${i}`);
      const placed = await Promise.all(rooms.flatMap((room) => [a.place(room, [J1, J2]), b.place(room, [J2, J1])]));
      for (let i = 0; i < rooms.length; i++) {
        expect(placed[2 * i + 1], rooms[i]).toBe(placed[2 * i]);
        expect(await a.of(rooms[i])).toBe(placed[2 * i]);
      }
    });

    it('moves a room off an instance the placing node cannot reach, to the least loaded of those it can', async () => {
      expect(await a.place('s1', [J1, J2, J3])).toBe(J1);
      expect(await a.place('s2', [J1, J2, J3])).toBe(J2);
      // J1 died: the next publish of s1 comes through a node that sees J2 and J3 only.
      expect(await b.place('s1', [J2, J3])).toBe(J3);
      expect(await a.of('s1')).toBe(J3);
      expect(await a.place('s1', [J1, J2, J3])).toBe(J3); // J1 back: the room stays where it moved
    });

    it('stops counting a room once its session ended', async () => {
      await a.place('s1', [J1, J2]);
      await a.place('s2', [J1, J2]);
      await b.forget('s1');
      await b.forget('s1'); // every node forgets it: once is enough
      expect(await a.of('s1')).toBeNull();
      expect(await a.load()).toEqual({ [J2]: 1 });
      expect(await a.place('s3', [J1, J2])).toBe(J1);
    });

    it('refuses to place a room when no instance is reachable', async () => {
      await expect(a.place('s1', [])).rejects.toThrow(/no media server/);
    });
  });
}
