import { afterEach, beforeEach, expect, it } from 'vitest';
import { openTestDb } from '../../test/support/core.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl, uniqueSchema } from '../../test/support/servers.js';
import { ForbiddenError, IllegalStateError, NotFoundError } from '../domain/core/errors.js';
import { NodeCalls, NodeGoneError, type NodeCallServer } from './node-calls.js';
import { NODE_TAG, openPostgres, type Sql } from './sql.js';

const url = testPostgresUrl();

/** A node's watches, as the Janus engine serves them: the caller's viewer must be the watch's. */
function watches(node: string): NodeCallServer {
  return async (method, args) => {
    const { viewer, note } = args as { viewer: string; note?: string };
    if (method === 'slow') return new Promise((resolve) => setTimeout(() => resolve('late'), 2_000));
    if (method !== 'setQuality') throw new Error(`no such call: ${method}`);
    if (viewer === 'nobody') throw new NotFoundError('no watch w1');
    if (viewer !== 'proctor1') throw new ForbiddenError('this is someone else\'s watch');
    return { servedBy: node, note: note ?? null };
  };
}

describeWithServer('calls from one app node to another on PostgreSQL', Boolean(url), NO_POSTGRES_REASON, () => {
  let dbs: Sql[];
  let a: NodeCalls;
  let b: NodeCalls;

  beforeEach(async () => {
    const schema = uniqueSchema('calls');
    dbs = [await openPostgres(url!, { schema, max: 4 }), await openPostgres(url!, { schema, max: 4 })];
    a = await NodeCalls.open(dbs[0], watches('a'));
    b = await NodeCalls.open(dbs[1], watches('b'));
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    for (const db of dbs) await db.close();
  });

  it('runs a call on the node it names and answers what that node answered, a large one too', async () => {
    expect(await a.call(b.node, 'setQuality', { viewer: 'proctor1' })).toEqual({ servedBy: 'b', note: null });
    expect(await b.call(b.node, 'setQuality', { viewer: 'proctor1' })).toEqual({ servedBy: 'b', note: null }); // its own: served at once
    const sdp = `v=0\r\n${'a=candidate:1 1 udp 2122260223 198.18.0.1 40000 typ host\r\n'.repeat(400)}`; // ≈24 KB: past NOTIFY's 8,000 bytes
    expect(await b.call(a.node, 'setQuality', { viewer: 'proctor1', note: sdp })).toEqual({ servedBy: 'a', note: sdp });
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => a.call(b.node, 'setQuality', { viewer: 'proctor1', note: String(i) })));
    expect(many.map((m) => (m as { note: string }).note)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  it('raises the error the other node raised, with its code, so the API answers as if it were served here', async () => {
    await expect(a.call(b.node, 'setQuality', { viewer: 'proctor2' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(a.call(b.node, 'setQuality', { viewer: 'nobody' })).rejects.toThrow(NotFoundError);
    await expect(a.call(b.node, 'unknown', {})).rejects.toThrow('no such call: unknown');
  });

  it('tells which process tags belong to nodes connected now (a recording left by any other is nobody\'s)', async () => {
    expect(await a.connectedTags([NODE_TAG, 'abc123'])).toEqual(new Set([NODE_TAG]));
    expect(await a.connectedTags([])).toEqual(new Set());
  });

  it('fails at once for a node that is not connected, and in time for one that does not answer', async () => {
    await expect(a.call('proctor gone 1 abcdef#1', 'setQuality', { viewer: 'proctor1' })).rejects.toBeInstanceOf(NodeGoneError);
    await expect(a.call(b.node, 'slow', { viewer: 'proctor1' }, 300)).rejects.toBeInstanceOf(IllegalStateError);
  });
});

describeWithServer('calls from one app node to another on PGlite (one node)', true, '', () => {
  it('serves a call to itself and refuses one to any other node', async () => {
    const db = await openTestDb();
    const calls = await NodeCalls.open(db, watches('only'));
    expect(await calls.call(calls.node, 'setQuality', { viewer: 'proctor1' })).toEqual({ servedBy: 'only', note: null });
    await expect(calls.call('proctor other 2 abcdef#1', 'setQuality', {})).rejects.toBeInstanceOf(NodeGoneError);
    await calls.close();
    await db.close();
  });
});
