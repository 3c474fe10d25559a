import { afterEach, beforeEach, expect, it } from 'vitest';
import { ALL_EVENT_TYPES } from '../../src/domain/event-types.js';
import type { Projection } from '../../src/projections/projection.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { AdvisoryLeadership } from '../../src/store/leadership.js';
import { SqlEventStore } from '../../src/store/sql-event-store.js';
import { openPostgres, type Sql } from '../../src/store/sql.js';
import { eventually } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl, uniqueSchema } from '../support/servers.js';

const url = testPostgresUrl();

/**
 * A read model that keeps every event id once: applying an event twice breaks its primary key (and would mark the
 * projection failed), skipping one leaves a row missing. `applied` counts what this node applied itself.
 */
function ledger(applied: string[]): Projection {
  return {
    name: 'ledger',
    ddl: `CREATE TABLE IF NOT EXISTS ledger (event_id text PRIMARY KEY)`,
    tables: ['ledger'],
    handles: new Set(['NoteAdded']),
    async apply(tx, event) {
      await tx.query(`INSERT INTO ledger (event_id) VALUES ($1)`, [event.id]);
      applied.push(event.id);
    },
  };
}

/** One app node's share of the work: its own pool, store and runner on the shared schema. */
async function node(schema: string) {
  const sql = await openPostgres(url!, { schema, max: 4 });
  const store = await SqlEventStore.open(sql, { eventTypes: ALL_EVENT_TYPES });
  const applied: string[] = [];
  const runner = new ProjectionRunner(store, sql, [ledger(applied)], () => {});
  const leadership = await AdvisoryLeadership.start(sql, 'projections', { checkMs: 200 });
  await runner.start(leadership);
  store.announceUnless(() => leadership.alone); // as openCore wires it
  let n = 0;
  return {
    sql, store, runner, applied, leadership,
    /** Appends one event to a stream of its own and resolves once this node's runner says the read models have it. */
    async note(): Promise<{ id: string; seen: boolean }> {
      const id = crypto.randomUUID();
      await store.appendToStream(`note-${schema}-${id}`, [{ id, type: 'NoteAdded', data: { n: n++ } }]);
      // Longer than the API's 5 s: on a shared test server another database's open transaction can hold every
      // reader of the events back for a while (they read below the oldest transaction in progress).
      return { id, seen: await runner.waitForEvent(id, 30_000) };
    },
    async close() {
      await runner.stop();
      await store.close();
      await sql.close();
    },
  };
}

type Node = Awaited<ReturnType<typeof node>>;

/**
 * A test's own limit: above the 30 s each write may wait to be applied, times the writes it makes. On a busy two-core
 * machine opening a connection alone takes seconds; the failover bounds below are what is measured, not this.
 */
const BUSY_MS = 180_000;

async function ledgerIds(sql: Sql): Promise<string[]> {
  return (await sql.query<{ event_id: string }>(`SELECT event_id FROM ledger ORDER BY event_id`)).map((r) => r.event_id);
}

describeWithServer('projections on several nodes of one PostgreSQL database', Boolean(url), NO_POSTGRES_REASON, () => {
  let schema: string;
  let a: Node;
  let b: Node;
  beforeEach(async () => {
    schema = uniqueSchema('lead');
    a = await node(schema);
    b = await node(schema);
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it('lets one node lead, and the follower answers its own writes once the leader has applied them', async () => {
    expect([a.leadership.leading, b.leadership.leading]).toEqual([true, false]);
    const fromFollower = await b.note();
    const fromLeader = await a.note();
    expect(fromFollower.seen).toBe(true);
    expect(fromLeader.seen).toBe(true);
    expect(await ledgerIds(b.sql)).toEqual([fromFollower.id, fromLeader.id].sort());
    expect(b.applied).toEqual([]); // the follower applied nothing itself
    expect(a.applied.sort()).toEqual([fromFollower.id, fromLeader.id].sort());
  }, BUSY_MS);

  it('tells the follower\'s subscribers of each batch only after the leader committed it', async () => {
    const seen: string[] = [];
    b.runner.onApplied(({ events }) => {
      // Read at the moment of the notification: the row must already be there.
      void b.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger WHERE event_id = ANY($1::text[])`, [events.map((e) => e.id)])
        .then(([r]) => seen.push(r.n === events.length ? 'committed' : 'early'));
    });
    await a.note();
    await eventually(() => seen.length > 0, 30_000);
    expect(seen.every((s) => s === 'committed')).toBe(true);
  }, BUSY_MS);

  it('moves the lead to the follower within 5 s when the leader stops, with no event applied twice or skipped', async () => {
    const before = [await a.note(), await b.note()];
    const started = performance.now();
    await a.runner.stop(); // gives the lock up: the follower takes it at its next check
    await eventually(() => b.leadership.leading, 5000);
    expect(performance.now() - started).toBeLessThan(5000);
    const after = [await b.note(), await b.note()];
    expect(after.every((n) => n.seen)).toBe(true);
    expect(await ledgerIds(b.sql)).toEqual([...before, ...after].map((n) => n.id).sort());
    expect((await b.runner.status())[0].failure).toBeNull();
  }, BUSY_MS);

  it('counts the nodes on the schema: none is alone while another runs, the one left is alone once the other stops', async () => {
    await eventually(() => !a.leadership.alone && !b.leadership.alone, 5000);
    const other = uniqueSchema('alone');
    const c = await node(other);
    let d: Node | null = null;
    try {
      await eventually(() => c.leadership.alone, 5000); // a and b are on another schema: they do not count here
      d = await node(other);
      await eventually(() => !c.leadership.alone && !d!.leadership.alone, 5000);
      // c alone announced nothing; with d there it does, and d's reads see c's writes either way.
      expect((await c.note()).seen).toBe(true);
      const seenOnD = await c.note();
      expect(await d.runner.waitForEvent(seenOnD.id, 30_000)).toBe(true);
      await d.close();
      d = null;
      await eventually(() => c.leadership.alone, 5000);
      expect(a.leadership.alone || b.leadership.alone).toBe(false);
    } finally {
      await d?.close();
      await c.close();
    }
  }, BUSY_MS);

  it('notices when the leader\'s lock connection is cut, and one node leads again', async () => {
    expect(a.leadership.leading).toBe(true);
    let steppedDown = false;
    a.leadership.onChange((leading) => (steppedDown ||= !leading));
    // The backend holding the lock is killed, as when the network between a node and the database breaks.
    await a.sql.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND objid::bigint = (hashtext(current_schema())::bigint & 4294967295)`);
    // The old leader steps down when its connection closes, the other takes the lock at its next check.
    await eventually(() => steppedDown && a.leadership.leading !== b.leadership.leading, 5000);
    expect((await b.note()).seen).toBe(true);
    expect(a.leadership.leading).not.toBe(b.leadership.leading);
    const last = await a.note();
    expect(last.seen).toBe(true);
    expect((await ledgerIds(a.sql)).includes(last.id)).toBe(true);
    expect((await a.runner.status())[0].failure).toBeNull();
  }, BUSY_MS);
});
