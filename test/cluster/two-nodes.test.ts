import { afterAll, beforeAll, expect, it } from 'vitest';
import { Core } from '../../src/app/core/core.js';
import type { Actor } from '../../src/domain/core/decider.js';
import { ConcurrencyError } from '../../src/domain/core/errors.js';
import type { EventStore } from '../../src/store/event-store.js';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { openPostgresTestDb, openTestCore } from '../support/core.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl, uniqueSchema } from '../support/servers.js';

const url = testPostgresUrl();
const admin: Actor = { id: 'admin', role: 'admin' };
const proctor: Actor = { id: 'proctor1', role: 'proctor' };

const SIGNAL = `mutation($s: ID!, $p: JSON, $k: String!, $to: String!) { signal(sessionId: $s, to: $to, kind: $k, payload: $p) }`;

describeWithServer('two app nodes on one PostgreSQL database', Boolean(url), NO_POSTGRES_REASON, () => {
  let a: TestApi;
  let b: TestApi;
  beforeAll(async () => {
    a = await startTestApi({}, { postgresUrl: url });
    const [{ schema }] = await a.core.db.query<{ schema: string }>(`SELECT current_schema() AS schema`);
    b = await startTestApi({}, { postgresUrl: url, joinSchema: schema });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('shows a proctor subscribed on node B the sessions changed through node A', async () => {
    const sub = b.subscribe(b.wsClient(await b.login('proctor1')), `subscription { sessionsChanged { event session { id } } }`);
    await sub.ready;
    await a.createSession('cross-1', { proctor: 'proctor1' });
    const seen = await eventually(() => sub.results.flatMap((r) => r.data?.sessionsChanged ?? []).find((c: { session: { id: string } }) => c.session.id === 'cross-1'), 10_000);
    expect(seen).toMatchObject({ event: 'SessionCreated', session: { id: 'cross-1' } });
    // Read your writes on the other node too: the list on B has it as soon as A answered.
    const list = await b.as('proctor1', `{ sessions(query: "cross-1") { totalCount } }`);
    expect(list.sessions.totalCount).toBe(1);
    sub.dispose();
  });

  it('relays signals from a test-taker on node A to a proctor on node B, in order, large ones too', async () => {
    await a.createSession('sig-x', { student: 'student1', proctor: 'proctor1' });
    const sub = b.subscribe(b.wsClient(await b.login('proctor1')), `subscription { signals(sessionId: "sig-x") { from to kind payload } }`);
    await sub.ready;
    const token = await a.login('student1');
    const sdp = 'a=candidate '.repeat(2000); // ≈24 KB: more than a NOTIFY carries
    const sent = [
      await a.gql(SIGNAL, { s: 'sig-x', to: 'proctor1', k: 'offer', p: { sdp } }, token),
      await a.gql(SIGNAL, { s: 'sig-x', to: 'proctor1', k: 'candidate', p: { n: 1 } }, token),
      await a.gql(SIGNAL, { s: 'sig-x', to: '*', k: 'ready', p: null }, token),
    ];
    expect(sent.map((r) => r.data)).toEqual([{ signal: 1 }, { signal: 1 }, { signal: 1 }]);
    const got = await eventually(() => (sub.results.length >= 3 ? sub.results.map((r) => r.data?.signals) : null), 10_000);
    expect(got).toEqual([
      { from: 'student1', to: 'proctor1', kind: 'offer', payload: { sdp } },
      { from: 'student1', to: 'proctor1', kind: 'candidate', payload: { n: 1 } },
      { from: 'student1', to: '*', kind: 'ready', payload: null },
    ]);
    // Nobody else in the session listens: the proctor's own broadcast reaches no one.
    expect((await b.gql(SIGNAL, { s: 'sig-x', to: '*', k: 'ready', p: null }, await b.login('proctor1'))).data).toEqual({ signal: 0 });
    sub.dispose();
    await eventually(async () => (await a.gql(SIGNAL, { s: 'sig-x', to: 'proctor1', k: 'bye', p: null }, token)).data?.signal === 0);
  });

  it('counts sign-in attempts on every node together: the eleventh in a minute is refused, whichever node gets it', async () => {
    const LOGIN = `mutation { login(username: "student2", password: "wrong") { token } }`;
    const codes: string[] = [];
    for (let i = 0; i < 12; i++) codes.push((await (i % 2 === 0 ? a : b).gql(LOGIN)).errors?.[0].extensions?.code);
    expect(codes.slice(0, 10)).toEqual(Array(10).fill('UNAUTHENTICATED'));
    expect(codes.slice(10)).toEqual(['TOO_MANY_REQUESTS', 'TOO_MANY_REQUESTS']);
  });

  it('stops a token on node B once node A disables its account, though B had the account read and kept', async () => {
    const token = await a.login('proctor2');
    const LIST = `{ sessions(query: "") { totalCount } }`;
    expect((await b.gql(LIST, {}, token)).errors).toBeUndefined(); // B reads proctor2's account and keeps it
    expect((await b.gql(LIST, {}, token)).errors).toBeUndefined();
    await a.as('admin', `mutation { disableAccount(username: "proctor2", reason: "left") { username } }`);
    // B hears of it through its runner (it follows A's events), not by reading the account again on a timer.
    const refused = await eventually(async () => (await b.gql(LIST, {}, token)).errors?.[0].extensions?.code, 10_000);
    expect(refused).toBe('UNAUTHENTICATED');
  });

  it('keeps one stream whole when two nodes write to it in turn: a stale cache is caught by its expected version', async () => {
    const schema = uniqueSchema('turns');
    const nodes: Array<{ core: Core; conflicts: { n: number } }> = [];
    for (let i = 0; i < 2; i++) {
      const base = await openTestCore(await openPostgresTestDb(url!, schema));
      const conflicts = { n: 0 };
      const core = new Core(countingConflicts(base.store, conflicts), base.sql, base.runner);
      await core.runner.start();
      nodes.push({ core, conflicts });
    }
    try {
      const [one, two] = nodes;
      await one.core.session('turns-1', 'CreateSession', { sessionId: 'turns-1', name: 'Turns', student: 'student1', durationMinutes: 60 }, admin);
      for (let i = 0; i < 6; i++) {
        const writer = i % 2 === 0 ? two : one;
        await writer.core.session('turns-1', 'AddNote', { noteId: `n${i}`, text: `note ${i}` }, proctor);
      }
      const events = await one.core.store.readStream('session-turns-1');
      expect(events.map((e) => e.streamVersion)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(events.slice(1).map((e) => (e.data as { noteId: string }).noteId)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
      // Each node's cache was behind the other's last write every time but its first: refused by the version, then read.
      expect(one.conflicts.n + two.conflicts.n).toBeGreaterThanOrEqual(4);
      expect((await two.core.loadSession('turns-1')).version).toBe(6);
    } finally {
      for (const n of nodes) await n.core.close();
    }
  });
});

/** The store, counting the appends it refused for a wrong expected version. */
function countingConflicts(store: EventStore, conflicts: { n: number }): EventStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key !== 'appendToStream') return Reflect.get(target, key, receiver);
      return async (...args: Parameters<EventStore['appendToStream']>) => {
        try {
          return await target.appendToStream(...args);
        } catch (error) {
          if (error instanceof ConcurrencyError) conflicts.n += 1;
          throw error;
        }
      };
    },
  });
}
