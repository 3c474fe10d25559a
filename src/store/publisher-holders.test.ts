import { afterEach, beforeEach, expect, it } from 'vitest';
import { openTestDb } from '../../test/support/core.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl, uniqueSchema } from '../../test/support/servers.js';
import { PublisherHolders } from './publisher-holders.js';
import { nodeInstanceName, openPostgres, type Sql } from './sql.js';

const url = testPostgresUrl();
/** A node that is not connected: the name of a process that died. */
const GONE = 'proctor gone-host 4242 dead00#1';

describeWithServer('who holds each publisher, on PostgreSQL with two live nodes and one gone', Boolean(url), NO_POSTGRES_REASON, () => {
  let dbs: Sql[];
  let a: PublisherHolders;
  let b: PublisherHolders;
  let gone: PublisherHolders;
  const sorted = <T extends { room: string; track: string }>(xs: T[]) => [...xs].sort((x, y) => `${x.room}/${x.track}`.localeCompare(`${y.room}/${y.track}`));
  /** Moves the clock of the records back, as if `seconds` had passed. */
  const later = (seconds: number) => dbs[0].query(
    `UPDATE media_publisher_holders SET lost_at = lost_at - make_interval(secs => $1), told_at = told_at - make_interval(secs => $1)`, [seconds],
  );

  beforeEach(async () => {
    const schema = uniqueSchema('holders');
    dbs = [await openPostgres(url!, { schema, max: 3 }), await openPostgres(url!, { schema, max: 3 })];
    a = await PublisherHolders.open(dbs[0], nodeInstanceName());
    b = await PublisherHolders.open(dbs[1], nodeInstanceName());
    gone = await PublisherHolders.open(dbs[0], GONE);
  });
  afterEach(async () => {
    for (const db of dbs) await db.close();
  });

  it('answers the publishers of a node that is gone, each to one node only, and none of a live node', async () => {
    await gone.hold('s1', 'camera');
    await gone.hold('s1', 'screen');
    await a.hold('s2', 'camera');
    await b.hold('s3', 'camera');
    const [fromA, fromB] = await Promise.all([a.orphans(), b.orphans()]);
    expect(sorted([...fromA, ...fromB])).toEqual([{ room: 's1', track: 'camera' }, { room: 's1', track: 'screen' }]);
    // Told just now: not again at once.
    expect([...(await a.orphans()), ...(await b.orphans())]).toEqual([]);
  });

  it('tells again every few seconds until the page publishes anew on a live node, for half a minute', async () => {
    await gone.hold('s1', 'camera');
    await gone.hold('s1', 'screen');
    expect(await a.orphans()).toHaveLength(2);
    await later(6);
    expect(sorted(await b.orphans())).toEqual([{ room: 's1', track: 'camera' }, { room: 's1', track: 'screen' }]);
    await b.hold('s1', 'camera'); // the page published its camera again, through b
    await later(6);
    expect(await a.orphans()).toEqual([{ room: 's1', track: 'screen' }]);
    await later(30); // lost 42 s ago: told no more
    expect(await a.orphans()).toEqual([]);
    const [{ n }] = await dbs[0].query<{ n: number }>(`SELECT count(*)::int AS n FROM media_publisher_holders WHERE room = 's1'`);
    expect(n).toBe(2);
    await later(600); // and forgotten after ten minutes (kept till then for the gap's mark, should the page come back)
    expect(await a.orphans()).toEqual([]);
    const rows = await dbs[0].query<{ room: string; track: string; node: string }>(`SELECT room, track, node FROM media_publisher_holders`);
    expect(rows.map((r) => `${r.room}/${r.track}`)).toEqual(['s1/camera']);
  });

  it('gives the node that holds a publisher next the cut of the one before: when and why (a gap in the recording)', async () => {
    await gone.hold('s1', 'camera');
    await a.hold('s2', 'camera');
    await a.hold('s3', 'camera');
    expect(await b.orphans()).toEqual([{ room: 's1', track: 'camera' }]);
    await a.lose('s2', 'camera', 'its Janus went away');
    const before = Date.now();
    const [fromGone, fromJanus, plain, again] = [await b.hold('s1', 'camera'), await b.hold('s2', 'camera'), await b.hold('s3', 'camera'), await b.hold('s1', 'camera')];
    expect(fromGone?.reason).toMatch(/app node holding the publisher stopped/);
    expect(fromJanus?.reason).toBe('its Janus went away');
    for (const cut of [fromGone!, fromJanus!]) expect(Math.abs(cut.since.getTime() - before)).toBeLessThan(60_000);
    expect(plain).toBeNull(); // taken over from a node that still holds it: no cut
    expect(again).toBeNull(); // said once
    // Another node's publisher is not this one's to say cut.
    await a.lose('s3', 'camera', 'not mine'); // b holds it
    expect(await a.hold('s3', 'camera')).toBeNull();
  });

  it('lets a node release only what it holds, and forgets a closed room whoever held it', async () => {
    await a.hold('s1', 'camera');
    await b.hold('s1', 'camera'); // taken over by b (the page published again through it)
    await a.release('s1', 'camera'); // a hears its old publisher hang up: b's record stays
    const holders = async () => (await dbs[0].query<{ node: string }>(`SELECT node FROM media_publisher_holders WHERE room = 's1'`)).map((r) => r.node);
    expect(await holders()).toHaveLength(1);
    await gone.hold('s1', 'screen');
    await a.forget('s1');
    expect(await holders()).toEqual([]);
    expect(await a.orphans()).toEqual([]);
  });
});

describeWithServer('who holds each publisher, on PGlite', true, '', () => {
  it('keeps the cuts for the next publisher, and tells nobody: there is one node', async () => {
    const db = await openTestDb();
    try {
      const holders = await PublisherHolders.open(db, nodeInstanceName());
      await holders.hold('s1', 'camera');
      await holders.lose('s1', 'camera', 'its Janus went away');
      expect(await holders.orphans()).toEqual([]);
      expect((await holders.hold('s1', 'camera'))?.reason).toBe('its Janus went away');
      await holders.release('s1', 'camera');
      expect(await holders.hold('s1', 'camera')).toBeNull();
      await holders.forget('s1');
      expect(await db.query(`SELECT * FROM media_publisher_holders`)).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
