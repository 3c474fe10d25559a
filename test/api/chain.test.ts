import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainCheckpointer } from '../../src/app/chain/checkpointer.js';
import { eventHash } from '../../src/store/validate.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';
import { storedEvents } from '../../src/app/privacy/personal-data-store.js';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];
const VERIFY = `query($id: ID!) { verifyStream(id: $id) { ok events brokenAt reason check sealed anchoredVersion anchoredAt } }`;

/**
 * Someone with write access to the database, but not the server's keys, edits it: every way they could hide it is
 * caught by verifyStream, and it says which check failed.
 */
for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`a session's stream, checked against tampering ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  let checkpointer: ChainCheckpointer;
  const verify = async (id: string) => (await api.as('auditor1', VERIFY, { id })).verifyStream;
  /** A session with a few events, all of them covered by a signed checkpoint. */
  const anchoredSession = async (id: string) => {
    await api.createSession(id);
    await api.as('student1', `mutation { checkIn(id: "${id}", userAgent: "Chromium 156") { id } }`);
    await api.as('proctor1', `mutation { addNote(sessionId: "${id}", text: "first") { id } }`);
    await api.as('proctor1', `mutation { addNote(sessionId: "${id}", text: "second") { id } }`);
    expect(await checkpointer.checkpoint()).toBe(true);
    await api.core.runner.waitForEvent((await api.core.store.readAll({ limit: 10_000 })).at(-1)!.id, 25_000);
  };
  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
    checkpointer = new ChainCheckpointer(api.core, api.core.chainKeys!, { intervalMs: 3_600_000 });
    await checkpointer.start();
  });
  afterAll(async () => {
    await checkpointer.stop();
    await api.close();
  });

  it('verifies an untouched stream: chain, seals and the signed checkpoint of its head', async () => {
    await anchoredSession('chain-ok');
    const verdict = await verify('chain-ok');
    expect(verdict).toMatchObject({ ok: true, events: 4, sealed: 4, anchoredVersion: 3, check: null });
    expect(verdict.anchoredAt).toBeTruthy();
  });

  it('catches the removal of a stream\'s last event', async () => {
    await anchoredSession('chain-cut');
    await api.core.db.query(`DELETE FROM events WHERE stream_id = 'session-chain-cut' AND stream_version = 3`);
    expect(await verify('chain-cut')).toMatchObject({ ok: false, check: 'truncated', brokenAt: 3, events: 3 });
  });

  it('catches a rewrite with every hash recomputed, whether the seals are left or removed', async () => {
    await anchoredSession('chain-rewrite');
    const events = await api.core.store.readStream('session-chain-rewrite');
    // Edit the first note's text and recompute the chain after it, as someone without the key would.
    let prev = events[1].hash;
    for (const e of events.slice(2)) {
      const data = e.streamVersion === 2 ? { ...(e.data as object), text: 'edited' } : e.data;
      const hash = eventHash({ ...e, data, prevHash: prev });
      await api.core.db.query(`UPDATE events SET data = $3::text::jsonb, prev_hash = $4, hash = $5 WHERE stream_id = $1 AND stream_version = $2`, [
        e.streamId, e.streamVersion, JSON.stringify(data), prev, hash,
      ]);
      prev = hash;
    }
    expect(await verify('chain-rewrite')).toMatchObject({ ok: false, check: 'seal', brokenAt: 2 });
    await api.core.db.query(`UPDATE events SET seal = NULL WHERE stream_id = 'session-chain-rewrite'`);
    expect(await verify('chain-rewrite')).toMatchObject({ ok: false, check: 'seal', brokenAt: 0 });
  });

  it('catches a rewrite by someone who had the seal key but not the signing key, at the signed head', async () => {
    await anchoredSession('chain-anchor');
    // Replace the whole tail, seals and all, with the store's own key (as a thief of the HMAC key could): only the
    // signed checkpoint still remembers the real head.
    await api.core.db.query(`DELETE FROM events WHERE stream_id = 'session-chain-anchor' AND stream_version >= 2`);
    // The forger's own process knows nothing of the old head (this one remembers it for speed).
    (storedEvents(api.core.store) as unknown as { heads: { delete(k: string): void } }).heads.delete('session-chain-anchor');
    await api.as('proctor1', `mutation { addNote(sessionId: "chain-anchor", text: "forged") { id } }`);
    await api.as('proctor1', `mutation { addNote(sessionId: "chain-anchor", text: "forged too") { id } }`);
    expect(await verify('chain-anchor')).toMatchObject({ ok: false, check: 'anchor', brokenAt: 3 });
  });

  it('catches a forged checkpoint, and one removed from the store', async () => {
    await anchoredSession('chain-forged');
    const [anchor] = await api.core.db.query<{ checkpoint_version: number }>(`SELECT checkpoint_version FROM chain_anchors WHERE stream_id = 'session-chain-forged'`);
    await api.core.db.query(`UPDATE events SET data = jsonb_set(data, '{signature}', to_jsonb('AAAA'::text)) WHERE stream_id = 'chain-checkpoints' AND stream_version = $1`, [anchor.checkpoint_version]);
    expect(await verify('chain-forged')).toMatchObject({ ok: false, check: 'signature' });
    await api.core.db.query(`DELETE FROM events WHERE stream_id = 'chain-checkpoints' AND stream_version = $1`, [anchor.checkpoint_version]);
    expect(await verify('chain-forged')).toMatchObject({ ok: false, check: 'signature' });
  });
});
